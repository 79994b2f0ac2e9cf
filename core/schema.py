"""drf-yasg schema generation that documents what the API really answers.

Stock drf-yasg documents only the success status. Clients (and the contract fuzzer) need the error
answers too: 400 on writes and on invalid query filters, 401 wherever a token is read, 403 for staff-only
writes, 404 on paths with an id and on pages past the end, 413 on oversized bodies, 422 on a reused
Idempotency-Key, 429 on throttled views, 503 when the database does not answer. Public endpoints are
marked as needing no token, and an `{id}` in a path is documented as the integer it is.
"""
from drf_yasg import openapi
from drf_yasg.inspectors import FieldInspector, SwaggerAutoSchema
from rest_framework import permissions, serializers

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
BODY_METHODS = ("POST", "PUT", "PATCH")
IDEMPOTENCY_HEADER = "idempotency-key"
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


class FormatFixingInspector(FieldInspector):
    """Say what a few fields really carry, where drf-yasg's default is wrong or vague.

    A URL field that may be blank answers "", which is no `uri`: document it as a plain string. A decimal is
    a string of digits with an optional fraction: give it that pattern, so clients know what to send.
    """

    def process_result(self, result, method_name, obj, **kwargs):
        if not isinstance(result, openapi.SwaggerDict):
            return result
        if isinstance(obj, serializers.URLField) and obj.allow_blank:
            result.pop("format", None)
            result.setdefault("description", "A URL, or empty")
        elif isinstance(obj, serializers.DecimalField) and result.get("type") == openapi.TYPE_STRING:
            result.setdefault("pattern", DECIMAL_PATTERN)
        return result


class ErrorAwareAutoSchema(SwaggerAutoSchema):
    field_inspectors = [FormatFixingInspector, *SwaggerAutoSchema.field_inspectors]

    def get_security(self):
        if self._is_public():
            return []
        return super().get_security()

    def add_manual_parameters(self, parameters):
        # Every `{id}` of this API is an integer primary key (the routes only match digits); say so, even
        # where drf-yasg cannot see the model behind the view and would call it a string.
        if "{id}" in self.path and not any(param.in_ == openapi.IN_PATH and param.name == "id"
                                           for param in self.overrides.get("manual_parameters") or []):
            self.overrides = {**self.overrides, "manual_parameters": [
                *(self.overrides.get("manual_parameters") or []),
                openapi.Parameter("id", openapi.IN_PATH, "The object's id", type=openapi.TYPE_INTEGER, required=True),
            ]}
        return super().add_manual_parameters(parameters)

    def get_response_serializers(self):
        responses = super().get_response_serializers()
        method = self.method.upper()
        if method in BODY_METHODS:
            responses.setdefault("400", error_response("Invalid input: `{field: [messages]}` or `{detail, code}`"))
        elif self._has_query_filters():
            responses.setdefault("400", error_response("An invalid query parameter: `{parameter: [messages]}`"))
        if not self._is_public():
            responses.setdefault("401", error_response("Missing, invalid or expired token"))
        elif self.view.get_authenticators():
            responses.setdefault("401", error_response("No token is needed, but the one sent is invalid or expired"))
        if method not in permissions.SAFE_METHODS and self._is_staff_only():
            responses.setdefault("403", error_response("Only staff may do this"))
        if "{" in self.path:
            responses.setdefault("404", error_response("No such object, or not yours"))
        elif self.should_page():
            responses.setdefault("404", error_response("`page` is past the last page or not a number"))
        if method in BODY_METHODS:
            responses.setdefault("413", error_response("The request body is too large (`code: request_too_large`)"))
            responses.setdefault("415", error_response("The body is not JSON (`Content-Type: application/json`)"))
        if self._takes_idempotency_key():
            responses.setdefault("422", error_response("The Idempotency-Key was used with another body or show "
                                                       "(`code: idempotency_key_reused`)"))
        if self.view.get_throttles():
            responses.setdefault("429", error_response("Throttled; see the Retry-After header"))
        responses.setdefault("503", error_response("The database is unavailable; see the Retry-After header"))
        return responses

    def _has_query_filters(self):
        return self.get_query_serializer() is not None or bool(self.should_filter())

    def _takes_idempotency_key(self):
        return any(param.in_ == openapi.IN_HEADER and param.name.lower() == IDEMPOTENCY_HEADER
                   for param in self.overrides.get("manual_parameters") or [])

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

