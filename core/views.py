"""Views every app shares: health, JSON answers for unknown paths and server errors, `Location` on 201s, and
JSON errors from views that answer other media types."""
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.cache import shared_cache_answers
from core.renderers import JSONRenderer

HEALTH_SCHEMA = openapi.Schema(
    title="Health",
    type=openapi.TYPE_OBJECT,
    properties={
        "status": openapi.Schema(type=openapi.TYPE_STRING),
        "database": openapi.Schema(type=openapi.TYPE_STRING, enum=["ok", "unavailable"]),
        "cache": openapi.Schema(type=openapi.TYPE_STRING, enum=["ok", "unavailable"],
                                description="The shared cache; while unavailable the API answers without it"),
    },
    required=["status", "database", "cache"],
)


class HealthView(APIView):
    """Liveness, database and shared-cache reachability, for load balancers and monitors. Only the database
    decides the status: without the cache the API still answers (reads from the database)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @swagger_auto_schema(
        operation_id="health",
        operation_summary="Health check",
        responses={200: openapi.Response("Up, database answers", HEALTH_SCHEMA),
                   503: openapi.Response("The database does not answer", HEALTH_SCHEMA)},
    )
    def get(self, request):
        cache_state = "ok" if shared_cache_answers() else "unavailable"
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return Response({"status": "error", "database": "unavailable", "cache": cache_state}, status=503,
                            headers={"Retry-After": "5"})
        return Response({"status": "ok", "database": "ok", "cache": cache_state})


class JSONErrorsMixin:
    """For a view whose answers are another media type (an image, the docs' HTML): its errors are JSON, like
    everywhere else in the API, whatever the request's Accept header chose."""

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class CreatedLocationMixin:
    """A 201 answers `Location`, the absolute URL of what it created; also when an Idempotency-Key replays it,
    since every answer of the view, recorded or fresh, passes through `finalize_response`."""

    created_url_name = ""  # the created object's detail route, which takes its id as `pk`

    def created_url(self, data):
        return reverse(self.created_url_name, kwargs={"pk": data["id"]})

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code == status.HTTP_201_CREATED and "Location" not in response:
            response["Location"] = request.build_absolute_uri(self.created_url(response.data))
        return super().finalize_response(request, response, *args, **kwargs)


class PrivateAnswerMixin:
    """A view whose answers carry a logged-in user's own data (bookings with the ticket codes that open the
    door, tokens): `Cache-Control: private, no-store`, so no proxy or browser cache keeps a copy, errors too."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response


class UnknownApiPathView(APIView):
    """Any path under /api/ that no route matched: a JSON 404, whatever the method and DEBUG. A path that only
    lacks its trailing slash is told the path that has it (a redirect would lose a POST's body)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    swagger_schema = None

    def initial(self, request, *args, **kwargs):
        if not request.path_info.endswith("/") and self.is_endpoint(f"{request.path_info}/"):
            raise NotFound(f"There is no API endpoint at this path; paths end with a slash: {request.path}/")
        raise NotFound("There is no API endpoint at this path.")

    @classmethod
    def is_endpoint(cls, path):
        try:
            return getattr(resolve(path).func, "cls", None) is not cls
        except Resolver404:
            return False


def json_not_found(request, exception=None):
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def json_bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


def json_permission_denied(request, exception=None):
    return JsonResponse({"detail": "You do not have permission to do this.", "code": "permission_denied"}, status=403)


def json_server_error(request):
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
