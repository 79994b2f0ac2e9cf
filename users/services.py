"""Account rules: creating users."""
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from core.exceptions import DomainError


class UserAlreadyExists(DomainError):
    code = "user_exists"


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
