"""Views every app shares: health, JSON answers for unknown paths and server errors."""
from django.db import DatabaseError, connection
from django.http import JsonResponse
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

HEALTH_SCHEMA = openapi.Schema(
    type=openapi.TYPE_OBJECT,
    properties={
        "status": openapi.Schema(type=openapi.TYPE_STRING),
        "database": openapi.Schema(type=openapi.TYPE_STRING),
    },
    required=["status", "database"],
)


class HealthView(APIView):
    """Liveness and database reachability, for load balancers and monitors."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @swagger_auto_schema(
        operation_id="health",
        responses={200: openapi.Response("Up, database answers", HEALTH_SCHEMA),
                   503: openapi.Response("The database does not answer", HEALTH_SCHEMA)},
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return Response({"status": "error", "database": "unavailable"}, status=503, headers={"Retry-After": "5"})
        return Response({"status": "ok", "database": "ok"})


class UnknownApiPathView(APIView):
    """Any path under /api/ that no route matched: a JSON 404, whatever the method and DEBUG."""

    authentication_classes = []
    permission_classes = [AllowAny]
    swagger_schema = None

    def initial(self, request, *args, **kwargs):
        raise NotFound("There is no API endpoint at this path.")


def json_not_found(request, exception=None):
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def json_bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


def json_permission_denied(request, exception=None):
    return JsonResponse({"detail": "You do not have permission to do this.", "code": "permission_denied"}, status=403)


def json_server_error(request):
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
