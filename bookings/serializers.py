"""Input and output shapes of booking."""
import re
from decimal import Decimal

from django.conf import settings
from drf_yasg.utils import swagger_serializer_method
from rest_framework import serializers

from bookings.models import Booking, Payment, Refund
from bookings.services import MAX_SEATS_PER_BOOKING
from core.money import from_minor_units
from core.serializers import MAX_ID, BoundedListField, UTCDateTimeField, money, utc_timestamp
from movies.seating import PRICED_CATEGORIES, seat_label, seat_number_from_label
from movies.serializers import MovieSummarySerializer, ScreenSummarySerializer

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


class BookingRequestSerializer(serializers.Serializer):
    """Exactly one of `seat_number` or `seat_numbers`. Needs `screen` in its context."""

    seat_number = SeatField(required=False, help_text="One seat: 5, \"5\" or \"A5\"")
    seat_numbers = BoundedListField(
        child=SeatField(), required=False, allow_empty=False, max_length=MAX_SEATS_PER_BOOKING,
        help_text=f"1 to {MAX_SEATS_PER_BOOKING} distinct seats, numbers or labels",
    )

    def validate(self, attrs):
        if ("seat_number" in attrs) == ("seat_numbers" in attrs):
            raise serializers.ValidationError("Send exactly one of seat_number or seat_numbers.")
        seats = attrs.get("seat_numbers") or [attrs["seat_number"]]
        if len(set(seats)) != len(seats):
            raise serializers.ValidationError({"seat_numbers": ["Each seat may appear only once."]})
        return {"seat_numbers": seats}


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
    price = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="What this seat was sold at")
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
    currency = serializers.SerializerMethodField(help_text="ISO 4217: the currency of every amount")
    payment = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = ["id", "show", "seats", "status", "total_price", "currency", "created_at", "expires_at",
                  "cancelled_at", "payment"]
        read_only_fields = fields

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
                 "category": ticket.category, "price": money(ticket.price),
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
    checked_in_at = UTCDateTimeField()

    @swagger_serializer_method(serializer_or_field=CheckedInSeatSerializer)
    def get_seat(self, ticket):
        return {"number": ticket.seat_number, "label": seat_label(ticket.seat_number, ticket.show.screen.seats_per_row),
                "category": ticket.category}


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
