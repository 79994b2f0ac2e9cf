"""Account rules: creating users, changing a password, spending a refresh token."""
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.exceptions import DomainError


class UserAlreadyExists(DomainError):
    code = "user_exists"


class WrongPassword(DomainError):
    code = "wrong_password"
    message = "This is not your current password."


class PasswordRejected(DomainError):
    """The new password fails AUTH_PASSWORD_VALIDATORS; `messages` says why, one line per validator."""

    code = "password_rejected"

    def __init__(self, messages, *, field):
        super().__init__(" ".join(messages), field=field)
        self.messages = list(messages)

    def as_body(self):
        return {self.field: self.messages}


def register_user(*, username, email, password):
    """Create an active, non-staff user. Raises UserAlreadyExists (naming the field) if the username or
    email is taken in any letter case, which the database constraints decide even when two signups race."""
    users = get_user_model().objects
    try:
        with transaction.atomic():
            return users.create_user(username=username, email=email, password=password)
    except IntegrityError as error:
        if users.filter(username__iexact=username).exists():
            raise UserAlreadyExists("A user with that username already exists.", field="username") from error
        raise UserAlreadyExists("A user with that email already exists.", field="email") from error


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
