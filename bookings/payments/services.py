"""Paying for bookings: pay a hold, confirm it once paid, the provider's webhook, and reconciling what the
provider knows with what we recorded.

The provider is asked first, outside any lock; what it says is then applied under the show's lock by
`bookings.services.settle_payment`, the one function that turns money into tickets (or, when the seats are gone,
into a refund), whichever of confirm, the webhook and reconcile gets there first. Nothing here trusts a client
or an event's body about money: amounts are computed here, and every event is checked by reading the object
back from the provider.
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import services
from bookings.exceptions import BookingCancelled, HoldExpired, ShowStarted
from bookings.models import Booking
from bookings.payments import refunds, stripe
from bookings.payments.exceptions import (
    AlreadyPaid,
    DuplicateEvent,
    NothingToPay,
    PaymentProviderUnavailable,
    PaymentsDisabled,
)
from bookings.payments.models import Payment, ProviderEvent, Refund
from core.money import minor_units

logger = logging.getLogger(__name__)


def pay(*, booking):
    """The payment a buyer's app completes for a live hold: the same PaymentIntent while it can still be paid
    (a booking never has two payable ones), a new one after a declined try. Returns (payment, intent).

    Raises PaymentsDisabled, BookingCancelled, AlreadyPaid, HoldExpired, ShowStarted, NothingToPay, or
    PaymentProviderUnavailable.
    """
    if not services.payments_online():
        raise PaymentsDisabled()
    now = timezone.now()
    status = booking.status_at(now)
    if status == Booking.Status.CANCELLED:
        raise BookingCancelled()
    if status == Booking.Status.CONFIRMED or booking.payments.filter(status=Payment.Status.PAID).exists():
        raise AlreadyPaid()
    if status == Booking.Status.EXPIRED:
        raise HoldExpired()
    if booking.show.starts_at <= now:
        raise ShowStarted()
    if booking.total_price == 0:
        raise NothingToPay()
    for _ in range(3):  # an open payment, or one just closed and replaced, or one a racing request opened
        payment = booking.payments.filter(status=Payment.Status.PENDING).first() or _open_payment(booking)
        intent = payment and _payable_intent(payment)
        if intent is not None:
            return payment, intent
    logger.error("No payable PaymentIntent for booking %s after 3 tries", booking.pk)
    raise PaymentProviderUnavailable()


def _open_payment(booking):
    """A new pending payment of the booking's total, or None when another request opened one first."""
    try:
        with transaction.atomic():
            return Payment.objects.create(booking=booking, provider=Payment.Provider.STRIPE,
                                          amount_cents=minor_units(booking.total_price), currency=settings.CURRENCY)
    except IntegrityError:  # bookings_payment_one_pending_per_booking
        return None


def _payable_intent(payment):
    """The PaymentIntent of a pending payment, made at Stripe if it has none yet; None when it can no longer be
    paid (declined, or cancelled: the payment is then closed, and a new one is needed). Raises AlreadyPaid when
    the money has come in meanwhile."""
    if payment.provider_id is None:
        # The payment's id is Stripe's idempotency key: a retry after a timeout answers the same PaymentIntent.
        intent = stripe.create_intent(amount_cents=payment.amount_cents, currency=payment.currency,
                                      booking_id=payment.booking_id, payment_id=payment.pk)
        Payment.objects.filter(pk=payment.pk, provider_id__isnull=True).update(provider_id=intent["id"])
        payment.refresh_from_db()
        if payment.provider_id == intent["id"]:
            return intent
    intent = _intent_of(payment)
    if intent is None:
        return None
    if intent["status"] in stripe.PAYABLE and not intent.get("last_payment_error"):
        return intent
    finalize(payment, intent)
    if intent["status"] == stripe.SUCCEEDED:
        raise AlreadyPaid()
    return None


def confirm(*, booking):
    """Confirm a hold. Online, only once the provider says its payment took exactly its total (a hold that costs
    nothing is confirmed at once): the app may confirm the moment its payment sheet closes. Returns the booking.

    Raises PaymentIncomplete before the money is in, and what `bookings.services.confirm_booking` raises; a
    payment that came in after the hold's seats were gone is refunded, and the answer is why (HoldExpired,
    BookingCancelled).
    """
    if services.payments_online() and booking.total_price > 0:
        pending = booking.payments.filter(status=Payment.Status.PENDING, provider_id__isnull=False).first()
        intent = pending and _intent_of(pending)
        if intent is not None:
            booking = finalize(pending, intent) or booking
    return services.confirm_booking(booking=booking)


def finalize(payment, intent, event=None):
    """Apply what the provider says of `payment` (its PaymentIntent, read from the provider): money taken for
    exactly the payment's amount settles it (bookings.services.settle_payment); a declined or cancelled one
    closes it. `event` ((id, type) of the webhook event that led here) is recorded with the change. Returns the
    booking when the payment settled, else None. Raises DuplicateEvent for an event acted on already."""
    if intent["status"] == stripe.SUCCEEDED:
        if stripe.amount_received(intent) != (payment.amount_cents, payment.currency):
            logger.error("PaymentIntent %s took %s, not the %s %s of payment %s: not applied", intent["id"],
                         stripe.amount_received(intent), payment.amount_cents, payment.currency, payment.pk)
            return None
        return services.settle_payment(payment=payment, event=event)
    closed = None
    if intent["status"] == stripe.CANCELED:
        closed = Payment.Status.CANCELED
    elif intent.get("last_payment_error"):
        # Declined: close it at Stripe too, so that the next try is a new PaymentIntent and this one never pays.
        intent = stripe.cancel_intent(intent["id"])
        if intent["status"] == stripe.SUCCEEDED:  # the buyer's second card got there first
            return finalize(payment, intent, event)
        closed = Payment.Status.FAILED
    with transaction.atomic():
        if event is not None:
            ProviderEvent.record(*event)
        if closed is not None:
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(status=closed)
    return None


def handle_webhook(*, payload, signature):
    """Act on a signed webhook event from Stripe, at most once per event id. The event only says which object
    changed: the PaymentIntent or refund is read back from Stripe, so events in any order, or an event for a
    payment that never happened, cannot confirm anything. Raises BadSignature, PaymentsDisabled, or
    PaymentProviderUnavailable (Stripe delivers again)."""
    if not services.payments_online():
        raise PaymentsDisabled()
    event = stripe.verified_event(payload, signature)
    if ProviderEvent.objects.filter(event_id=event["id"]).exists():
        return
    changed = event["data"]["object"]
    try:
        if event["type"].startswith("payment_intent."):
            intent = stripe.retrieve_intent(changed["id"])
            payment = intent and _payment_of(intent)
            if payment is not None:
                finalize(payment, intent, event=(event["id"], event["type"]))
        elif event["type"].startswith(("refund.", "charge.refund.")):
            provider_refund = stripe.retrieve_refund(changed["id"])
            if provider_refund is None:
                return
            with transaction.atomic():
                ProviderEvent.record(event["id"], event["type"])
                refunds.settle_from_provider(provider_refund)
    except DuplicateEvent:
        logger.info("Stripe event %s delivered again: nothing to do", event["id"])


def _intent_of(payment):
    """The PaymentIntent of a payment we recorded, read from Stripe; None (and the payment closed) when Stripe has
    no such PaymentIntent, so it can never take money."""
    intent = stripe.retrieve_intent(payment.provider_id)
    if intent is None:
        logger.error("Stripe has no PaymentIntent %s (payment %s): closed", payment.provider_id, payment.pk)
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(status=Payment.Status.CANCELED)
    return intent


def _payment_of(intent):
    """Our payment of a PaymentIntent: by its id, or by the payment id we put in its metadata when our record of
    the id was lost (the request that made it failed before recording it). None: not ours."""
    payment = Payment.objects.filter(provider_id=intent["id"]).select_related("booking").first()
    if payment is not None:
        return payment
    payment_id = (intent.get("metadata") or {}).get("payment", "")
    if payment_id.isdigit() and Payment.objects.filter(pk=int(payment_id), provider_id__isnull=True).update(
            provider_id=intent["id"]):
        return Payment.objects.select_related("booking").get(pk=int(payment_id))
    logger.warning("PaymentIntent %s is none of ours", intent["id"])
    return None


def reconcile(*, older_than=None):
    """Ask Stripe about every payment still pending after `older_than` (RECONCILE_AFTER_MINUTES) and apply its
    answer, send the refunds it has not taken yet, and settle those it has not settled. A lost webhook, or a
    Stripe outage while refunding, loses nothing. Returns counts of what it did."""
    if older_than is None:
        older_than = timedelta(minutes=settings.RECONCILE_AFTER_MINUTES)
    cutoff = timezone.now() - older_than
    done = {"payments_checked": 0, "payments_settled": 0, "refunds_sent": 0, "refunds_settled": 0, "unreachable": 0}
    pending = Payment.objects.filter(provider=Payment.Provider.STRIPE, status=Payment.Status.PENDING,
                                     created_at__lte=cutoff).select_related("booking")
    for payment in pending:
        done["payments_checked"] += 1
        try:
            if payment.provider_id is None:
                # Its PaymentIntent was never recorded: no buyer ever got it to pay.
                Payment.objects.filter(pk=payment.pk, provider_id__isnull=True, status=Payment.Status.PENDING) \
                    .update(status=Payment.Status.CANCELED)
                continue
            intent = _intent_of(payment)
            if intent is None:
                continue
            if intent["status"] in stripe.PAYABLE and payment.booking.current_status != Booking.Status.HELD:
                refunds.cancel_pending_payment(payment.pk)  # its hold is over: it must never take money now
                continue
            done["payments_settled"] += finalize(payment, intent) is not None
        except PaymentProviderUnavailable:
            done["unreachable"] += 1
    for refund in Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=cutoff):
        try:
            done["refunds_sent"] += refunds.send(refund.pk).status != Refund.Status.PENDING
        except PaymentProviderUnavailable:
            done["unreachable"] += 1
    for refund in Refund.objects.filter(status=Refund.Status.SENT, created_at__lte=cutoff):
        try:
            provider_refund = stripe.retrieve_refund(refund.provider_id)
            if provider_refund is None:
                logger.error("Stripe has no refund %s (our refund %s)", refund.provider_id, refund.pk)
                continue
            done["refunds_settled"] += refunds.settle_from_provider(provider_refund).status == Refund.Status.SUCCEEDED
        except PaymentProviderUnavailable:
            done["unreachable"] += 1
    return done
