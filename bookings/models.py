"""Bookings: one user's purchase (or hold) of one or more seats of one show; each seat is a ticket."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from movies.models import Movie, Show, TicketType, default_ticket_type
from movies.seating import PRICED_CATEGORIES

VOUCHER_CODE_PATTERN = r"^[A-Za-z0-9_-]{4,64}$"


class Voucher(models.Model):
    """A discount code. Its uses are counted, not kept: the live bookings that name it (CONFIRMED, or HELD with
    the hold alive), so a hold's expiry gives its use back with nothing run, as it frees the seats."""

    code = models.CharField(max_length=64, validators=[RegexValidator(VOUCHER_CODE_PATTERN)],
                            help_text="4-64 characters of A-Z, a-z, 0-9, _ and -; unique ignoring case")
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(0), MaxValueValidator(100)])
    discount_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                          validators=[MinValueValidator(0)])
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Live bookings at most; empty: no limit")
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, null=True, blank=True, related_name="vouchers",
                              help_text="Empty: any movie")
    ticket_types = models.ManyToManyField(TicketType, blank=True, related_name="vouchers",
                                          help_text="The ticket types it takes off; empty: any")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="bookings_voucher_code_ci_unique",
                                    violation_error_message="A voucher with that code already exists."),
            models.CheckConstraint(condition=Q(discount_percent__isnull=True) ^ Q(discount_amount__isnull=True),
                                   name="bookings_voucher_one_discount"),
            models.CheckConstraint(condition=Q(discount_percent__gte=0, discount_percent__lte=100)
                                   | Q(discount_percent__isnull=True), name="bookings_voucher_percent_in_range"),
            models.CheckConstraint(condition=Q(discount_amount__gte=0) | Q(discount_amount__isnull=True),
                                   name="bookings_voucher_amount_not_negative"),
        ]

    def __str__(self):
        return self.code


class Booking(models.Model):
    class Status(models.TextChoices):
        HELD = "HELD", "Held"
        CONFIRMED = "CONFIRMED", "Confirmed"
        CANCELLED = "CANCELLED", "Cancelled"
        EXPIRED = "EXPIRED", "Expired"

    # Bookings are history: users and shows that have them are not deleted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    show = models.ForeignKey(Show, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    total_price = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)
    # When it was last confirmed (kept once cancelled): its day of sale in the reports. A hold is confirmed later.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When a hold dies unless confirmed; kept once confirmed, cancelled or expired (null: never a hold).
    expires_at = models.DateTimeField(null=True, blank=True)
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("refund_booking", "Can refund a booking's payment"),
            ("sell_at_box_office", "Can sell priced seats without an online payment, past the buyer limit"),
            ("view_sales", "Can view the sales reports (API and the admin's Sales page)"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # A buyer's seats of a show, counted under the show's lock by every booking (services._live_seats_of).
            models.Index(fields=["user", "show"], name="bookings_booking_buyer_show"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["HELD", "CONFIRMED", "CANCELLED", "EXPIRED"]),
                name="bookings_booking_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="CANCELLED", cancelled_at__isnull=False)
                | (~Q(status="CANCELLED") & Q(cancelled_at__isnull=True)),
                name="bookings_booking_cancelled_at_iff_cancelled",
            ),
            models.CheckConstraint(
                condition=~Q(status="CONFIRMED") | Q(confirmed_at__isnull=False),
                name="bookings_booking_confirmed_has_confirmed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["HELD", "EXPIRED"]) | Q(expires_at__isnull=False),
                name="bookings_booking_hold_has_expiry",
            ),
            models.CheckConstraint(condition=Q(total_price__gte=0), name="bookings_booking_total_price_not_negative"),
        ]

    def __str__(self):
        return f"Booking {self.pk} ({self.status}) by {self.user} for {self.show}"

    def status_at(self, now):
        """The status as clients see it: a hold past its `expires_at` is EXPIRED, whether or not it was released."""
        if self.status == self.Status.HELD and self.expires_at <= now:
            return self.Status.EXPIRED
        return self.status

    @property
    def current_status(self):
        return self.status_at(timezone.now())


class Ticket(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="tickets")
    # Denormalised from the booking so the database constraint below can see it.
    show = models.ForeignKey(Show, on_delete=models.PROTECT, related_name="tickets")
    seat_number = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)
    # The hold's deadline, denormalised so availability reads stay on this table; null once sold.
    held_until = models.DateTimeField(null=True, blank=True)
    # What the seat was sold as, and for how much: later layout or price changes never rewrite history.
    category = models.CharField(max_length=10, choices=[(name, name.title()) for name in PRICED_CATEGORIES],
                                default="standard")
    price = models.DecimalField(max_digits=8, decimal_places=2)
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, default=default_ticket_type,
                                    related_name="tickets")
    # What the door scans: drawn from `secrets` when the booking is confirmed (never derived from ids).
    code = models.CharField(max_length=64, null=True, blank=True, unique=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seat_number"]
        permissions = [("check_in_ticket", "Can check in tickets at the door")]
        indexes = [
            # When the next live hold expires bounds how long a cached seat map or show list may be kept.
            models.Index(fields=["held_until"], condition=Q(held_until__isnull=False),
                         name="bookings_ticket_held_until"),
        ]
        constraints = [
            # The last line of defence: the database itself refuses a second live ticket for a seat.
            models.UniqueConstraint(
                fields=["show", "seat_number"], condition=Q(is_active=True), name="bookings_one_live_ticket_per_seat"
            ),
            models.CheckConstraint(condition=Q(seat_number__gte=1), name="bookings_ticket_seat_number_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="bookings_ticket_price_not_negative"),
            models.CheckConstraint(condition=Q(category__in=PRICED_CATEGORIES), name="bookings_ticket_category_valid"),
        ]

    def __str__(self):
        return f"Seat {self.seat_number} of {self.show}"


class IdempotencyKey(models.Model):
    """The first finished answer to a booking request sent with an `Idempotency-Key` header.

    A retry with the same key gets this answer again instead of booking twice. Kept for
    IDEMPOTENCY_KEY_TTL; rows are written in the same transaction as the booking they answer.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    # The answer's JSON as text: a JSON column (PostgreSQL's jsonb) would reorder the keys.
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="bookings_idempotency_key_unique_per_user"),
        ]

    def __str__(self):
        return f"Idempotency key {self.key!r} of {self.user}"


class SentMail(models.Model):
    """A booking mail sent (or being sent) to an address: what MAIL_PER_ADDRESS_PER_HOUR is counted on.

    Written before the mail goes out and removed when the mail server refuses it, so a mail retried later is
    counted once; rows older than an hour are pruned as new ones are written.
    """

    address = models.EmailField(max_length=254)
    kind = models.CharField(max_length=100)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address", "sent_at"])]

    def __str__(self):
        return f"{self.kind} to {self.address}"


# Payments live in their own module of this app (bookings.payments); importing them here registers them.
from bookings.payments.models import Payment, ProviderEvent, Refund  # noqa: E402, F401
