"""drf-yasg schema generation that documents what the API really answers, exactly enough to generate clients.

Stock drf-yasg documents only the success status, one shape per serializer for reading and writing alike, and
`{id}` twice. Here, for every endpoint, present and future, without per-view work:
- Each path parameter is declared once, at path level, and as an integer where its route matches only digits.
- A serializer has one definition as the server writes it (`Movie`: every field it writes is `required`, and
  `x-nullable` where it may be null) and one as clients send it (`MovieRequest`: no read-only field; for PATCH
  `PatchedMovieRequest`, with nothing required). A list page is a shared `Paginated<Item>List`.
- The error answers are listed (400 on writes and invalid query filters, 401 wherever a token is read, 403 for
  model-permission writes, 404 on paths with an id and pages past the end, 413 and 415 on bodies, 422 on a reused
  Idempotency-Key, 429 on throttled views, 503 when the database does not answer), each referring to a shared
  error definition: `ValidationError` (field errors), `Error` (`{detail, code}`). An inline `openapi.Schema` with a
  `title`, given as a request body or a response, becomes a shared definition named by that title (so a view's
  own shape, such as the 409 with `seats`, is declared once however many operations answer it).
- django-filter parameters carry their choices as an enum and their maximum length.
- Every operation has a summary: the view's own, else one derived from the action and the model ("List movies",
  "Get a booking"), else the first sentence of its description.
- The response headers the server sends are declared where it sends them (RESPONSE_HEADERS).
- An operation that answers something other than JSON (a ticket's QR code, SVG) lists that media type first,
  and its error answers are shared responses (`#/responses/<operationId>_<status>`). Swagger 2.0 gives an
  operation one `produces` list for all its answers; converters to OpenAPI 3 give a shared response the document's
  own (JSON), so a generated client reads the success as the image and the errors as JSON.
Public endpoints are marked as needing no token.
"""
import http
import re

from django.urls import Resolver404, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from drf_yasg import openapi
from drf_yasg.errors import SwaggerGenerationError
from drf_yasg.generators import OpenAPISchemaGenerator
from drf_yasg.inspectors import (
    DjangoRestResponsePagination,
    FieldInspector,
    FilterInspector,
    NotHandled,
    ReferencingSerializerInspector,
    SwaggerAutoSchema,
)
from drf_yasg.inspectors.field import get_queryset_from_view
from rest_framework import permissions, serializers

from core.permissions import ModelPermissionsOrReadOnly
from users.permissions import VerifiedEmailIfMandatory

ERROR_SCHEMA = openapi.Schema(
    title="Error",
    type=openapi.TYPE_OBJECT,
    description="What went wrong, and a stable `code` to branch on.",
    properties={
        "detail": openapi.Schema(type=openapi.TYPE_STRING),
        "code": openapi.Schema(type=openapi.TYPE_STRING),
    },
    required=["detail", "code"],
)
VALIDATION_ERROR_SCHEMA = openapi.Schema(
    title="ValidationError",
    type=openapi.TYPE_OBJECT,
    description="Invalid input: each field at fault maps to its messages (a list field's items by index), "
                "`non_field_errors` to those about the body as a whole. A body that is not JSON, or valid input "
                "that a rule refuses, answers `{detail, code}` instead.",
    properties={
        "non_field_errors": openapi.Schema(type=openapi.TYPE_ARRAY, items=openapi.Schema(type=openapi.TYPE_STRING)),
        "detail": openapi.Schema(type=openapi.TYPE_STRING),
        "code": openapi.Schema(type=openapi.TYPE_STRING),
    },
    additional_properties=True,
)


def error_response(description, schema=ERROR_SCHEMA):
    return openapi.Response(description, schema)


LOCATION_HEADER = openapi.Schema(type=openapi.TYPE_STRING, format=openapi.FORMAT_URI,
                                 description="The URL of what was created")
RETRY_AFTER_HEADER = openapi.Schema(type=openapi.TYPE_INTEGER, description="Seconds to wait before retrying")
IDEMPOTENT_REPLAYED_HEADER = openapi.Schema(
    type=openapi.TYPE_STRING, enum=["true"],
    description="Sent when this is the recorded answer to an earlier request with the same Idempotency-Key",
)
ETAG_HEADER = openapi.Schema(type=openapi.TYPE_STRING,
                             description="Send it back in If-None-Match: 304 while the answer is unchanged")
# Answers that the Idempotency-Key never records (so never replays): refused before the booking ran, or to retry.
NOT_RECORDED = {401, 403, 413, 422, 429}

# Which answers carry which header: declaring another (say ETag on cached reads) is one more row.
RESPONSE_HEADERS = [
    ("Location", LOCATION_HEADER, lambda operation, status: status == 201),
    ("Retry-After", RETRY_AFTER_HEADER, lambda operation, status: status in (429, 503)),
    ("ETag", ETAG_HEADER, lambda operation, status: status in (200, 304) and operation.is_cached_read()),
    ("Idempotent-Replayed", IDEMPOTENT_REPLAYED_HEADER,
     lambda operation, status: operation.takes_idempotency_key() and status < 500 and status not in NOT_RECORDED),
]

SHARED_RESPONSES = "responses"  # the document's `#/responses/` scope
READ_ONLY_PUBLIC = (permissions.IsAuthenticatedOrReadOnly, ModelPermissionsOrReadOnly)
BODY_METHODS = ("POST", "PUT", "PATCH")
IDEMPOTENCY_HEADER = "idempotency-key"
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
PATH_VARIABLE = re.compile(r"\{([^}]+)\}")
ACTION_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Get {a} {name}",
    "create": "Create {a} {name}",
    "update": "Replace {a} {name}",
    "partial_update": "Update {a} {name}",
    "destroy": "Delete {a} {name}",
}


def is_json(media_type):
    return media_type == "application/json" or media_type.endswith("+json")


class ResponseRef(openapi._Ref):
    """A reference to a shared response, `#/responses/<name>`."""

    def __init__(self, resolver, name):
        super().__init__(resolver, name, SHARED_RESPONSES, openapi.Response)


class ReferenceResolver(openapi.ReferenceResolver):
    """drf-yasg's resolver, which also holds shared responses."""

    def __init__(self, *scopes, **kwargs):
        super().__init__(*scopes, SHARED_RESPONSES, **kwargs)


class ApiSchemaGenerator(OpenAPISchemaGenerator):
    """Declares each path parameter once (at path level), as an integer where its route matches only digits."""

    reference_resolver_class = ReferenceResolver

    def __init__(self, info, version="", url=None, patterns=None, urlconf=None):
        super().__init__(info, version, url, patterns, urlconf)
        self.resolver = get_resolver(urlconf) if patterns is None else URLResolver(RegexPattern(r"^/"), patterns)

    def get_schema(self, request=None, public=False):
        schema = super().get_schema(request, public)
        if not schema.get(SHARED_RESPONSES):
            schema.pop(SHARED_RESPONSES, None)
        return schema

    def get_path_parameters(self, path, view_cls):
        parameters = super().get_path_parameters(path, view_cls)
        for parameter in parameters:
            if parameter.type == openapi.TYPE_STRING and self.route_matches_only_digits(path, parameter.name):
                parameter.type = openapi.TYPE_INTEGER
                parameter.pop("pattern", None)
        return parameters

    def route_matches_only_digits(self, path, variable):
        """Whether the route of `path` (`/api/shows/{id}/book/`) takes only digits where `variable` stands."""
        def view_at(values):
            try:
                match = self.resolver.resolve(PATH_VARIABLE.sub(lambda name: values.get(name.group(1), "1"), path))
            except Resolver404:
                return None
            return getattr(match.func, "cls", match.func)

        with_digits = view_at({})
        return with_digits is not None and view_at({variable: "a"}) is not with_digits


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


class ResponseSerializerInspector(ReferencingSerializerInspector):
    """A serializer's definition as the server writes it: no write-only field, and every other one always there."""

    ref_name_format = "{}"

    def get_serializer_ref_name(self, serializer):
        name = super().get_serializer_ref_name(serializer)
        return self.ref_name_format.format(name) if name else name

    def field_to_swagger_object(self, field, swagger_object_type, use_references, **kwargs):
        result = super().field_to_swagger_object(field, swagger_object_type, use_references, **kwargs)
        if isinstance(field, serializers.Serializer) and result is not NotHandled:
            self.shape(openapi.resolve_ref(result, self.components), field)
        return result

    def shape(self, schema, serializer):
        properties = schema.get("properties", {})
        for name, field in serializer.fields.items():
            if field.write_only:
                properties.pop(name, None)
            elif name in properties:
                properties[name].pop("readOnly", None)
        schema.pop("required", None)
        if properties:
            schema.required = list(properties)


class RequestSerializerInspector(ResponseSerializerInspector):
    """A serializer's definition as clients send it: no read-only field; required what the serializer requires."""

    ref_name_format = "{}Request"

    def shape(self, schema, serializer):
        properties = schema.get("properties", {})
        for name, field in serializer.fields.items():
            if field.read_only:
                properties.pop(name, None)


class PartialRequestSerializerInspector(RequestSerializerInspector):
    """A PATCH body: any subset of the fields."""

    ref_name_format = "Patched{}Request"

    def shape(self, schema, serializer):
        super().shape(schema, serializer)
        schema.pop("required", None)


class FilterSetInspector(FilterInspector):
    """django-filter's query parameters, each with what it accepts: its choices as an enum, its maximum length."""

    def get_filter_parameters(self, filter_backend):
        if not hasattr(filter_backend, "get_filterset_class"):
            return NotHandled
        filterset_class = filter_backend.get_filterset_class(self.view, getattr(self.view, "queryset", None))
        if filterset_class is None:
            return NotHandled
        return [
            openapi.Parameter(
                name, openapi.IN_QUERY, type=openapi.TYPE_STRING, required=query_filter.extra.get("required", False),
                description=str(query_filter.label or ""), max_length=query_filter.extra.get("max_length"),
                enum=[value for value, _ in query_filter.extra["choices"]] if "choices" in query_filter.extra else None,
            )
            for name, query_filter in filterset_class.base_filters.items()
        ]


class PaginatedListInspector(DjangoRestResponsePagination):
    """A page of a list as one shared definition, `Paginated<Item>List`, whose four fields are always sent."""

    def get_paginated_response(self, paginator, response_schema):
        page = super().get_paginated_response(paginator, response_schema)
        items = response_schema.get("items")
        if page is response_schema or not isinstance(items, openapi.SchemaRef):
            return page
        page.required = list(page.properties)
        definitions = self.components.with_scope(openapi.SCHEMA_DEFINITIONS)
        name = f"Paginated{items.ref.rsplit('/', 1)[-1]}List"
        definitions.setdefault(name, lambda: page)
        return openapi.SchemaRef(definitions, name)


def directed(inspectors, serializer_inspector):
    """The field inspectors, with `serializer_inspector` in the place of the one that makes definitions."""
    return [serializer_inspector if issubclass(inspector, ReferencingSerializerInspector) else inspector
            for inspector in inspectors]


class ErrorAwareAutoSchema(SwaggerAutoSchema):
    """Each operation as the module docstring says: its error answers, bodies, summary, headers and security."""

    field_inspectors = [FormatFixingInspector, *directed(SwaggerAutoSchema.field_inspectors,
                                                         ResponseSerializerInspector)]
    filter_inspectors = [FilterSetInspector, *SwaggerAutoSchema.filter_inspectors]
    paginator_inspectors = [PaginatedListInspector, *SwaggerAutoSchema.paginator_inspectors]

    def get_security(self):
        if self._is_public():
            return []
        return super().get_security()

    def get_summary_and_description(self):
        summary, description = super().get_summary_and_description()
        return summary or self._derived_summary(description), description

    def get_produces(self):
        # Its own media type first: generators read a success answer as the first type they know that it lists.
        return sorted(super().get_produces(), key=is_json)

    def get_request_body_parameters(self, consumes):
        parameters = super().get_request_body_parameters(consumes)
        for parameter in parameters:
            if parameter.in_ == openapi.IN_BODY:
                parameter.schema = self._as_definition(parameter.schema)
        return parameters

    def get_request_body_schema(self, serializer):
        direction = PartialRequestSerializerInspector if self.method == "PATCH" else RequestSerializerInspector
        inspectors = directed(self.field_inspectors, direction)
        return self.probe_inspectors(inspectors, "get_schema", serializer, {"field_inspectors": inspectors})

    def get_response_serializers(self):
        responses = super().get_response_serializers()
        method = self.method.upper()
        if method in BODY_METHODS:
            responses.setdefault("400", error_response("Invalid input: `{field: [messages]}` or `{detail, code}`",
                                                       VALIDATION_ERROR_SCHEMA))
        elif self._has_query_filters():
            responses.setdefault("400", error_response("An invalid query parameter: `{parameter: [messages]}`",
                                                       VALIDATION_ERROR_SCHEMA))
        if not self._is_public():
            responses.setdefault("401", error_response("Missing, invalid or expired token"))
        elif self.view.get_authenticators():
            responses.setdefault("401", error_response("No token is needed, but the one sent is invalid or expired"))
        needed = self._model_permissions_needed()
        if needed:
            responses.setdefault("403", error_response(f"Without the permission {' and '.join(needed)} "
                                                       "(`code: permission_denied`)"))
        if self._needs_a_verified_email():
            unverified = ("with EMAIL_VERIFICATION=mandatory, your email is not verified yet "
                          "(`code: email_unverified`; staff are exempt)")
            other = responses.get("403")
            responses["403"] = error_response(f"{other.description}; or {unverified}" if other
                                              else unverified[0].upper() + unverified[1:])
        if "{" in self.path:
            responses.setdefault("404", error_response("No such object, or not yours"))
        elif self.should_page():
            responses.setdefault("404", error_response("`page` is past the last page or not a number"))
        if method in BODY_METHODS:
            responses.setdefault("413", error_response("The request body is too large (`code: request_too_large`)"))
            responses.setdefault("415", error_response("The body is not JSON (`Content-Type: application/json`)"))
        if self.is_cached_read():
            responses.setdefault("304", openapi.Response("Not modified: If-None-Match holds the current ETag"))
        if self.takes_idempotency_key():
            responses.setdefault("422", error_response("The Idempotency-Key was used with another body or show "
                                                       "(`code: idempotency_key_reused`)"))
        if self.view.get_throttles():
            responses.setdefault("429", error_response("Throttled; see the Retry-After header"))
        responses.setdefault("503", error_response("The database is unavailable; see the Retry-After header"))
        return responses

    def get_response_schemas(self, response_serializers):
        responses = super().get_response_schemas(response_serializers)
        for status, response in responses.items():
            response.description = response.description or http.HTTPStatus(int(status)).phrase
            if "schema" in response:
                response.schema = self._as_definition(response.schema)
            headers = {name: header for name, header, sent_with in RESPONSE_HEADERS if sent_with(self, int(status))}
            if headers:
                response.headers = {**response.get("headers", {}), **headers}
        if not all(is_json(media_type) for media_type in self.get_produces()):
            operation_id = self.get_operation_id(self.operation_keys)
            for status, response in responses.items():
                if int(status) >= 400 and "schema" in response:
                    responses[status] = self._as_shared_response(f"{operation_id}_{status}", response)
        return responses

    def is_cached_read(self):
        """A read that core.cache serves (with an ETag, and 304 for a matching If-None-Match)."""
        reads = getattr(self.view, "cached_reads", None) or {}
        return self.method.upper() == "GET" and (getattr(self.view, "action", None) or "get") in reads

    def takes_idempotency_key(self):
        return any(param.in_ == openapi.IN_HEADER and param.name.lower() == IDEMPOTENCY_HEADER
                   for param in self.overrides.get("manual_parameters") or [])

    def _as_definition(self, schema):
        """A titled inline schema, as a reference to the shared definition of that title."""
        if not isinstance(schema, openapi.Schema) or not schema.get("title"):
            return schema
        definitions = self.components.with_scope(openapi.SCHEMA_DEFINITIONS)
        if definitions.setdefault(schema.title, lambda: schema) != schema:
            raise SwaggerGenerationError(f"Two different schemas are titled {schema.title!r}; rename one of them.")
        return openapi.SchemaRef(definitions, schema.title)

    def _as_shared_response(self, name, response):
        """`response` as a reference to the shared response `name`, which converters give JSON alone."""
        shared = self.components.with_scope(SHARED_RESPONSES)
        shared.setdefault(name, lambda: response)
        return ResponseRef(shared, name)

    def _derived_summary(self, description):
        action = getattr(self.view, "action", None)
        model = getattr(get_queryset_from_view(self.view), "model", None) if action in ACTION_SUMMARIES else None
        if model is not None:
            name = str(model._meta.verbose_name)
            return ACTION_SUMMARIES[action].format(name=name, plural=model._meta.verbose_name_plural,
                                                   a="an" if name[0] in "aeiou" else "a")
        first_sentence = re.split(r"(?<=[.;:])\s", description, maxsplit=1)[0].rstrip(".;:")
        return first_sentence or " ".join(self.operation_keys).capitalize()

    def _has_query_filters(self):
        return self.get_query_serializer() is not None or bool(self.should_filter())

    def _is_public(self):
        if not self.view.get_authenticators():
            return True
        safe = self.method.upper() in permissions.SAFE_METHODS
        return all(
            isinstance(permission, permissions.AllowAny) or (safe and isinstance(permission, READ_ONLY_PUBLIC))
            for permission in self.view.get_permissions()
        )

    def _model_permissions_needed(self):
        """The Django model permissions (`app.codename`) this operation needs; none for a public read."""
        for permission in self.view.get_permissions():
            if isinstance(permission, permissions.DjangoModelPermissions):
                model = get_queryset_from_view(self.view).model
                return permission.get_required_permissions(self.method.upper(), model)
        return []

    def _needs_a_verified_email(self):
        return any(isinstance(permission, VerifiedEmailIfMandatory) for permission in self.view.get_permissions())
