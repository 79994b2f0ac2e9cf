"""Input and output shapes of the auth endpoints."""
import axes.utils
from confusable_homoglyphs import confusables
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from core.serializers import UTCDateTimeField
from core.throttling import client_ip
from core.validators import reject_control_characters
from users import services

User = get_user_model()


class SignupSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator(), reject_control_characters])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False,
                                     style={"input_type": "password"})
    password2 = serializers.CharField(write_only=True, required=False, max_length=128, trim_whitespace=False,
                                      style={"input_type": "password"}, help_text="Optional; must equal password.")

    def validate_username(self, username):
        # The name as it is stored (create_user applies NFKC): a fullwidth `ｄｅｍｏ` is `demo`, and taken.
        username = User.normalize_username(username)
        if "@" in username:
            # An `@` would let a username pass for another account's email at login.
            raise serializers.ValidationError("A username may not contain @.")
        if confusables.is_mixed_script(username):
            raise serializers.ValidationError("A username must be written in one script (no Latin mixed with "
                                              "Cyrillic or Greek letters).")
        if User.objects.filter(username__iexact=username).exists():
            raise serializers.ValidationError("A user with that username already exists.")
        return username

    def validate_email(self, email):
        if User.objects.filter(email__iexact=email).exists():
            raise serializers.ValidationError("A user with that email already exists.")
        return email

    def validate(self, attrs):
        if "password2" in attrs and attrs["password2"] != attrs["password"]:
            raise serializers.ValidationError({"password2": ["The two passwords do not match."]})
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]


class MeSerializer(serializers.ModelSerializer):
    date_joined = UTCDateTimeField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "date_joined", "email_verified"]
        read_only_fields = ["email_verified"]


class VerifyEmailSerializer(serializers.Serializer):
    # No length limit here: any string that is not a live token is the one answer `invalid_token`.
    token = serializers.CharField(allow_blank=True, trim_whitespace=False,
                                  help_text="The token from the verification mail")


class AccountLocked(Throttled):
    """An account locked from one client IP: API.md's 429 `throttled`, retry after the cool-off (AXES_COOLOFF_TIME)."""

    def __init__(self):
        super().__init__(wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                         detail="Too many failed logins for this account from this address.")


class LoginSerializer(TokenObtainPairSerializer):
    """simplejwt's login, taking the username in `username` or the email in `email` (or in `username`): see
    users.backends for which accounts each can match."""

    default_error_messages = {"no_active_account": "No active account found with the given credentials."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"] = serializers.CharField(write_only=True, required=False, max_length=254)
        self.fields["email"] = serializers.CharField(write_only=True, required=False, max_length=254)

    def validate(self, attrs):
        identifier = attrs.get("username") or attrs.get("email")
        if not identifier:
            message = "Send your username in `username` or your email in `email`."
            raise serializers.ValidationError({"username": [message]})
        if not attrs.get("username") and "@" not in identifier:
            # `email` matches emails only; without an `@` it could only have matched a username.
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        attrs["username"] = identifier
        request = self.context["request"]
        try:
            tokens = super().validate(attrs)
        except AuthenticationFailed:
            # django-axes counted this failure (it hooks authenticate()); past AXES_FAILURE_LIMIT for the account
            # from this client IP it refuses even the right password from there, until the cool-off has passed.
            if getattr(request, "axes_locked_out", False):
                raise AccountLocked() from None
            raise
        if settings.AXES_RESET_ON_SUCCESS:
            # axes resets its count when Django's login() signals a session login, which a token login is not.
            # Only this account's failures from this address are forgotten: a login of one's own account must
            # not clear the count against others from the same IP, nor the victim's own login a guesser's count
            # from another.
            axes.utils.reset(ip=client_ip(request), username=self.user.get_username())
        return tokens


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, answering 401 (not a crash) when the token's user no longer exists or is inactive,
    and when the password changed since the token was issued; one token refreshes once, however many try at once.

    simplejwt checks its revocation claim (CHECK_REVOKE_TOKEN) only when an access token authenticates a
    request, not on refresh; without this check a refresh token would outlive a password change.
    """

    default_error_messages = {
        **TokenRefreshSerializer.default_error_messages,
        "password_changed": "The password has changed since this token was issued.",
    }

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user = User.objects.filter(**{jwt_settings.USER_ID_FIELD: refresh.get(jwt_settings.USER_ID_CLAIM)}).first()
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        revoked = refresh.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password)
        if jwt_settings.CHECK_REVOKE_TOKEN and revoked:
            raise AuthenticationFailed(self.error_messages["password_changed"], "password_changed")
        with transaction.atomic():
            # Of parallel refreshes of one token, one blacklists it and is answered; the others find it spent.
            services.lock_unspent_refresh_token(refresh)
            return super().validate(attrs)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False,
                                         style={"input_type": "password"}, help_text="Your current password")
    new_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False,
                                         style={"input_type": "password"},
                                         help_text="The new password; it goes through the password validators")


class TokenPairSerializer(serializers.Serializer):
    """What login and refresh answer."""

    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshTokenSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)
