"""Input and output shapes of booking."""
import re
from decimal import Decimal

from django.conf import settings
from drf_yasg.utils import swagger_serializer_method
from rest_framework import serializers

from bookings.models import VOUCHER_CODE_PATTERN, Booking, Payment, Refund, Voucher
from bookings.services import MAX_SEATS_PER_BOOKING
from core.money import from_minor_units
from core.serializers import (
    MAX_ID,
    BoundedListField,
    StrictPrimaryKeyRelatedField,
    UTCDateTimeField,
    money,
    utc_timestamp,
)
from movies.models import MAX_ROWS, MAX_SEATS_PER_ROW
from movies.seating import PRICED_CATEGORIES, seat_label, seat_number_from_label
from movies.serializers import MovieSummarySerializer, ScreenSummarySerializer, TicketTypeCodesField

DIGITS = re.compile(r"^[0-9]{1,6}$")
PAYMENT_STATUSES = ["pending", "paid", "failed", "refunding", "refunded", "partially_refunded"]


class SeatField(serializers.Field):
    """A seat of the show in the context: an integer, a string of digits, or a label such as "C7"."""

    default_error_messages = {
        "invalid": "A seat is a number such as 5 or a label such as \"C7\".",
        "no_such_seat": "There is no seat {seat} in this show (seats are numbered 1 to {last}; gaps of the "
                        "seating layout are no seats).",
    }

    def to_internal_value(self, data):
        screen = self.context["screen"]
        if isinstance(data, bool) or not isinstance(data, int | str) or (isinstance(data, str) and len(data) > 8):
            self.fail("invalid")
        if isinstance(data, int):
            number = data
        elif DIGITS.match(data.strip()):
            number = int(data.strip())
        else:
            number = seat_number_from_label(data, screen.rows, screen.seats_per_row)
            if number is None:
                self.fail("no_such_seat", seat=data.strip(), last=screen.grid_size)
        if screen.category_of(number) is None:
            self.fail("no_such_seat", seat=data.strip() if isinstance(data, str) else number, last=screen.grid_size)
        return number

    def to_representation(self, value):
        return value


class TicketRequestSerializer(serializers.Serializer):
    seat = SeatField(help_text='A seat: 5, "5" or "C7"')
    type = serializers.SlugField(max_length=32, required=False, help_text="A ticket type's code; left out: the "
                                                                          "default type")


SEAT_FORMS = ("seat_number", "seat_numbers", "tickets", "count")


class BookingRequestSerializer(serializers.Serializer):
    """Exactly one of `seat_number`, `seat_numbers`, `tickets` or `count` (seats chosen for the buyer, with
    `category` and `types`), and a `voucher` if the buyer has one. Needs `show` and its `screen` in its context.

    Valid, it is `{"seat_numbers", "ticket_types": {seat number: type code}, "voucher": code or None}`, for the
    service: the seats given without a type are of the default type; or, for `count`, `{"count", "category",
    "ticket_types": [code or None, one per seat from left to right], "voucher"}`.
    """

    seat_number = SeatField(required=False, help_text="One seat: 5, \"5\" or \"A5\"")
    seat_numbers = BoundedListField(
        child=SeatField(), required=False, allow_empty=False, max_length=MAX_SEATS_PER_BOOKING,
        help_text=f"1 to {MAX_SEATS_PER_BOOKING} distinct seats, numbers or labels",
    )
    tickets = BoundedListField(
        child=TicketRequestSerializer(), required=False, allow_empty=False, max_length=MAX_SEATS_PER_BOOKING,
        help_text=f"1 to {MAX_SEATS_PER_BOOKING} distinct seats, each with its ticket type",
    )
    count = serializers.IntegerField(required=False, min_value=1, max_value=MAX_SEATS_PER_BOOKING,
                                     help_text="How many seats side by side the server chooses, the best left")
    category = serializers.ChoiceField(choices=PRICED_CATEGORIES, required=False,
                                       help_text="With count: the seats' category; left out: standard")
    types = BoundedListField(child=serializers.SlugField(max_length=32), required=False, allow_empty=False,
                             max_length=MAX_SEATS_PER_BOOKING,
                             help_text="With count: count ticket type codes, for the chosen seats from left to right")
    voucher = serializers.RegexField(VOUCHER_CODE_PATTERN, max_length=64, required=False, error_messages={
        "invalid": "A voucher code is 4 to 64 characters of A-Z, a-z, 0-9, _ and -."})

    def validate(self, attrs):
        forms = [name for name in SEAT_FORMS if name in attrs]
        if len(forms) != 1:
            raise serializers.ValidationError("Send exactly one of seat_number, seat_numbers, tickets or count.")
        if forms[0] == "count":
            return self._best_available(attrs)
        stray = [name for name in ("category", "types") if name in attrs]
        if stray:
            raise serializers.ValidationError({stray[0]: ["Only with count."]})
        if "tickets" in attrs:
            seats = [ticket["seat"] for ticket in attrs["tickets"]]
        else:
            seats = attrs.get("seat_numbers") or [attrs["seat_number"]]
        if len(set(seats)) != len(seats):
            raise serializers.ValidationError({forms[0]: ["Each seat may appear only once."]})
        types = {ticket["seat"]: ticket["type"] for ticket in attrs.get("tickets", []) if "type" in ticket}
        return {"seat_numbers": seats, "ticket_types": types, "voucher": attrs.get("voucher")}

    def _best_available(self, attrs):
        count, types = attrs["count"], attrs.get("types")
        if types is not None and len(types) != count:
            raise serializers.ValidationError({"types": [f"Give {count} ticket type codes, one per seat."]})
        return {"count": count, "category": attrs.get("category", "standard"),
                "ticket_types": types or [None] * count, "voucher": attrs.get("voucher")}


def plain_seat_numbers(data):
    """The seat numbers of the commonest bodies, `{"seat_number": 5}` and `{"seat_numbers": [5, 6]}`, when they are
    distinct whole numbers that some screen could have; None for any other body. Known before the show is read,
    so that the show's read also reads those seats (movies.selectors.show_to_book)."""
    if not isinstance(data, dict) or len(data) != 1:
        return None
    ((form, value),) = data.items()
    if form == "seat_number":
        seats = [value]
    elif form == "seat_numbers" and isinstance(value, list) and 1 <= len(value) <= MAX_SEATS_PER_BOOKING:
        seats = value
    else:
        return None
    if not all(type(seat) is int and 1 <= seat <= MAX_ROWS * MAX_SEATS_PER_ROW for seat in seats) or (
            len(set(seats)) != len(seats)):
        return None
    return list(seats)


def plain_seat_request(seats, screen):
    """What BookingRequestSerializer makes of a body whose plain_seat_numbers are `seats`, seats of `screen`,
    without its machinery: in a sale every request sends one, and building the serializer's fields cost more than
    the rest of a refused booking. None for any other body (`seats` None), which the serializer validates, errors
    included."""
    if seats is None or not all(screen.category_of(seat) is not None for seat in seats):
        return None
    return {"seat_numbers": seats, "ticket_types": {}, "voucher": None}


class BookedShowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    movie = MovieSummarySerializer()
    screen = ScreenSummarySerializer()
    starts_at = UTCDateTimeField()


class BookedSeatSerializer(serializers.Serializer):
    """Documents one entry of `seats`; BookingSerializer builds them with the screen it already has."""

    number = serializers.IntegerField()
    label = serializers.CharField()
    category = serializers.ChoiceField(choices=PRICED_CATEGORIES)
    ticket_type = serializers.SlugField(help_text="The code of the ticket type it was sold as")
    price = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="What this seat was sold at, after "
                                                                               "its ticket type and the voucher")
    ticket_code = serializers.CharField(allow_null=True, help_text="What the door scans (the QR code encodes it); "
                                                                   "null unless the booking is CONFIRMED")


class PaymentSerializer(serializers.Serializer):
    """Documents a booking's `payment`; `payment_body` builds it."""

    provider = serializers.ChoiceField(choices=Payment.Provider.values)
    status = serializers.ChoiceField(
        choices=PAYMENT_STATUSES,
        help_text="pending: started, no money yet; paid; failed: the last try was declined (pay again while the "
                  "hold lives); refunding: a refund is on its way; refunded: all of amount went back; "
                  "partially_refunded")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    amount_refunded = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField(help_text="ISO 4217")


def payment_body(booking):
    """The booking's payment as the API shows it: the one that was paid, else the latest try; None without one
    (and always with PAYMENT_PROVIDER=none)."""
    if settings.PAYMENT_PROVIDER == "none":
        return None
    payments = sorted(booking.payments.all(), key=lambda payment: payment.pk)
    if not payments:
        return None
    paid = [payment for payment in payments if payment.status == Payment.Status.PAID]
    payment = paid[0] if paid else payments[-1]
    refunds = [refund for refund in payment.refunds.all() if refund.status != Refund.Status.FAILED]
    refunded = sum(refund.amount_cents for refund in refunds if refund.status == Refund.Status.SUCCEEDED)
    if payment.status == Payment.Status.PAID:
        if any(refund.status != Refund.Status.SUCCEEDED for refund in refunds):
            status = "refunding"
        elif refunded >= payment.amount_cents:
            status = "refunded"
        else:
            status = "partially_refunded" if refunded else "paid"
    else:
        status = "pending" if payment.status == Payment.Status.PENDING else "failed"
    return {"provider": payment.provider, "status": status, "amount": money(payment.amount),
            "amount_refunded": money(from_minor_units(refunded)), "currency": payment.currency}


class BookingSerializer(serializers.ModelSerializer):
    """A booking as read. Expects bookings from `selectors.bookings_with_details()`, and the request in its
    context (ticket codes are shown to the booking's owner only)."""

    show = BookedShowSerializer()
    seats = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    created_at = UTCDateTimeField()
    expires_at = UTCDateTimeField(allow_null=True, help_text="When a hold ends unless confirmed; null if never a hold")
    cancelled_at = UTCDateTimeField(allow_null=True)
    voucher = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField(help_text="ISO 4217: the currency of every amount")
    payment = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = ["id", "show", "seats", "status", "total_price", "voucher", "currency", "created_at", "expires_at",
                  "cancelled_at", "payment"]
        read_only_fields = fields

    @swagger_serializer_method(serializer_or_field=serializers.CharField(
        allow_null=True, help_text="The voucher's code, as staff wrote it; null without one"))
    def get_voucher(self, booking):
        return booking.voucher and booking.voucher.code

    def get_currency(self, booking) -> str:
        return settings.CURRENCY

    @swagger_serializer_method(serializer_or_field=PaymentSerializer(allow_null=True, help_text=(
        "What was paid: null with PAYMENT_PROVIDER=none, and until a payment is started")))
    def get_payment(self, booking):
        return payment_body(booking)

    @swagger_serializer_method(serializer_or_field=serializers.ChoiceField(
        choices=Booking.Status.values, help_text="A hold past its expires_at reads EXPIRED"))
    def get_status(self, booking):
        return booking.current_status

    @swagger_serializer_method(serializer_or_field=BookedSeatSerializer(many=True))
    def get_seats(self, booking):
        return self._seats(booking, booking.current_status)

    def _seats(self, booking, status):
        seats_per_row = booking.show.screen.seats_per_row
        # Codes open the door: only the owner of a confirmed booking sees them (staff who read it do not).
        reader = self.context["request"].user
        show_codes = status == Booking.Status.CONFIRMED and reader.pk == booking.user_id
        return [{"number": ticket.seat_number, "label": seat_label(ticket.seat_number, seats_per_row),
                 "category": ticket.category, "ticket_type": ticket.ticket_type.code, "price": money(ticket.price),
                 "ticket_code": ticket.code if show_codes else None}
                for ticket in booking.tickets.all()]

    def to_representation(self, booking):
        """The declared fields' output, written out: every booking answer runs this, and the fields' generic
        machinery costs several times the dict (the tests hold the two to the same output)."""
        show, status = booking.show, booking.current_status
        return {
            "id": booking.pk,
            "show": {"id": show.pk, "movie": {"id": show.movie.pk, "title": show.movie.title},
                     "screen": {"id": show.screen.pk, "name": show.screen.name},
                     "starts_at": utc_timestamp(show.starts_at)},
            "seats": self._seats(booking, status),
            "status": status,
            "total_price": money(booking.total_price),
            "voucher": self.get_voucher(booking),
            "currency": settings.CURRENCY,
            "created_at": utc_timestamp(booking.created_at),
            "expires_at": utc_timestamp(booking.expires_at),
            "cancelled_at": utc_timestamp(booking.cancelled_at),
            "payment": payment_body(booking),
        }


class MyBookingsQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Booking.Status.values, required=False)
    upcoming = serializers.BooleanField(required=False, allow_null=True, default=None,
                                        help_text="true: shows not yet started; false: shows already started")


class CheckInRequestSerializer(serializers.Serializer):
    ticket_code = serializers.CharField(max_length=64, help_text="The code the ticket's QR code encodes")
    show = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                    help_text="The show at this door: a ticket of another show is refused")


class CheckedInSeatSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    label = serializers.CharField()
    category = serializers.ChoiceField(choices=PRICED_CATEGORIES)


class CheckInSerializer(serializers.Serializer):
    """A ticket let in at the door. Expects a ticket from `checkin.check_in_ticket`."""

    ticket_code = serializers.CharField(source="code")
    booking = serializers.IntegerField(source="booking_id")
    show = BookedShowSerializer()
    seat = serializers.SerializerMethodField()
    ticket_type = serializers.SlugField(source="ticket_type.code", help_text="The code of the type it was sold as")
    check_at_door = serializers.CharField(source="ticket_type.check_at_door",
                                          help_text='What to check before letting it in, e.g. "Student card"; '
                                                    '"" for nothing')
    checked_in_at = UTCDateTimeField()

    @swagger_serializer_method(serializer_or_field=CheckedInSeatSerializer)
    def get_seat(self, ticket):
        return {"number": ticket.seat_number, "label": seat_label(ticket.seat_number, ticket.show.screen.seats_per_row),
                "category": ticket.category}


class VoucherSerializer(serializers.ModelSerializer):
    """A voucher as staff write and read it. Expects vouchers from `selectors.vouchers_with_uses()`."""

    serializer_related_field = StrictPrimaryKeyRelatedField

    code = serializers.RegexField(VOUCHER_CODE_PATTERN, max_length=64, help_text=(
        "4-64 characters of A-Z, a-z, 0-9, _ and -; unique ignoring case; buyers may type it in any case"))
    valid_from = UTCDateTimeField(required=False, allow_null=True, help_text="Null: valid from now on")
    valid_until = UTCDateTimeField(required=False, allow_null=True, help_text="Null: no end")
    ticket_types = TicketTypeCodesField(required=False, help_text="The codes of the ticket types it takes off; "
                                                                  "empty: every type")
    uses = serializers.IntegerField(read_only=True, help_text="Live bookings that use it: CONFIRMED, or HELD with "
                                                              "the hold alive")

    class Meta:
        model = Voucher
        fields = ["id", "code", "discount_percent", "discount_amount", "max_uses", "uses", "valid_from",
                  "valid_until", "movie", "ticket_types", "active"]
        extra_kwargs = {
            "discount_percent": {"min_value": 0, "max_value": 100},
            "discount_amount": {"min_value": 0},
            "max_uses": {"min_value": 1, "max_value": 2**31 - 1},
        }

    def validate_code(self, code):
        others = Voucher.objects.filter(code__iexact=code)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError("A voucher with that code already exists.")
        return code

    def validate(self, attrs):
        def current(field):
            return attrs[field] if field in attrs else getattr(self.instance, field, None)

        if (current("discount_percent") is None) == (current("discount_amount") is None):
            raise serializers.ValidationError(
                {"discount_percent": ["Send exactly one of discount_percent or discount_amount."]})
        valid_from, valid_until = current("valid_from"), current("valid_until")
        if valid_from is not None and valid_until is not None and valid_until <= valid_from:
            raise serializers.ValidationError({"valid_until": ["valid_until must be after valid_from."]})
        return attrs


class PayAnswerSerializer(serializers.Serializer):
    """What a Stripe client (Stripe.js, the iOS and Android SDKs) needs to take the payment."""

    provider = serializers.ChoiceField(choices=["stripe"])
    payment_intent = serializers.CharField(help_text="The PaymentIntent's id (pi_...)")
    client_secret = serializers.CharField(help_text="Give it to Stripe.js confirmCardPayment / the mobile SDKs")
    publishable_key = serializers.CharField(help_text="The Stripe publishable key (pk_...) to initialise Stripe.js")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="The booking's total_price")
    currency = serializers.CharField(help_text="ISO 4217")


class RefundRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False,
                                      help_text="Up to what remains paid; left out: all of it")


class WebhookAnswerSerializer(serializers.Serializer):
    received = serializers.BooleanField()
