"""Authentication by username or email, both compared case-insensitively."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = username or kwargs.get("email")
        if not identifier or password is None:
            return None
        users = get_user_model()._default_manager
        # A username wins over another account's email that happens to be spelled the same.
        user = users.filter(username__iexact=identifier).first() or users.filter(email__iexact=identifier).first()
        if user is None:
            # Hash anyway, so a missing account takes as long to refuse as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
