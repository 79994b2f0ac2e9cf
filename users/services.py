"""Account rules: creating users."""
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from core.exceptions import DomainError


class UserAlreadyExists(DomainError):
    code = "user_exists"
    message = "A user with that username or email already exists."


def register_user(*, username, email, password):
    """Create an active, non-staff user. Raises UserAlreadyExists if the username or email is taken
    (in any letter case), which the database constraints decide even when two signups race."""
    try:
        with transaction.atomic():
            return get_user_model().objects.create_user(username=username, email=email, password=password)
    except IntegrityError as error:
        raise UserAlreadyExists() from error
