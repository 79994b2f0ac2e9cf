"""The one place that turns every API error into the JSON shapes of API.md."""
import redis
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError, ProtectedObject, ServiceUnavailable


def api_exception_handler(exc, context):
    """DRF's handler, then API.md's shapes: field errors stay `{field: [...]}`, the rest `{detail, code}`."""
    if isinstance(exc, RequestDataTooBig):  # DATA_UPLOAD_MAX_MEMORY_SIZE, checked when DRF reads the body
        body = {"detail": "The request body is too large.", "code": "request_too_large"}
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        exc = ProtectedObject()
    elif isinstance(exc, (OperationalError, InterfaceError)):
        # The database did not answer (transient errors that outlived their retries arrive as
        # ServiceUnavailable already): the client may retry; it is not a server bug.
        exc = ServiceUnavailable()
    elif isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):
        # The shared cache (REDIS_URL: throttle counts) did not answer: the same, retry shortly.
        exc = ServiceUnavailable("The shared cache is unavailable. Please retry shortly.")

    if isinstance(exc, DomainError):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return Response(exc.as_body(), status=exc.status_code, headers=headers)

    response = drf_exception_handler(exc, context)
    if response is None or isinstance(exc, exceptions.ValidationError):
        return response
    response.data = {"detail": _detail_text(exc.detail), "code": _detail_code(exc)}
    return response


def _detail_text(detail):
    if isinstance(detail, dict):  # simplejwt's InvalidToken: {"detail", "code", "messages"}
        detail = detail.get("detail", "")
    elif isinstance(detail, list):
        detail = detail[0] if detail else ""
    return str(detail)


def _detail_code(exc):
    detail = exc.detail
    if isinstance(detail, dict) and detail.get("code"):
        return str(detail["code"])
    if isinstance(detail, list) and detail:
        detail = detail[0]
    return getattr(detail, "code", None) or exc.default_code
