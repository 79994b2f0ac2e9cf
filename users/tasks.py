"""The verification mail, sent by a task queued in the transaction that calls for it (signup, a resend), the way
bookings/tasks.py queues the buyer's mails: with django-tasks' database backend its row commits with the account,
otherwise it runs once the transaction has committed. A mail server that is down makes it retry later."""
import logging
import smtplib
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend

from bookings.tasks import MAX_ATTEMPTS, retry_delay
from users import tokens

logger = logging.getLogger(__name__)


def queue_verification_mail(user_id):
    if isinstance(send_verification_mail.get_backend(), DatabaseBackend):
        send_verification_mail.enqueue(user_id)
    else:
        transaction.on_commit(partial(send_verification_mail.enqueue, user_id), robust=True)


def verification_message(user):
    """The mail with a fresh token, made as it is sent: no token is ever stored."""
    token = tokens.make_token(user)
    lines = [
        f"Hello {user.username},",
        "",
        "please confirm that this is your email address: send this token to the cinema's API",
        f"(POST /api/auth/verify-email/ with {{\"token\": \"{token}\"}}) within "
        f"{settings.EMAIL_VERIFICATION_HOURS} hours:",
        "",
        f"  {token}",
        "",
        "If you did not sign up, ignore this mail.",
    ]
    return EmailMessage("Confirm your email address", "\n".join(lines) + "\n", settings.DEFAULT_FROM_EMAIL,
                        [user.email])


@task()
def send_verification_mail(user_id, attempt=1):
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or user.email_verified:  # deleted, or verified by an earlier mail, since it was queued
        return
    try:
        verification_message(user).send()
    except (smtplib.SMTPException, OSError) as error:
        if attempt >= MAX_ATTEMPTS or not send_verification_mail.get_backend().supports_defer:
            logger.error("Gave up on the verification mail of user %s after %d attempt(s): %s", user_id, attempt,
                         error)
            raise
        logger.warning("Mail server refused the verification mail of user %s (attempt %d): %s; retrying later",
                       user_id, attempt, error)
        send_verification_mail.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(user_id, attempt + 1)
