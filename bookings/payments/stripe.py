"""Stripe, through its official library: create, read and cancel PaymentIntents, refund them, verify webhooks.

Every call is made outside any database lock; answers are plain dicts. Stripe that does not answer (or answers a
server error, or refuses our keys) becomes PaymentProviderUnavailable, a 503 the client may retry; nothing here
writes to the database.
"""
import logging

import stripe
from django.conf import settings

from bookings.payments.exceptions import BadSignature, PaymentProviderUnavailable, RefundRefused

logger = logging.getLogger(__name__)

# What a PaymentIntent's status says about the money (Stripe's PaymentIntent lifecycle).
PAYABLE = {"requires_payment_method", "requires_confirmation", "requires_action", "processing"}
SUCCEEDED = "succeeded"
CANCELED = "canceled"
# Errors that say "try again later", not "this request is wrong".
TRANSIENT_ERRORS = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def client():
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=settings.STRIPE_NETWORK_RETRIES,
        http_client=stripe.new_default_http_client(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def _call(operation, *args, **kwargs):
    """The object Stripe answers, as a plain dict."""
    try:
        return operation(*args, **kwargs).to_dict()
    except TRANSIENT_ERRORS as error:
        logger.warning("Stripe did not answer %s: %s", getattr(operation, "__qualname__", operation), error)
        raise PaymentProviderUnavailable() from error
    except (stripe.AuthenticationError, stripe.PermissionError) as error:
        # The keys are wrong: nothing a client can do; the operator must, and meanwhile nothing is charged.
        logger.error("Stripe refused our keys for %s: %s", getattr(operation, "__qualname__", operation), error)
        raise PaymentProviderUnavailable() from error


def _found(retrieve, object_id):
    """The object, or None when Stripe has no such object (an event naming something that never existed)."""
    try:
        return _call(retrieve, object_id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return None
        raise


def create_intent(*, amount_cents, currency, booking_id, payment_id):
    """A PaymentIntent for a card payment of `amount_cents`; the payment's id makes a retry of the same create
    (after a timeout, say) answer the same PaymentIntent instead of a second one."""
    return _call(client().v1.payment_intents.create, params={
        "amount": amount_cents,
        "currency": currency.lower(),
        "payment_method_types": ["card"],
        "metadata": {"booking": str(booking_id), "payment": str(payment_id)},
    }, options={"idempotency_key": f"payment-{payment_id}"})


def retrieve_intent(intent_id):
    """The PaymentIntent, or None when Stripe has none of that id."""
    return _found(client().v1.payment_intents.retrieve, intent_id)


def cancel_intent(intent_id):
    """Cancel a PaymentIntent that has not taken money; returns it as Stripe then has it (possibly succeeded: a
    payment that won the race against the cancel)."""
    try:
        return _call(client().v1.payment_intents.cancel, intent_id)
    except stripe.InvalidRequestError:  # it can no longer be cancelled: read what it became
        return retrieve_intent(intent_id)


def create_refund(*, intent_id, amount_cents, idempotency_key, refund_id):
    """Refund `amount_cents` of a PaymentIntent; Stripe answers a retry with the same key with the same refund.
    Raises RefundRefused when Stripe refuses it (more than remains, a charge that is gone)."""
    try:
        return _call(client().v1.refunds.create, params={
            "payment_intent": intent_id, "amount": amount_cents, "metadata": {"refund": str(refund_id)},
        }, options={"idempotency_key": idempotency_key})
    except (stripe.InvalidRequestError, stripe.IdempotencyError) as error:
        raise RefundRefused(str(error)) from error


def retrieve_refund(refund_id):
    """The refund, or None when Stripe has none of that id."""
    return _found(client().v1.refunds.retrieve, refund_id)


def amount_received(intent):
    """The cents a succeeded PaymentIntent took (`amount_received`, or its `amount` where a server leaves that
    out), in its currency."""
    return intent.get("amount_received") or intent["amount"], intent["currency"].upper()


def verified_event(payload, signature):
    """The event of a webhook request, once its `Stripe-Signature` is Stripe's for this payload (5 minutes'
    tolerance); raises BadSignature otherwise."""
    if not signature:
        raise BadSignature()
    try:
        return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET,
                                              tolerance=300).to_dict()
    except (stripe.SignatureVerificationError, ValueError):
        raise BadSignature() from None
