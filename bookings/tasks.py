"""What runs after a booking's transaction commits: the buyer's mails, refunds sent to the payment provider, and
pending payments cancelled there.

A rolled-back booking sends nothing and a mail server never makes a booking fail or wait. With django-tasks'
database backend (a worker, `manage.py db_worker`) the task's row is written in the booking's own transaction:
the mail is queued if and only if the booking commits, a crash just after the commit cannot lose it, and the
booking takes the database's write lock once, not twice. Any other backend (the immediate one runs the task
as it is queued) is called once the transaction has committed. A mail that meets a server that is down is
queued again with a growing delay instead of being lost; so is a refund that meets a provider that does not
answer (where no worker can defer it, `manage.py reconcile_payments` sends it again).
"""
import logging
import smtplib
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend

from bookings import mail, selectors
from bookings.payments import refunds
from bookings.payments.exceptions import PaymentProviderUnavailable

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
MAX_RETRY_DELAY = timedelta(hours=1)


def queue_confirmation_mail(booking_id):
    _queue(send_confirmation_mail, booking_id)


def queue_cancellation_mail(booking_id):
    _queue(send_cancellation_mail, booking_id)


def queue_refund_mail(booking_id):
    _queue(send_refund_mail, booking_id)


def queue_late_payment_mail(booking_id):
    _queue(send_late_payment_mail, booking_id)


def queue_refund(refund_id):
    _queue(send_refund, refund_id)


def queue_payment_cancel(payment_id):
    _queue(cancel_payment, payment_id)


def _queue(this_task, row_id):
    """Queue `this_task` for a row written by the transaction under way (see the module's docstring)."""
    if isinstance(this_task.get_backend(), DatabaseBackend):
        this_task.enqueue(row_id)
    else:
        transaction.on_commit(partial(this_task.enqueue, row_id), robust=True)


@task()
def send_confirmation_mail(booking_id, attempt=1):
    _send(send_confirmation_mail, mail.confirmation_message, booking_id, attempt)


@task()
def send_cancellation_mail(booking_id, attempt=1):
    _send(send_cancellation_mail, mail.cancellation_message, booking_id, attempt)


@task()
def send_refund_mail(booking_id, attempt=1):
    _send(send_refund_mail, mail.refund_message, booking_id, attempt)


@task()
def send_late_payment_mail(booking_id, attempt=1):
    _send(send_late_payment_mail, mail.late_payment_message, booking_id, attempt)


@task()
def send_refund(refund_id, attempt=1):
    """Send a written refund to the payment provider, with the refund's own idempotency key: a retry of it (or a
    second run of this task) never refunds twice."""
    try:
        refunds.send(refund_id)
    except PaymentProviderUnavailable as error:
        if attempt >= MAX_ATTEMPTS or not send_refund.get_backend().supports_defer:
            logger.error("Refund %s not sent after %d attempt(s): %s; reconcile_payments sends it", refund_id,
                         attempt, error)
            return
        send_refund.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(refund_id, attempt + 1)


@task()
def cancel_payment(payment_id):
    """Cancel at the provider a pending payment whose hold was cancelled. A payment that won the race stays
    pending here: the webhook or reconcile_payments settles it (confirmed if its seats are still free, else
    refunded)."""
    try:
        refunds.cancel_pending_payment(payment_id)
    except PaymentProviderUnavailable as error:
        logger.warning("Payment %s not cancelled at the provider: %s; reconcile_payments asks again", payment_id,
                       error)


def retry_delay(attempt):
    """1, 2, 4, ... minutes, at most an hour: about seven hours of retries in all."""
    return min(timedelta(minutes=2 ** (attempt - 1)), MAX_RETRY_DELAY)


def _send(this_task, compose, booking_id, attempt):
    booking = selectors.bookings_with_details().select_related("user").get(pk=booking_id)
    try:
        compose(booking).send()
    except (smtplib.SMTPException, OSError) as error:
        if attempt >= MAX_ATTEMPTS or not this_task.get_backend().supports_defer:
            logger.error("Gave up on %s for booking %s after %d attempt(s): %s", this_task.name, booking_id, attempt,
                         error)
            raise
        logger.warning("Mail server refused %s for booking %s (attempt %d): %s; retrying later", this_task.name,
                       booking_id, attempt, error)
        this_task.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(booking_id, attempt + 1)
