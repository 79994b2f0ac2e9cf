"""What was paid for a booking, and what went back: one Payment per payment attempt (a Stripe PaymentIntent, or
a sale at the box office), one Refund per refund, and the provider events already acted on."""
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from bookings.payments.exceptions import DuplicateEvent
from core.money import from_minor_units


class Payment(models.Model):
    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        BOX_OFFICE = "box_office", "Box office"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # started, no money yet
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"  # the last try was declined
        CANCELED = "canceled", "Canceled"  # the provider will never take money for it

    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    # The provider's id (a PaymentIntent's `pi_...`); set once the provider has made it, null at the box office.
    provider_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One payable attempt per booking at a time: a second pay request answers the first one's.
            models.UniqueConstraint(fields=["booking"], condition=Q(status="pending"),
                                    name="bookings_payment_one_pending_per_booking"),
            models.CheckConstraint(condition=Q(status__in=["pending", "paid", "failed", "canceled"]),
                                   name="bookings_payment_status_valid"),
            models.CheckConstraint(condition=Q(status="paid", paid_at__isnull=False) | ~Q(status="paid"),
                                   name="bookings_payment_paid_has_paid_at"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.get_provider_display()} payment {self.provider_id or self.pk} of {self.amount} {self.currency}"

    @property
    def amount(self):
        return from_minor_units(self.amount_cents)


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # written, not yet taken by the provider (the outbox)
        SENT = "sent", "Sent"  # the provider took it and has not settled it yet
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Reason(models.TextChoices):
        CANCELLATION = "cancellation", "The buyer cancelled"
        LATE_PAYMENT = "late_payment", "Paid after the hold's seats were gone"
        GOODWILL = "goodwill", "Refunded by staff"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.PositiveIntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The provider's id (`re_...`) once it took the refund.
    provider_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set by the one sender that has the refund in hand (bookings.payments.refunds.send), until it has the
    # provider's answer or the send's longest time is over: another sender leaves the refund alone meanwhile.
    sending_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="bookings_refund_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "succeeded", "failed"]),
                                   name="bookings_refund_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"Refund {self.pk} of {self.amount} ({self.status})"

    @property
    def amount(self):
        return from_minor_units(self.amount_cents)

    @property
    def idempotency_key(self):
        """What the provider is sent with this refund, so that a retry never refunds twice."""
        return f"refund-{self.pk}"


class ProviderEvent(models.Model):
    """A webhook event already acted on, by the provider's event id: a second delivery of it changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.type} {self.event_id}"

    @classmethod
    def record(cls, event_id, event_type):
        """Within the transaction that acts on the event: note it as acted on; a second delivery of it (even one
        racing this one) raises DuplicateEvent, which rolls back what it would have changed."""
        try:
            with transaction.atomic():
                cls.objects.create(event_id=event_id, type=event_type)
        except IntegrityError:
            raise DuplicateEvent() from None
