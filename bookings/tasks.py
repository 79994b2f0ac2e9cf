"""What runs after a booking's transaction commits: the buyer's mails, refunds sent to the payment provider, and
pending payments cancelled there.

A rolled-back booking sends nothing and a mail server never makes a booking fail or wait. With django-tasks'
database backend (a worker, `manage.py db_worker`) the task's row is written in the booking's own transaction:
the mail is queued if and only if the booking commits, a crash just after the commit cannot lose it, and the
booking takes the database's write lock once, not twice. Any other backend (the immediate one runs the task
as it is queued) is called once the transaction has committed. A mail that meets a server that is down is
queued again with a growing delay instead of being lost; so is a refund that meets a provider that does not
answer (where no worker can defer it, `manage.py reconcile_payments` sends it again).

No address gets more than MAIL_PER_ADDRESS_PER_HOUR booking mails: anyone can sign up with a stranger's address
and book and cancel in a loop. The rest are logged and dropped; the tickets stay in the API. For the same reason,
unless EMAIL_VERIFICATION is `none`, an address nobody has shown to be theirs gets no booking mail at all (only its
verification mail, from users.tasks).
"""
import logging
import smtplib
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.utils import normalize_json
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from bookings import mail, selectors
from bookings.models import SentMail
from bookings.payments import refunds
from bookings.payments.exceptions import PaymentProviderUnavailable
from core.db import insert_rows

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
MAX_RETRY_DELAY = timedelta(hours=1)
MAIL_WINDOW = timedelta(hours=1)


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
    backend = this_task.get_backend()
    if isinstance(backend, DatabaseBackend):
        # The row the database backend's enqueue writes, written by one plain INSERT: every booking queues its
        # mail under the show's lock, where the ORM's building of the INSERT cost more than the database's answer.
        insert_rows([DBTaskResult(args_kwargs=normalize_json({"args": [row_id], "kwargs": {}}),
                                  priority=this_task.priority, task_path=this_task.module_path,
                                  queue_name=this_task.queue_name, backend_name=backend.alias,
                                  run_after=this_task.run_after or get_date_max())])
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
    if settings.EMAIL_VERIFICATION != "none" and not booking.user.email_verified:
        logger.info("Did not send %s for booking %s: the address is not verified", this_task.name, booking_id)
        return
    sent = _count_mail(booking, this_task.name)
    if sent is None:
        logger.warning("Dropped %s for booking %s: %s has had %d booking mails in the last hour", this_task.name,
                       booking_id, booking.user.email, settings.MAIL_PER_ADDRESS_PER_HOUR)
        return
    try:
        compose(booking).send()
    except (smtplib.SMTPException, OSError) as error:
        sent.delete()  # not sent: the retry counts it
        if attempt >= MAX_ATTEMPTS or not this_task.get_backend().supports_defer:
            logger.error("Gave up on %s for booking %s after %d attempt(s): %s", this_task.name, booking_id, attempt,
                         error)
            raise
        logger.warning("Mail server refused %s for booking %s (attempt %d): %s; retrying later", this_task.name,
                       booking_id, attempt, error)
        this_task.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(booking_id, attempt + 1)
    except Exception:
        # Not the mail server: retrying would fail the same way. Say so loudly; the task is recorded as failed.
        sent.delete()
        logger.exception("Could not compose or send %s for booking %s", this_task.name, booking_id)
        raise


def _count_mail(booking, kind):
    """The SentMail row counting this mail to the booking's address, or None when the address has had
    MAIL_PER_ADDRESS_PER_HOUR booking mails in the last hour. The buyer's row is locked while counting, so two
    workers cannot both take the last place."""
    address = booking.user.email.lower()
    now = timezone.now()
    with transaction.atomic():
        get_user_model().objects.select_for_update().only("pk").get(pk=booking.user_id)
        recent = SentMail.objects.filter(address=address)
        recent.filter(sent_at__lte=now - MAIL_WINDOW).delete()
        if recent.count() >= settings.MAIL_PER_ADDRESS_PER_HOUR:
            return None
        return SentMail.objects.create(address=address, kind=kind, booking=booking, sent_at=now)
