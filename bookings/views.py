"""Book or hold seats, list and read your bookings, confirm holds, cancel; tickets' QR codes; check-in."""
from django.conf import settings
from django.http import Http404, HttpResponse
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import generics, mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import checkin, idempotency, reports, selectors, services, tickets
from bookings.models import VOUCHER_CODE_PATTERN, Voucher
from bookings.payments import services as payments
from bookings.permissions import CanCheckInTickets, CanRefundBookings, CanViewSales
from bookings.report_serializers import (
    DailyReportQuerySerializer,
    DailySalesSerializer,
    ShowReportQuerySerializer,
    ShowSalesSerializer,
)
from bookings.serializers import (
    BookingRequestSerializer,
    BookingSerializer,
    CheckInRequestSerializer,
    CheckInSerializer,
    MyBookingsQuerySerializer,
    PayAnswerSerializer,
    RefundRequestSerializer,
    VoucherSerializer,
    WebhookAnswerSerializer,
    plain_seat_numbers,
    plain_seat_request,
)
from core.money import minor_units
from core.permissions import ModelPermissions
from core.renderers import CSVRenderer, JSONRenderer
from core.schema import VALIDATION_ERROR_SCHEMA, error_response
from core.serializers import money
from core.throttling import BookingRateThrottle
from core.views import CreatedLocationMixin, JSONErrorsMixin, PrivateAnswerMixin
from movies import selectors as catalogue
from movies.seating import PRICED_CATEGORIES
from users.permissions import VerifiedEmailIfMandatory

SEAT = openapi.Schema(type=openapi.TYPE_STRING, description='A seat number or label: "5", "C7"')
BOOK_BODY = openapi.Schema(
    title="BookingRequest",
    type=openapi.TYPE_OBJECT,
    description='Exactly one of `seat_number`, `seat_numbers`, `tickets` or `count`. A seat is a number (5), a '
                'string of digits ("5") or a label ("C7", any case). At most 10 distinct seats. A seat given '
                'without a ticket type is of the default type (Adult, unless staff chose another). `count`: the '
                'server chooses that many free seats of `category` side by side, the best left (nearest the '
                "middle of the screen's `best_row`), leaving no lonely seat where it can; `types` gives their "
                'ticket types from left to right. `voucher`: a voucher code, in any case.',
    properties={
        "seat_number": openapi.Schema(type=openapi.TYPE_INTEGER, minimum=1, description="One seat"),
        "seat_numbers": openapi.Schema(type=openapi.TYPE_ARRAY, min_items=1, max_items=10, items=SEAT),
        "tickets": openapi.Schema(
            type=openapi.TYPE_ARRAY, min_items=1, max_items=10,
            items=openapi.Schema(
                title="TicketRequest", type=openapi.TYPE_OBJECT, required=["seat"],
                properties={"seat": SEAT, "type": openapi.Schema(
                    type=openapi.TYPE_STRING, max_length=32,
                    description="A ticket type's code that the show sells (its `ticket_types`); left out: the "
                                "default type")},
            ),
        ),
        "count": openapi.Schema(type=openapi.TYPE_INTEGER, minimum=1, maximum=10,
                                description="How many seats side by side the server chooses for the buyer"),
        "category": openapi.Schema(type=openapi.TYPE_STRING, enum=list(PRICED_CATEGORIES),
                                   description="With count: the seats' category; left out: standard"),
        "types": openapi.Schema(type=openapi.TYPE_ARRAY, min_items=1, max_items=10,
                                items=openapi.Schema(type=openapi.TYPE_STRING, max_length=32),
                                description="With count: count ticket type codes, from left to right"),
        "voucher": openapi.Schema(type=openapi.TYPE_STRING, min_length=4, max_length=64,
                                  pattern=VOUCHER_CODE_PATTERN),
    },
    example={"tickets": [{"seat": "C7", "type": "child"}, {"seat": "C8"}]},
)
IDEMPOTENCY_KEY = openapi.Parameter(
    "Idempotency-Key", openapi.IN_HEADER, type=openapi.TYPE_STRING, required=False, min_length=1, max_length=255,
    pattern=r"^[\x21-\x7e]+$",
    description="Optional, 1-255 visible ASCII characters. A retry with the same key gets the first answer "
                "again (status and body) and never books twice; kept for 24 hours.",
)
SEAT_UNAVAILABLE = openapi.Response(
    "Nothing was booked: a requested seat is taken (`seat_unavailable`, with `seats`), the booking would leave a "
    "free seat alone on a screen with no_lonely_seats (`lonely_seat`, with `seats`), or no block of `count` seats "
    "side by side is left (`no_seats_together`, with `available_seats`)",
    openapi.Schema(
        title="SeatUnavailable",
        type=openapi.TYPE_OBJECT,
        required=["detail", "code"],
        properties={
            "detail": openapi.Schema(type=openapi.TYPE_STRING),
            "code": openapi.Schema(type=openapi.TYPE_STRING,
                                   enum=["seat_unavailable", "lonely_seat", "no_seats_together"]),
            "seats": openapi.Schema(type=openapi.TYPE_ARRAY, items=openapi.Schema(type=openapi.TYPE_STRING),
                                    description="The taken seats, or those that would be left alone, as labels"),
            "available_seats": openapi.Schema(type=openapi.TYPE_INTEGER, minimum=0,
                                              description="no_seats_together: the free seats of the category"),
        },
    ),
)


class TakeSeatsView(PrivateAnswerMixin, CreatedLocationMixin, APIView):
    """Book or hold seats of a show: the same body, checks and answers. Subclasses name the `operation`
    (for Idempotency-Key fingerprints) and its service, `take_seats`."""

    permission_classes = [IsAuthenticated, VerifiedEmailIfMandatory]
    throttle_classes = [BookingRateThrottle]
    created_url_name = "booking-detail"

    def post(self, request, pk):
        key = idempotency.key_from(request)
        if key is None:
            return self.take(request, pk)
        # Parsed before the key is claimed: a body that cannot be read (415, 400) is refused, never recorded.
        body = request.data
        return idempotency.answer_once(
            user=request.user, key=key, respond=lambda: self.answer(request, pk),
            request_fingerprint=idempotency.fingerprint(self.operation, pk, body),
        )

    def answer(self, request, pk):
        """The answer, with errors rendered as the API gives them, so that they can be recorded."""
        try:
            return self.take(request, pk)
        except Exception as error:  # noqa: BLE001 - handle_exception re-raises what it cannot answer
            return self.handle_exception(error)

    def take(self, request, pk):
        seat_numbers = plain_seat_numbers(request.data)
        show = catalogue.show_to_book(pk, seat_numbers)
        if show is None:
            raise Http404
        seats = plain_seat_request(seat_numbers, show.screen)
        if seats is None:
            body = BookingRequestSerializer(data=request.data, context={"show": show, "screen": show.screen})
            body.is_valid(raise_exception=True)
            seats = body.validated_data
        booking = self.take_seats(user=request.user, show=show, **seats)
        return Response(BookingSerializer(booking, context={"request": request}).data, status=status.HTTP_201_CREATED)


class BookShowView(TakeSeatsView):
    operation = "book"

    @swagger_auto_schema(
        operation_id="shows_book",
        operation_summary="Book seats",
        operation_description="Book one or several seats of a show, all or nothing. The booking is CONFIRMED.",
        request_body=BOOK_BODY,
        manual_parameters=[IDEMPOTENCY_KEY],
        responses={201: BookingSerializer, 400: error_response("Invalid seats or ticket types, the show has started "
                                                               "(`code: show_started`), or the buyer's live seats "
                                                               "of this show would pass MAX_SEATS_PER_BUYER "
                                                               "(`code: buyer_limit`, with `limit`), or a voucher "
                                                               "that does not apply (`code: voucher_invalid`)",
                                                               VALIDATION_ERROR_SCHEMA),
                   402: error_response("PAYMENT_PROVIDER=stripe: priced seats are held, paid, then confirmed "
                                       "(`code: payment_required`); staff sell at the box office"),
                   409: SEAT_UNAVAILABLE},
    )
    def post(self, request, pk):
        return super().post(request, pk)

    def take_seats(self, **seats):
        return services.book_best_seats(**seats) if "count" in seats else services.book_seats(**seats)


class HoldShowView(TakeSeatsView):
    operation = "hold"

    @swagger_auto_schema(
        operation_id="shows_hold",
        operation_summary="Hold seats",
        operation_description="Hold one or several seats of a show, all or nothing, while the buyer pays. The "
                              "booking is HELD until its `expires_at` (HOLD_SECONDS from now); confirm it with "
                              "`POST /api/bookings/{id}/confirm/` before then, or its seats are free again. "
                              "A user holds at most 10 seats of one show at once.",
        request_body=BOOK_BODY,
        manual_parameters=[IDEMPOTENCY_KEY],
        responses={201: BookingSerializer,
                   400: error_response("Invalid seats or ticket types, the show has started (`code: show_started`), a "
                                       "voucher that does not apply (`code: voucher_invalid`), more than "
                                       "10 seats held in this show (`code: hold_limit`), or more live seats of it, "
                                       "held and confirmed, than MAX_SEATS_PER_BUYER (`code: buyer_limit`, with "
                                       "`limit`)", VALIDATION_ERROR_SCHEMA),
                   409: SEAT_UNAVAILABLE},
    )
    def post(self, request, pk):
        return super().post(request, pk)

    def take_seats(self, **seats):
        return services.hold_best_seats(**seats) if "count" in seats else services.hold_seats(**seats)


class MyBookingsView(PrivateAnswerMixin, generics.ListAPIView):
    """Your bookings, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = BookingSerializer
    filter_backends = []

    @swagger_auto_schema(operation_id="my_bookings", operation_summary="List my bookings",
                         query_serializer=MyBookingsQuerySerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = MyBookingsQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.user_bookings(user=self.request.user, **query.validated_data)


class BookingViewSet(PrivateAnswerMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One booking: its owner reads it, and so do staff with bookings.view_booking; only its owner confirms,
    pays for or cancels it; staff with bookings.refund_booking refund it."""

    permission_classes = [IsAuthenticated]
    serializer_class = BookingSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.bookings_with_details().none()
        if self.action == "refund":  # CanRefundBookings let the refunder in: any booking may be refunded
            return selectors.bookings_with_details()
        # Another user's booking does not exist for you: 404, as for an unknown id.
        return selectors.visible_bookings(user=self.request.user)

    @swagger_auto_schema(
        responses={200: BookingSerializer,
                   404: error_response("No such booking, or another's, which only staff with the permission "
                                       "bookings.view_booking read")},
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @swagger_auto_schema(
        operation_summary="Cancel a booking",
        request_body=no_body,
        responses={200: BookingSerializer,
                   400: error_response("The show has started (`code: show_started`), cancelling has closed "
                                       "(`code: cancellation_closed`, CANCEL_UNTIL_MINUTES), or a ticket has been "
                                       "checked in (`code: checked_in`)"),
                   403: error_response("Not the owner: staff who may read it (bookings.view_booking) do not "
                                       "cancel it")},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel your booking or hold; its seats are free at once. A paid booking is refunded, less
        CANCELLATION_FEE_PERCENT (its payment is `refunding`, then `refunded`). Cancelling again answers the same
        booking, and so does cancelling an expired hold (still EXPIRED)."""
        booking = self.owned_booking("cancel it; staff cancel in the admin")
        services.cancel_booking(booking=booking)
        return Response(self.get_serializer(selectors.booking_with_details(booking.pk)).data)

    @swagger_auto_schema(
        request_body=no_body,
        responses={200: BookingSerializer, 400: error_response("The show has started (`code: show_started`)"),
                   403: error_response("Not the owner: staff who may read it do not confirm it"),
                   409: error_response("The hold has expired (`code: hold_expired`), the booking was cancelled "
                                       "(`code: booking_cancelled`), or (PAYMENT_PROVIDER=stripe) its payment has "
                                       "not gone through yet (`code: payment_incomplete`)"),
                   503: error_response("The payment provider did not answer: retry")},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm your hold before its `expires_at`: the booking becomes CONFIRMED. With PAYMENT_PROVIDER=stripe
        only once its payment has gone through (a hold that costs nothing at once). Confirming a confirmed
        booking again answers the same booking."""
        booking = self.owned_booking("confirm it")
        payments.confirm(booking=booking)
        return Response(self.get_serializer(selectors.booking_with_details(booking.pk)).data)

    @swagger_auto_schema(
        operation_summary="Pay for a hold",
        request_body=no_body,
        responses={200: PayAnswerSerializer,
                   400: error_response("The show has started (`code: show_started`)"),
                   403: error_response("Not the owner: staff who may read it do not pay for it"),
                   409: error_response("The hold has expired (`hold_expired`), the booking was cancelled "
                                       "(`booking_cancelled`), is paid (`already_paid`), costs nothing "
                                       "(`nothing_to_pay`), or the box office takes no online payments "
                                       "(`payments_disabled`)"),
                   503: error_response("The payment provider did not answer: retry")},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, VerifiedEmailIfMandatory])
    def pay(self, request, pk=None):
        """Start (or resume) paying for your live hold with Stripe: the answer is what Stripe.js or the mobile
        SDKs need to take the payment. The amount is the booking's total_price. Asking again answers the same
        PaymentIntent while it can be paid, a new one after a declined try. Then confirm the hold."""
        booking = self.owned_booking("pay for it")
        payment, intent = payments.pay(booking=booking)
        return Response({"provider": payment.provider, "payment_intent": intent["id"],
                         "client_secret": intent["client_secret"], "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                         "amount": money(payment.amount), "currency": payment.currency})

    @swagger_auto_schema(
        operation_summary="Refund a booking (bookings.refund_booking)",
        request_body=RefundRequestSerializer,
        responses={200: BookingSerializer,
                   400: error_response("More than remains paid (`code: refund_exceeds_payment`)",
                                       VALIDATION_ERROR_SCHEMA),
                   403: error_response("Without the permission bookings.refund_booking, whether staff or not "
                                       "(`code: permission_denied`)"),
                   503: error_response("The database did not answer: retry")},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanRefundBookings])
    def refund(self, request, pk=None):
        """Refund part of a booking's payment (all that remains without `amount`): a goodwill refund, the booking
        stays as it is; its payment becomes partially_refunded or refunded once Stripe has settled it."""
        body = RefundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        amount = body.validated_data.get("amount")
        booking = self.get_object()
        services.refund_booking(booking=booking, amount_cents=amount and minor_units(amount))
        return Response(self.get_serializer(self.get_queryset().get(pk=booking.pk)).data)

    def owned_booking(self, what_only_the_owner_may_do):
        """The booking of the URL, its own row only: what acts on it answers the booking read again after."""
        booking = generics.get_object_or_404(selectors.visible_bookings(user=self.request.user, details=False),
                                             pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, booking)
        if booking.user_id != self.request.user.pk:
            raise PermissionDenied(f"Only the booking's owner can {what_only_the_owner_may_do}.")
        return booking


class VoucherViewSet(PrivateAnswerMixin, CreatedLocationMixin, viewsets.ModelViewSet):
    """Vouchers: discount codes buyers give when they book or hold. Staff with the voucher model's permissions read
    (view) and write (add, change, delete) them. A voucher that bookings used cannot be deleted (deactivate it)."""

    permission_classes = [ModelPermissions]
    serializer_class = VoucherSerializer
    filter_backends = []
    created_url_name = "voucher-detail"

    def get_queryset(self):
        return selectors.vouchers_with_uses().order_by("-created_at", "-id")

    def perform_create(self, serializer):
        self.save(serializer, Voucher())

    def perform_update(self, serializer):
        self.save(serializer, serializer.instance)

    def save(self, serializer, voucher):
        fields = dict(serializer.validated_data)
        ticket_types = fields.pop("ticket_types", None if serializer.partial else [])
        for field, value in fields.items():
            setattr(voucher, field, value)
        services.save_voucher(voucher=voucher, ticket_types=ticket_types)
        # Read back with its uses and types, as a GET shows it.
        serializer.instance = self.get_queryset().get(pk=voucher.pk)

    @swagger_auto_schema(responses={204: "Deleted", 409: error_response(
        "Bookings used it (`code: protected`): deactivate it instead")})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, voucher):
        services.delete_voucher(voucher=voucher)


class StripeWebhookView(APIView):
    """Stripe tells the server about payments and refunds, whether or not the buyer's app comes back."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @swagger_auto_schema(
        operation_id="payments_stripe_webhook",
        operation_summary="Stripe's webhook",
        request_body=openapi.Schema(type=openapi.TYPE_OBJECT, additional_properties=True,
                                    description="A Stripe event, signed in the Stripe-Signature header"),
        manual_parameters=[openapi.Parameter("Stripe-Signature", openapi.IN_HEADER, type=openapi.TYPE_STRING,
                                             required=True, description="Stripe's signature of the raw body")],
        security=[],
        responses={200: WebhookAnswerSerializer,
                   400: error_response("A missing, wrong or stale signature (`code: bad_signature`)"),
                   409: error_response("The box office takes no online payments (`code: payments_disabled`)"),
                   503: error_response("The database or Stripe did not answer: Stripe delivers again")},
    )
    def post(self, request):
        """Verify the event's signature (STRIPE_WEBHOOK_SECRET), read the object it names back from Stripe, and act
        on it once: a payment that went through confirms its hold (or is refunded when its seats are gone)."""
        payments.handle_webhook(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
        return Response({"received": True})


class SVGRenderer(renderers.BaseRenderer):
    """Lets content negotiation accept `image/svg+xml`; the QR view answers SVG bytes itself."""

    media_type = "image/svg+xml"
    format = "svg"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class TicketQRCodeView(PrivateAnswerMixin, JSONErrorsMixin, APIView):
    """The QR code of one ticket of your confirmed booking, as an SVG image."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [SVGRenderer, JSONRenderer]

    @swagger_auto_schema(
        operation_id="bookings_ticket_qr",
        responses={200: openapi.Response("The QR code of the seat's ticket code (image/svg+xml)",
                                         openapi.Schema(type=openapi.TYPE_FILE)),
                   404: error_response("Not your booking, not confirmed (held, cancelled, expired), or no such seat "
                                       "in it")},
    )
    def get(self, request, pk, number):
        ticket = selectors.confirmed_ticket(user=request.user, booking_id=pk, seat_number=number)
        return HttpResponse(tickets.qr_svg(ticket.code), content_type="image/svg+xml")


class CheckInView(PrivateAnswerMixin, APIView):
    """Door staff scan a ticket: it opens the door exactly once."""

    permission_classes = [IsAuthenticated, CanCheckInTickets]

    @swagger_auto_schema(
        operation_id="check_in",
        request_body=CheckInRequestSerializer,
        responses={200: CheckInSerializer,
                   403: error_response("Only door staff (permission `bookings.check_in_ticket`) check tickets in"),
                   404: error_response("No ticket has this code (`code: not_found`)"),
                   409: error_response("Already checked in (`code: already_checked_in`, with `checked_in_at`), a "
                                       "cancelled booking's ticket (`code: ticket_cancelled`), another show's "
                                       "ticket (`code: wrong_show`), a show whose door is not open yet (`code: "
                                       "not_open`, with `opens_at`: CHECK_IN_OPENS_MINUTES before it starts), or "
                                       "one that has ended (`code: show_ended`)")},
    )
    def post(self, request):
        scan = CheckInRequestSerializer(data=request.data)
        scan.is_valid(raise_exception=True)
        ticket = checkin.check_in_ticket(code=scan.validated_data["ticket_code"],
                                         show_id=scan.validated_data.get("show"))
        return Response(CheckInSerializer(ticket).data)


REPORT_FORMAT = openapi.Parameter(
    "format", openapi.IN_QUERY, type=openapi.TYPE_STRING, enum=["json", "csv"], required=False,
    description="csv: every row of the period as text/csv (as does `Accept: text/csv`), without pages: a header "
                "line, then one line per row",
)
NOT_SALES_STAFF = error_response("Not staff with the permission bookings.view_sales (`code: permission_denied`)")


class SalesReportView(PrivateAnswerMixin, JSONErrorsMixin, generics.ListAPIView):
    """A sales report: a page of rows as JSON, or every row of the period as CSV. Subclasses say how to read the
    query (`query_serializer`), which rows it lists (`rows_to_page`, paged before `rows` builds them) and the CSV's
    `table`."""

    permission_classes = [IsAuthenticated, CanViewSales]
    renderer_classes = [JSONRenderer, CSVRenderer]
    filter_backends = []
    csv_name = ""

    def list(self, request, *args, **kwargs):
        query = self.query_serializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        listed = self.rows_to_page(query.validated_data)
        if request.accepted_renderer.format == CSVRenderer.format:
            return Response(self.table(self.rows(listed)),
                            headers={"Content-Disposition": f'attachment; filename="{self.csv_name}"'})
        page = self.paginate_queryset(listed)
        return self.get_paginated_response(self.get_serializer(self.rows(page), many=True).data)

    def rows(self, listed):
        return listed


class ShowSalesReportView(SalesReportView):
    serializer_class = ShowSalesSerializer
    query_serializer = ShowReportQuerySerializer
    csv_name = "sales-by-show.csv"

    @swagger_auto_schema(
        operation_id="reports_shows",
        operation_summary="Sales per show (bookings.view_sales)",
        operation_description="One row per show, soonest first: its tickets sold (of CONFIRMED bookings), "
                              "occupancy, revenue at the prices the tickets were sold at, refunds, net, and the "
                              "tickets by ticket type. As CSV with `?format=csv` or `Accept: text/csv`, "
                              "`by_ticket_type` flattened to `tickets_<code>` and `revenue_<code>` columns.",
        query_serializer=ShowReportQuerySerializer,
        manual_parameters=[REPORT_FORMAT],
        responses={403: NOT_SALES_STAFF},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def rows_to_page(self, query):
        return reports.shows_in_period(starts_from=query.get("from"), starts_before=query.get("to"),
                                       movie_id=query.get("movie"))

    def rows(self, shows):
        return reports.show_rows(list(shows))

    def table(self, rows):
        return reports.show_table(rows, reports.ticket_type_codes())


class DailySalesReportView(SalesReportView):
    serializer_class = DailySalesSerializer
    query_serializer = DailyReportQuerySerializer
    csv_name = "sales-by-day.csv"

    @swagger_auto_schema(
        operation_id="reports_daily",
        operation_summary="Sales per day (bookings.view_sales)",
        operation_description="One row per day of sale in the server's TIME_ZONE, oldest first: the CONFIRMED "
                              "bookings confirmed that day, their tickets and revenue (paid at the box office or "
                              "online), the refunds made that day, and net. As CSV with `?format=csv` or "
                              "`Accept: text/csv`.",
        query_serializer=DailyReportQuerySerializer,
        manual_parameters=[REPORT_FORMAT],
        responses={403: NOT_SALES_STAFF},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def rows_to_page(self, query):
        return reports.daily_rows(first_day=query.get("from"), last_day=query.get("to"))

    def table(self, rows):
        return reports.daily_table(rows)
