"""drf-yasg schema generation that documents what the API really answers.

Stock drf-yasg documents only the success status. Clients (and the contract fuzzer) need the error
answers too: 400 on writes, 401 where a token is required, 403 for staff-only writes, 404 on paths with
an id, 429 on throttled views. Public endpoints are marked as needing no token.
"""
from drf_yasg import openapi
from drf_yasg.inspectors import SwaggerAutoSchema
from rest_framework import permissions

from core.permissions import IsStaffOrReadOnly

ERROR_SCHEMA = openapi.Schema(
    title="Error",
    type=openapi.TYPE_OBJECT,
    properties={
        "detail": openapi.Schema(type=openapi.TYPE_STRING),
        "code": openapi.Schema(type=openapi.TYPE_STRING),
    },
    additional_properties=True,
)


def error_response(description):
    return openapi.Response(description, ERROR_SCHEMA)


READ_ONLY_PUBLIC = (permissions.IsAuthenticatedOrReadOnly, IsStaffOrReadOnly)


class ErrorAwareAutoSchema(SwaggerAutoSchema):
    def get_security(self):
        if self._is_public():
            return []
        return super().get_security()

    def get_response_serializers(self):
        responses = super().get_response_serializers()
        method = self.method.upper()
        if method in ("POST", "PUT", "PATCH"):
            responses.setdefault("400", error_response("Invalid input: `{field: [messages]}` or `{detail, code}`"))
        if not self._is_public():
            responses.setdefault("401", error_response("Missing, invalid or expired token"))
        if method not in permissions.SAFE_METHODS and self._is_staff_only():
            responses.setdefault("403", error_response("Only staff may do this"))
        if "{" in self.path:
            responses.setdefault("404", error_response("No such object, or not yours"))
        if self.view.get_throttles():
            responses.setdefault("429", error_response("Throttled; see the Retry-After header"))
        return responses

    def _is_public(self):
        if not self.view.get_authenticators():
            return True
        safe = self.method.upper() in permissions.SAFE_METHODS
        return all(
            isinstance(permission, permissions.AllowAny) or (safe and isinstance(permission, READ_ONLY_PUBLIC))
            for permission in self.view.get_permissions()
        )

    def _is_staff_only(self):
        return any(isinstance(permission, (IsStaffOrReadOnly, permissions.IsAdminUser))
                   for permission in self.view.get_permissions())

