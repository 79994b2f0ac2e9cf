"""Authentication by username or email, both compared case-insensitively.

An identifier with an `@` is an email and is matched against emails only; any other is a username and is matched
against usernames only. Usernames cannot contain `@`, so no account's username can shadow another's email."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def find_account(identifier):
    """The user whose email (if `identifier` holds an `@`) or else whose username is `identifier` in any letter
    case; None if none."""
    users = get_user_model()._default_manager
    if "@" in identifier:
        return users.filter(email__iexact=identifier).first()
    return users.filter(username__iexact=identifier).first()


def login_attempt_account(request, credentials):
    """Whom a login attempt is for, as django-axes counts failures (AXES_USERNAME_CALLABLE): the account's
    username, however the identifier was spelled (username or email, any case), so that spelling it another
    way does not start a fresh count. An identifier of no account counts as itself, lower-cased."""
    identifier = (credentials or {}).get("username")
    if not isinstance(identifier, str) or not identifier:
        return None
    account = find_account(identifier)
    return account.get_username() if account else identifier.lower()


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = username or kwargs.get("email")
        if not identifier or password is None:
            return None
        user = find_account(identifier)
        if user is None:
            # Hash anyway, so a missing account takes as long to refuse as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
