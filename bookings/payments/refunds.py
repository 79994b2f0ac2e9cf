"""Refunds sent to the payment provider, and pending payments cancelled there: what runs after the transaction
that wrote them has committed (bookings.tasks), outside any lock. Each update is conditional on the row's
state, so a second run, or a webhook arriving first, changes nothing."""
import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from bookings.payments import stripe
from bookings.payments.exceptions import PaymentProviderUnavailable, RefundRefused
from bookings.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

# Past the longest a send may take: the sender's own database writes around the provider's answer.
SEND_MARGIN = timedelta(seconds=30)

# A Stripe refund's status, as ours.
REFUND_STATUSES = {"succeeded": Refund.Status.SUCCEEDED, "pending": Refund.Status.SENT,
                   "requires_action": Refund.Status.SENT, "failed": Refund.Status.FAILED,
                   "canceled": Refund.Status.FAILED}


def send(refund_id):
    """Send a pending refund to the provider, unless another sender (the task, reconcile_payments) has it in hand.
    Raises PaymentProviderUnavailable when the provider does not answer (the refund stays pending, to be sent again
    with the same idempotency key)."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING or not _claim(refund):
        return refund
    try:
        sent = stripe.create_refund(intent_id=refund.payment.provider_id, amount_cents=refund.amount_cents,
                                    idempotency_key=refund.idempotency_key, refund_id=refund.pk)
    except PaymentProviderUnavailable:
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(sending_until=None)
        raise
    except RefundRefused as error:
        # Not a matter of time (the charge is gone, or the amount is wrong): staff must look at it.
        logger.error("Stripe refused refund %s of payment %s: %s", refund.pk, refund.payment.provider_id, error)
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED, sending_until=None)
        return refund
    return apply(refund, sent)


def _claim(refund):
    """Take the refund in hand for as long as one send can take; False when another sender has it. The idempotency
    key alone would make a second sender's refund Stripe's replay of the first, but only at a provider that keeps
    keys: one sender at a time asks no provider twice."""
    now = timezone.now()
    longest_send = timedelta(seconds=settings.STRIPE_TIMEOUT_SECONDS * (settings.STRIPE_NETWORK_RETRIES + 1))
    return bool(Refund.objects.filter(Q(sending_until__isnull=True) | Q(sending_until__lte=now),
                                      pk=refund.pk, status=Refund.Status.PENDING)
                .update(sending_until=now + longest_send + SEND_MARGIN, attempts=F("attempts") + 1))


def settle_from_provider(provider_refund):
    """Bring our refund in line with the provider's (a refund object, as read back from the provider)."""
    refund = (Refund.objects.filter(provider_id=provider_refund["id"]).first()
              or Refund.objects.filter(pk=_our_id(provider_refund)).first())
    if refund is None:
        logger.warning("Stripe refund %s is none of ours", provider_refund["id"])
        return None
    return apply(refund, provider_refund)


def apply(refund, provider_refund):
    """Record what the provider says of `refund`: its id, and settled, still on its way, or failed. A settled or
    failed refund is final."""
    status = REFUND_STATUSES.get(provider_refund["status"], Refund.Status.SENT)
    Refund.objects.filter(pk=refund.pk, status__in=[Refund.Status.PENDING, Refund.Status.SENT]).update(
        status=status, provider_id=provider_refund["id"], sending_until=None,
        settled_at=timezone.now() if status == Refund.Status.SUCCEEDED else None,
    )
    refund.refresh_from_db()
    return refund


def cancel_pending_payment(payment_id):
    """Cancel a pending payment at the provider. One that took the money first stays pending here, for the
    webhook or reconcile_payments to settle."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != Payment.Status.PENDING or not payment.provider_id:
        return payment
    intent = stripe.cancel_intent(payment.provider_id)
    if intent["status"] == stripe.CANCELED:
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(status=Payment.Status.CANCELED)
    return payment


def _our_id(provider_refund):
    refund_id = (provider_refund.get("metadata") or {}).get("refund", "")
    return int(refund_id) if refund_id.isdigit() else None
