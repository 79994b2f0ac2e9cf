"""/swagger.json is exact enough to generate clients from (API.md, "Documentation and operations")."""
import pytest
from django.urls import path
from drf_yasg import openapi
from rest_framework import generics, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.schema import ApiSchemaGenerator
from movies.models import Screen

pytestmark = pytest.mark.django_db

ERROR_DEFINITIONS = {"#/definitions/Error", "#/definitions/ValidationError", "#/definitions/SeatUnavailable"}


@pytest.fixture
def document(api_client):
    return api_client.get("/swagger.json").json()


def operations(document):
    """Each operation, with its answers as they read through a shared response's reference."""
    def answers(operation):
        return {status: document["responses"][response["$ref"].rsplit("/", 1)[-1]] if "$ref" in response else response
                for status, response in operation["responses"].items()}

    return {(method.upper(), route): {**operation, "responses": answers(operation)}
            for route, item in document["paths"].items()
            for method, operation in item.items() if method != "parameters"}


def schema_at(document, reference):
    return document["definitions"][reference.rsplit("/", 1)[-1]]


def test_the_document_lists_what_each_operation_really_answers(document):
    listed = operations(document)

    assert set(listed[("POST", "/auth/login/")]["responses"]) >= {"200", "400", "401", "429"}
    assert "201" not in listed[("POST", "/auth/login/")]["responses"]
    assert "205" in listed[("POST", "/auth/logout/")]["responses"]
    book = listed[("POST", "/shows/{id}/book/")]
    assert set(book["responses"]) >= {"201", "400", "401", "404", "409", "413", "415", "429", "503"}
    body = next(p for p in book["parameters"] if p["in"] == "body")["schema"]
    assert set(schema_at(document, body["$ref"])["properties"]) == {"seat_number", "seat_numbers", "tickets", "count",
                                                                "category", "types", "voucher"}
    assert set(listed[("GET", "/shows/")]["responses"]) >= {"200", "400", "404", "503"}
    assert set(listed[("DELETE", "/movies/{id}/")]["responses"]) >= {"204", "401", "403", "404", "409"}
    for key, operation in listed.items():
        assert "503" in operation["responses"], key


def test_each_path_parameter_is_declared_once_at_path_level_as_an_integer(document):
    for route, item in document["paths"].items():
        declared = [(parameter["in"], parameter["name"]) for parameter in item.get("parameters", [])]
        assert len(declared) == len(set(declared)), route
        if "{id}" in route:
            id_parameter = {"in": "path", "name": "id", "type": "integer", "required": True}
            assert id_parameter.items() <= item["parameters"][0].items(), route
        for method, operation in item.items():
            if method != "parameters":
                assert all(p["in"] != "path" for p in operation.get("parameters", [])), (method, route)


def test_every_field_the_server_writes_is_required_and_nullable_ones_say_so(document):
    definitions = document["definitions"]

    for name in ("Movie", "Screen", "Show", "Booking", "BookedSeat", "BookedShow", "SeatMap", "Seat", "TokenPair",
                 "Me", "User", "PaginatedMovieList", "PaginatedBookingList", "Health"):
        assert set(definitions[name]["required"]) == set(definitions[name]["properties"]), name
        assert not any("readOnly" in field for field in definitions[name]["properties"].values()), name
    assert definitions["Booking"]["properties"]["cancelled_at"]["x-nullable"] is True
    assert definitions["Movie"]["properties"]["release_date"]["x-nullable"] is True
    assert definitions["PaginatedShowList"]["properties"]["next"]["x-nullable"] is True
    assert "x-nullable" not in definitions["Booking"]["properties"]["created_at"]


def test_bodies_are_what_clients_send_and_patch_bodies_are_partial(document):
    listed, definitions = operations(document), document["definitions"]

    def body_of(method, route):
        reference = next(p for p in listed[(method, route)]["parameters"] if p["in"] == "body")["schema"]["$ref"]
        return schema_at(document, reference)

    assert body_of("POST", "/movies/") is body_of("PUT", "/movies/{id}/")
    assert "id" not in body_of("POST", "/movies/")["properties"]
    assert set(body_of("POST", "/movies/")["required"]) == {"title", "duration_minutes"}
    for route in ("/movies/{id}/", "/screens/{id}/", "/shows/{id}/"):
        assert "required" not in body_of("PATCH", route), route
        # The same fields; a nested body (a show's prices) is its own partial definition.
        assert body_of("PATCH", route)["properties"].keys() == body_of("PUT", route)["properties"].keys(), route
    assert "password" in body_of("POST", "/auth/signup/")["properties"]
    assert "password" not in definitions["User"]["properties"]


def test_parameters_with_a_fixed_set_of_values_list_it(document):
    listed = operations(document)

    def parameter(method, route, name):
        return next(p for p in listed[(method, route)]["parameters"] if p["name"] == name)

    assert set(parameter("GET", "/movies/", "ordering")["enum"]) == {
        f"{sign}{field}" for sign in ("", "-") for field in ("title", "release_date", "duration_minutes", "id")}
    assert set(parameter("GET", "/my-bookings/", "status")["enum"]) == {"HELD", "CONFIRMED", "CANCELLED", "EXPIRED"}
    assert parameter("GET", "/movies/", "search")["maxLength"] == 200


def test_the_health_body_lists_the_states_of_the_database_and_the_cache(document):
    health = document["definitions"]["Health"]
    answers = operations(document)[("GET", "/health/")]["responses"]

    assert health["properties"]["database"]["enum"] == ["ok", "unavailable"]
    assert health["properties"]["cache"]["enum"] == ["ok", "unavailable"]
    assert {"database", "cache"} <= set(health["required"])
    assert {answers[status]["schema"]["$ref"] for status in ("200", "503")} == {"#/definitions/Health"}


@pytest.mark.parametrize("value", ["bogus", "-", "password"])
def test_the_server_refuses_what_the_ordering_enum_leaves_out(api_client, value):
    assert api_client.get(f"/api/movies/?ordering={value}").status_code == 400


def test_every_error_answer_refers_to_a_shared_error_definition(document):
    for key, operation in operations(document).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400 and key != ("GET", "/health/"):
                assert response["schema"]["$ref"] in ERROR_DEFINITIONS, (key, status)
    seat_unavailable = operations(document)[("POST", "/shows/{id}/book/")]["responses"]["409"]["schema"]
    refused = schema_at(document, seat_unavailable["$ref"])
    assert set(refused["required"]) == {"detail", "code"}
    assert set(refused["properties"]["code"]["enum"]) == {"seat_unavailable", "lonely_seat", "no_seats_together"}
    assert {"seats", "available_seats"} <= set(refused["properties"])
    assert set(document["definitions"]["Error"]["required"]) == {"detail", "code"}


def test_every_operation_has_a_summary_a_person_would_write(document):
    summaries = {key: operation.get("summary") for key, operation in operations(document).items()}

    assert all(summaries.values()), [key for key, summary in summaries.items() if not summary]
    assert {key: summaries[key] for key in [
        ("POST", "/auth/signup/"), ("POST", "/auth/login/"), ("GET", "/auth/me/"), ("GET", "/movies/"),
        ("GET", "/movies/{id}/"), ("PATCH", "/shows/{id}/"), ("PUT", "/shows/{id}/"), ("DELETE", "/screens/{id}/"),
        ("POST", "/shows/{id}/book/"), ("GET", "/bookings/{id}/"), ("POST", "/bookings/{id}/cancel/"),
    ]} == {
        ("POST", "/auth/signup/"): "Sign up", ("POST", "/auth/login/"): "Log in", ("GET", "/auth/me/"): "Who am I",
        ("GET", "/movies/"): "List movies", ("GET", "/movies/{id}/"): "Get a movie",
        ("PATCH", "/shows/{id}/"): "Update a show", ("PUT", "/shows/{id}/"): "Replace a show",
        ("DELETE", "/screens/{id}/"): "Delete a screen", ("POST", "/shows/{id}/book/"): "Book seats",
        ("GET", "/bookings/{id}/"): "Get a booking", ("POST", "/bookings/{id}/cancel/"): "Cancel a booking",
    }


def test_response_headers_are_declared_where_they_are_sent(document):
    listed = operations(document)

    for key, operation in listed.items():
        for status, response in operation["responses"].items():
            headers = response.get("headers", {})
            assert ("Location" in headers) == (status == "201"), (key, status)
            assert ("Retry-After" in headers) == (status in ("429", "503")), (key, status)
    for route in ("/shows/{id}/book/", "/shows/{id}/hold/"):
        answers = listed[("POST", route)]["responses"]
        replayed = {status for status, response in answers.items()
                    if "Idempotent-Replayed" in response.get("headers", {})}
        payment_required = {"402"} if route == "/shows/{id}/book/" else set()
        assert replayed == {"201", "400", "404", "409", "415"} | payment_required, route
    assert not any("Idempotent-Replayed" in response.get("headers", {})
                   for key, operation in listed.items() if key[1] not in ("/shows/{id}/book/", "/shows/{id}/hold/")
                   for response in operation["responses"].values())


def test_the_errors_of_an_image_are_shared_responses_which_converters_give_json_alone(document):
    """Swagger 2.0 has one `produces` per operation; converters to OpenAPI 3 give a shared response the document's
    own, so generated clients read the QR code's 200 as SVG and its errors as JSON."""
    qr_code = document["paths"]["/bookings/{id}/tickets/{number}/qr/"]["get"]

    assert qr_code["produces"] == ["image/svg+xml", "application/json"]
    assert qr_code["responses"]["200"]["schema"] == {"type": "file"}
    errors = {status: response for status, response in qr_code["responses"].items() if int(status) >= 400}
    assert set(errors) == {"401", "404", "503"}
    assert errors == {status: {"$ref": f"#/responses/bookings_ticket_qr_{status}"} for status in errors}
    assert document["responses"]["bookings_ticket_qr_404"]["schema"] == {"$ref": "#/definitions/Error"}
    reports = [document["paths"][f"/reports/{name}/"]["get"] for name in ("shows", "daily")]
    for report in reports:  # a page of JSON, or the same rows as CSV
        assert report["produces"] == ["text/csv", "application/json"]
        assert report["responses"]["200"]["schema"]["$ref"].startswith("#/definitions/Paginated")
        assert all("$ref" in response for status, response in report["responses"].items() if int(status) >= 400)
    others = [operation for route, item in document["paths"].items() for method, operation in item.items()
              if method != "parameters" and operation is not qr_code and operation not in reports]
    assert document["produces"] == ["application/json"]
    assert not any("produces" in operation for operation in others)
    assert not any("$ref" in response for operation in others for response in operation["responses"].values())


def test_success_answers_are_described(document):
    for key, operation in operations(document).items():
        assert all(response["description"] for response in operation["responses"].values()), key


class GadgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Screen
        fields = ["id", "name", "rows"]


class GadgetViewSet(viewsets.ModelViewSet):
    queryset = Screen.objects.all()
    serializer_class = GadgetSerializer

    @action(detail=True, methods=["post"])
    def polish(self, request, pk=None):
        """Polish a gadget. Nothing else is said about it."""
        return Response()


class GadgetPartsView(generics.ListAPIView):
    serializer_class = GadgetSerializer

    def get_queryset(self):
        return Screen.objects.all()


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"


class GadgetSheetView(generics.RetrieveAPIView):
    """A gadget as a spreadsheet."""

    serializer_class = GadgetSerializer
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]
    queryset = Screen.objects.all()


def test_an_endpoint_written_without_schema_code_gets_all_of_it():
    """What the next endpoint gets for free: here a viewset, a custom action and a view with `<id:...>` routes."""
    patterns = [
        path("api/gadgets/", GadgetViewSet.as_view({"get": "list", "post": "create"})),
        path("api/gadgets/<id:pk>/", GadgetViewSet.as_view({"get": "retrieve", "patch": "partial_update"})),
        path("api/gadgets/<id:pk>/polish/", GadgetViewSet.as_view({"post": "polish"})),
        path("api/gadgets/<id:pk>/parts/<id:number>/", GadgetPartsView.as_view()),
        path("api/gadgets/<id:pk>/sheet/", GadgetSheetView.as_view()),
    ]
    document = ApiSchemaGenerator(openapi.Info("t", "v1"), patterns=patterns).get_schema(public=True).as_dict()
    listed = operations(document)

    assert [(p["name"], p["type"]) for p in document["paths"]["/gadgets/{id}/parts/{number}/"]["parameters"]] == [
        ("id", "integer"), ("number", "integer")]
    assert {key: operation["summary"] for key, operation in listed.items()} == {
        ("GET", "/gadgets/"): "List screens", ("POST", "/gadgets/"): "Create a screen",
        ("GET", "/gadgets/{id}/"): "Get a screen", ("PATCH", "/gadgets/{id}/"): "Update a screen",
        ("POST", "/gadgets/{id}/polish/"): "Polish a gadget",
        ("GET", "/gadgets/{id}/parts/{number}/"): "Gadgets parts list",
        ("GET", "/gadgets/{id}/sheet/"): "A gadget as a spreadsheet",
    }
    assert set(document["definitions"]) >= {"Gadget", "GadgetRequest", "PatchedGadgetRequest", "PaginatedGadgetList",
                                             "Error", "ValidationError"}
    assert document["definitions"]["Gadget"]["required"] == ["id", "name", "rows"]
    assert "required" not in document["definitions"]["PatchedGadgetRequest"]
    assert listed[("POST", "/gadgets/")]["responses"]["201"]["headers"]["Location"]["format"] == "uri"
    sheet = document["paths"]["/gadgets/{id}/sheet/"]["get"]
    assert sheet["produces"] == ["text/csv", "application/json"]
    assert sheet["responses"]["404"] == {"$ref": "#/responses/gadgets_sheet_read_404"}
    assert set(document["responses"]) == {f"gadgets_sheet_read_{status}" for status in ("401", "404", "503")}
