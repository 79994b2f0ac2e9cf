"""Sign up, verify the email, log in (JWT), refresh, log out, who-am-I and change the password."""
from django.db import transaction
from django.urls import reverse
from django.utils.decorators import method_decorator
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from core.schema import VALIDATION_ERROR_SCHEMA, error_response
from core.throttling import AuthRateThrottle, TokenRefreshRateThrottle
from core.views import CreatedLocationMixin, PrivateAnswerMixin
from users import services
from users.serializers import (
    LoginSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
    RefreshTokenSerializer,
    SignupSerializer,
    TokenPairSerializer,
    UserSerializer,
    VerifyEmailSerializer,
)
from users.throttling import VerificationResendRateThrottle

LOGIN_BODY = openapi.Schema(
    title="LoginRequest",
    type=openapi.TYPE_OBJECT,
    properties={
        "username": openapi.Schema(type=openapi.TYPE_STRING, description="Username (or email)"),
        "email": openapi.Schema(type=openapi.TYPE_STRING, description="Email, instead of username"),
        "password": openapi.Schema(type=openapi.TYPE_STRING, format=openapi.FORMAT_PASSWORD),
    },
    required=["password"],
    example={"username": "demo", "password": "demo-pass-1234"},
)
BAD_TOKEN = error_response("The refresh token is invalid, expired, used or blacklisted, its account is inactive, "
                           "or the password changed since it was issued")


def token_pair(user):
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class SignupView(CreatedLocationMixin, PrivateAnswerMixin, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    def created_url(self, data):
        return reverse("auth-me")  # where the new user reads their account, once logged in

    @swagger_auto_schema(operation_id="auth_signup", operation_summary="Sign up", request_body=SignupSerializer,
                         responses={201: UserSerializer})
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register_user(
            username=serializer.validated_data["username"],
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class VerifyEmailView(PrivateAnswerMixin, APIView):
    authentication_classes = []  # the token says who: a stale bearer header must not make it 401
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]

    @swagger_auto_schema(
        operation_id="auth_verify_email",
        operation_summary="Verify your email",
        operation_description="Send the token of the verification mail that signup (or a resend) sent. The token "
                              "works once, for EMAIL_VERIFICATION_HOURS, and only while the email is the one it "
                              "was sent to. Answers the account, now with `email_verified: true`.",
        request_body=VerifyEmailSerializer,
        responses={200: MeSerializer,
                   400: error_response("The token is malformed, forged, expired or used (`code: invalid_token`); "
                                       "or `token` is missing: `{token: [messages]}`", VALIDATION_ERROR_SCHEMA)},
    )
    def post(self, request):
        serializer = VerifyEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.verify_email(serializer.validated_data["token"])
        return Response(MeSerializer(user).data)


class ResendVerificationView(PrivateAnswerMixin, APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [VerificationResendRateThrottle]

    @swagger_auto_schema(
        operation_id="auth_verify_email_resend",
        operation_summary="Send the verification mail again",
        operation_description="Queues a new verification mail with a new token (earlier tokens keep working until "
                              "they expire). At most THROTTLE_VERIFY_RESEND per user.",
        request_body=no_body,
        responses={202: "The mail is queued: `{detail}`",
                   400: error_response("The email is already verified (`code: already_verified`), or verification "
                                       "is switched off (`code: verification_disabled`)")},
    )
    def post(self, request):
        services.resend_verification_mail(request.user)
        return Response({"detail": f"A new verification mail is on its way to {request.user.email}."},
                        status=status.HTTP_202_ACCEPTED)


@method_decorator(name="post", decorator=swagger_auto_schema(
    operation_id="auth_login",
    operation_summary="Log in",
    operation_description="Send `username` (or an email in it) or `email`, with `password`.",
    request_body=LOGIN_BODY,
    responses={200: TokenPairSerializer, 401: error_response("Wrong credentials")},
))
class LoginView(PrivateAnswerMixin, TokenObtainPairView):
    serializer_class = LoginSerializer
    throttle_classes = [AuthRateThrottle]


@method_decorator(name="post", decorator=swagger_auto_schema(
    operation_id="auth_token_refresh",
    operation_summary="Refresh the tokens",
    operation_description="Trades a refresh token for a new access token and a new refresh token; "
                          "the old refresh token stops working.",
    request_body=RefreshTokenSerializer,
    responses={200: TokenPairSerializer, 401: BAD_TOKEN},
))
class RefreshView(PrivateAnswerMixin, TokenRefreshView):
    serializer_class = RefreshSerializer
    throttle_classes = [TokenRefreshRateThrottle]


class LogoutView(PrivateAnswerMixin, APIView):
    permission_classes = [IsAuthenticated]

    @swagger_auto_schema(operation_id="auth_logout", operation_summary="Log out", request_body=RefreshTokenSerializer,
                         responses={205: "Logged out; the refresh token is blacklisted", 401: BAD_TOKEN})
    def post(self, request):
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
        except TokenError as error:
            raise InvalidToken(str(error)) from None
        if str(token.get(jwt_settings.USER_ID_CLAIM)) != str(request.user.pk):
            raise InvalidToken("This refresh token belongs to another user.")
        try:
            with transaction.atomic():
                # A refresh of this token at the same moment must not also get a new pair.
                services.lock_unspent_refresh_token(token)
                token.blacklist()
        except TokenError as error:
            raise InvalidToken(str(error)) from None
        return Response(status=status.HTTP_205_RESET_CONTENT)


@method_decorator(name="get", decorator=swagger_auto_schema(operation_summary="Who am I"))
class MeView(PrivateAnswerMixin, generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


class PasswordChangeView(PrivateAnswerMixin, APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [AuthRateThrottle]

    @swagger_auto_schema(
        operation_id="auth_password_change",
        operation_description="Change your password. Answers a fresh token pair, so this device stays logged in; "
                              "every access and refresh token issued before is refused (401) from now on.",
        request_body=PasswordChangeSerializer,
        responses={200: TokenPairSerializer,
                   400: error_response("`old_password` is wrong, or a password validator refuses `new_password`: "
                                       "`{field: [messages]}`", VALIDATION_ERROR_SCHEMA)},
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.change_password(user=request.user, **serializer.validated_data)
        return Response(token_pair(user))
