"""The token mailed to verify an email address: Django's password-reset token machinery, keyed to the address
and to whether it is verified yet.

The token string is `<user id, urlsafe base64>-<timestamp, base 36>-<hmac>`. Its hmac covers the user's id,
email and `email_verified` with the time it was made: once used (`email_verified` is then true) or once the
email has changed, it no longer matches, and after EMAIL_VERIFICATION_HOURS it is refused as expired.
"""
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

# Far longer than any token made here (about 40 characters): a longer one is refused before any work is done.
MAX_TOKEN_LENGTH = 200


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "users.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_verified}{timestamp}"

    def check_token(self, user, token):
        """Django's check, with EMAIL_VERIFICATION_HOURS in place of PASSWORD_RESET_TIMEOUT."""
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > settings.EMAIL_VERIFICATION_HOURS * 3600:
            return False
        return any(constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
                   for secret in [self.secret, *self.secret_fallbacks])


email_verification_tokens = EmailVerificationTokenGenerator()


def make_token(user):
    """A token that verifies `user`'s current email, once."""
    return f"{urlsafe_base64_encode(force_bytes(user.pk))}-{email_verification_tokens.make_token(user)}"


def user_id_of(token):
    """The user id a token names, or None if it is not of our shape."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count("-") != 2:
        return None
    try:
        user_id = urlsafe_base64_decode(token.split("-")[0]).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    # At most 18 digits: a bigger number overflows a database integer rather than naming nobody.
    return int(user_id) if user_id.isascii() and user_id.isdigit() and len(user_id) <= 18 else None


def is_valid(user, token):
    """Whether `token` verifies `user`'s current, still unverified email now."""
    return email_verification_tokens.check_token(user, token.split("-", 1)[1])
