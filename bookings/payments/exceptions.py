"""Payment rules that refuse valid input, and a payment provider that does not answer."""
from core.exceptions import DomainError


class PaymentsDisabled(DomainError):
    status_code = 409
    code = "payments_disabled"
    message = ("This box office takes no online payments (PAYMENT_PROVIDER=none): confirm the hold and pay at "
               "the counter.")


class PaymentRequired(DomainError):
    status_code = 402
    code = "payment_required"
    message = "These seats must be paid for: hold them, pay the hold (POST /api/bookings/{id}/pay/), then confirm it."


class AlreadyPaid(DomainError):
    status_code = 409
    code = "already_paid"
    message = "This booking is already paid for."


class NothingToPay(DomainError):
    status_code = 409
    code = "nothing_to_pay"
    message = "This booking costs nothing: confirm it."


class PaymentIncomplete(DomainError):
    status_code = 409
    code = "payment_incomplete"
    message = "The payment has not gone through yet: pay first, or retry once the payment sheet has closed."


class CancellationClosed(DomainError):
    code = "cancellation_closed"
    message = "Cancelling closes {minutes} minutes before the show; it is too late to cancel this booking."


class RefundExceedsPayment(DomainError):
    code = "refund_exceeds_payment"
    message = "That is more than remains paid on this booking."


class BadSignature(DomainError):
    code = "bad_signature"
    message = "The Stripe-Signature header is missing, wrong or too old for this payload."


class PaymentProviderUnavailable(DomainError):
    status_code = 503
    code = "unavailable"
    message = "The payment provider is unavailable. Please retry shortly."
    retry_after = 5


class DuplicateEvent(Exception):
    """A provider event that was acted on already: the transaction that met it again changes nothing."""


class RefundRefused(Exception):
    """The provider refused a refund for good (not a matter of retrying)."""
