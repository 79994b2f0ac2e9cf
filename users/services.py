"""Account rules: creating users, verifying their email, changing a password, spending a refresh token."""
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.exceptions import DomainError
from users import tasks, tokens


class UserAlreadyExists(DomainError):
    code = "user_exists"


class WrongPassword(DomainError):
    code = "wrong_password"
    message = "This is not your current password."


class InvalidVerificationToken(DomainError):
    code = "invalid_token"
    message = "This verification token is invalid, expired or already used; ask for a new mail."


class AlreadyVerified(DomainError):
    code = "already_verified"
    message = "Your email address is already verified."


class VerificationDisabled(DomainError):
    code = "verification_disabled"
    message = "Email verification is switched off here (EMAIL_VERIFICATION=none)."


class PasswordRejected(DomainError):
    """The new password fails AUTH_PASSWORD_VALIDATORS; `messages` says why, one line per validator."""

    code = "password_rejected"

    def __init__(self, messages, *, field):
        super().__init__(" ".join(messages), field=field)
        self.messages = list(messages)

    def as_body(self):
        return {self.field: self.messages}


def register_user(*, username, email, password):
    """Create an active, non-staff user with an unverified email, and (unless EMAIL_VERIFICATION is `none`) queue
    the mail that verifies it. Raises UserAlreadyExists (naming the field) if the username or
    email is taken in any letter case, which the database constraints decide even when two signups race."""
    users = get_user_model().objects
    try:
        with transaction.atomic():
            user = users.create_user(username=username, email=email, password=password)
            if settings.EMAIL_VERIFICATION != "none":
                tasks.queue_verification_mail(user.pk)
            return user
    except IntegrityError as error:
        if users.filter(username__iexact=username).exists():
            raise UserAlreadyExists("A user with that username already exists.", field="username") from error
        raise UserAlreadyExists("A user with that email already exists.", field="email") from error


def verify_email(token):
    """Mark the email of the user that `token` names verified, and return the user. Raises
    InvalidVerificationToken, writing nothing, for a token that is malformed, forged, expired, used, or made for
    an address the user no longer has."""
    user_id = tokens.user_id_of(token)
    if user_id is None:
        raise InvalidVerificationToken()
    with transaction.atomic():
        # Locked, so of two uses of one token at once the second sees the first's write and is refused.
        user = get_user_model().objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None or user.email_verified or not tokens.is_valid(user, token):
            raise InvalidVerificationToken()
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    return user


def resend_verification_mail(user):
    """Queue a new verification mail for `user`. Raises AlreadyVerified if there is nothing to verify, and
    VerificationDisabled when EMAIL_VERIFICATION is `none`."""
    if settings.EMAIL_VERIFICATION == "none":
        raise VerificationDisabled()
    if user.email_verified:
        raise AlreadyVerified()
    with transaction.atomic():
        tasks.queue_verification_mail(user.pk)


def change_password(*, user, old_password, new_password):
    """Give `user` a new password. Raises WrongPassword (on `old_password`) unless `old_password` is the
    current one, PasswordRejected (on `new_password`) when a password validator refuses the new one.

    Every token issued before stops working: tokens carry a hash of the password hash they were issued
    under (simplejwt's CHECK_REVOKE_TOKEN), and the new hash no longer matches it. The same holds for every
    other way of changing a password (the admin, `manage.py changepassword`, `set_password`).
    """
    if not user.check_password(old_password):
        raise WrongPassword(field="old_password")
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as error:
        raise PasswordRejected(error.messages, field="new_password") from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


def lock_unspent_refresh_token(token):
    """Lock `token`'s OutstandingToken row until the surrounding transaction ends, then raise TokenError if the
    token is blacklisted (used by a refresh, or logged out).

    simplejwt checks the blacklist and writes to it in two steps: two requests with one token could both pass the
    check, and both be answered a new pair. Under the row lock (on SQLite, the write lock BEGIN IMMEDIATE takes)
    the second waits for the first to commit its blacklisting, then sees it here.
    """
    outstanding, _ = token.outstand()
    OutstandingToken.objects.select_for_update().get(pk=outstanding.pk)
    if BlacklistedToken.objects.filter(token=outstanding).exists():
        raise TokenError("Token is blacklisted")
