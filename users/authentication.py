"""Bearer-token authentication: simplejwt's, with each token's signature checked once and the user read by one
plain SELECT.

Every authenticated request decodes its token and reads its user: in a sale the same few hundred tokens come back
request after request, and decoding one cost as much CPU as a refused booking's read of its show; through the ORM
the user's read cost more than the database's answer did (bench/floor.py). The checks and their errors are
simplejwt's own: a valid signature, not expired (checked on every request), the token's user exists, is active,
and the token was issued under the user's current password (CHECK_REVOKE_TOKEN, on every request).
"""
import functools

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import aware_utcnow, get_md5_hash_password

from core.db import ModelColumns, database, key_param, once_per_database

User = get_user_model()
USER_COLUMNS = ModelColumns(User, User._meta.db_table)


# Tokens whose validation is kept, by their whole text (signature included): the most recently used ones.
VALIDATED_TOKENS = 4096


class JWTAuthentication(authentication.JWTAuthentication):
    def get_validated_token(self, raw_token):
        """simplejwt's validation, made once per token text and kept; its expiry is checked again each time, and a
        token that has expired since is validated afresh, for simplejwt's own refusal."""
        token = _validated_token(raw_token)
        try:
            token.check_exp(current_time=aware_utcnow())
        except TokenError:
            return super().get_validated_token(raw_token)
        return token

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as error:
            raise InvalidToken(_("Token contained no recognizable user identification")) from error
        user = user_by_id(user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and (
                validated_token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password)):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user


@functools.lru_cache(maxsize=VALIDATED_TOKENS)
def _validated_token(raw_token):
    """The validated token; raises InvalidToken, and nothing is kept, for one that is not valid."""
    return authentication.JWTAuthentication().get_validated_token(raw_token)


def user_by_id(user_id):
    """The user whose USER_ID_FIELD is `user_id`, or None."""
    connection = database()
    value = key_param(User._meta.get_field(api_settings.USER_ID_FIELD), user_id, connection)
    if value is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_user_sql(connection), [value])
        row = cursor.fetchone()
    return None if row is None else USER_COLUMNS.instance(row, connection)


@once_per_database
def _user_sql(connection):
    quote = connection.ops.quote_name
    return (f"SELECT {USER_COLUMNS.sql(connection)} FROM {quote(User._meta.db_table)} "
            f"WHERE {quote(User._meta.get_field(api_settings.USER_ID_FIELD).column)} = %s")
