"""API.md's HTTP conventions: `Location` on every 201, and CORS for the browser apps that are listed."""
import pytest
from django.test import override_settings
from django.urls import resolve

from bookings.models import Booking
from conftest import bearer_client
from core.schema import PATH_VARIABLE
from core.views import CreatedLocationMixin
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory
from users.models import User

pytestmark = pytest.mark.django_db

WEB_APP = "https://www.cinema.example"
OTHER_SITE = "https://elsewhere.example"


def created_where(client, path, body, **headers):
    response = client.post(path, body, format="json", **headers)
    assert response.status_code == 201, response.json()
    return response, response["Location"]


def test_signup_points_at_the_account_its_user_reads(api_client):
    response, location = created_where(api_client, "/api/auth/signup/", {
        "username": "alice", "email": "alice@example.com", "password": "s3cret-pass-word"})

    assert location == "http://testserver/api/auth/me/"
    assert bearer_client(User.objects.get(username="alice")).get(location).json()["id"] == response.json()["id"]


@pytest.mark.parametrize(("path", "body"), [
    ("/api/movies/", lambda: {"title": "New", "duration_minutes": 100}),
    ("/api/screens/", lambda: {"name": "Hall 9", "rows": 5, "seats_per_row": 8}),
    ("/api/shows/", lambda: {"movie": MovieFactory().id, "screen": ScreenFactory().id,
                             "starts_at": "2040-01-01T18:00:00Z", "price": "9.50"}),
])
def test_a_catalogue_create_points_at_what_it_created(staff_client, api_client, path, body):
    response, location = created_where(staff_client, path, body())

    assert location == f"http://testserver{path}{response.json()['id']}/"
    assert api_client.get(location).json() == response.json()


def test_a_booking_points_at_itself_first_time_and_when_replayed(user_client):
    show = ShowFactory()
    first, location = created_where(user_client, f"/api/shows/{show.id}/book/", {"seat_number": 1},
                                    HTTP_IDEMPOTENCY_KEY="once")
    replay, replayed_location = created_where(user_client, f"/api/shows/{show.id}/book/", {"seat_number": 1},
                                              HTTP_IDEMPOTENCY_KEY="once")

    assert replay["Idempotent-Replayed"] == "true"
    assert location == replayed_location == f"http://testserver/api/bookings/{Booking.objects.get().id}/"
    assert user_client.get(location).json() == first.json()


def test_every_view_the_document_says_answers_201_sends_location(api_client):
    """The document declares Location on every 201; this holds the views to it, the next one included."""
    document = api_client.get("/swagger.json").json()
    creating = [(route, method) for route, item in document["paths"].items() for method, operation in item.items()
                if method != "parameters" and "201" in operation["responses"]]

    assert len(creating) >= 5
    for route, method in creating:
        view = resolve(PATH_VARIABLE.sub("1", f"{document['basePath']}{route}")).func
        assert issubclass(view.cls, CreatedLocationMixin), (method, route)


def test_answers_other_than_201_carry_no_location(user_client):
    assert "Location" not in user_client.post(f"/api/shows/{ShowFactory().id}/book/", {"seat_number": 0},
                                              format="json")
    assert "Location" not in user_client.get("/api/auth/me/")


def preflight(api_client, path, origin, method="POST", headers="authorization, content-type, idempotency-key"):
    return api_client.options(path, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
                              HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers)


@override_settings(CORS_ALLOWED_ORIGINS=[WEB_APP])
def test_a_listed_origin_is_answered_its_preflight_without_a_token(api_client):
    response = preflight(api_client, f"/api/shows/{ShowFactory().id}/book/", WEB_APP)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == WEB_APP
    assert set(response["Access-Control-Allow-Headers"].split(", ")) == {
        "authorization", "content-type", "idempotency-key", "if-none-match"}
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert not Booking.objects.exists()


@override_settings(CORS_ALLOWED_ORIGINS=[WEB_APP])
def test_a_listed_origin_may_read_the_answers_headers(user_client):
    response = user_client.post(f"/api/shows/{ShowFactory().id}/book/", {"seat_number": 1}, format="json",
                                HTTP_ORIGIN=WEB_APP)

    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == WEB_APP
    assert set(response["Access-Control-Expose-Headers"].split(", ")) == {
        "ETag", "Location", "Retry-After", "Idempotent-Replayed"}
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("allowed", [[], [WEB_APP]])
def test_any_other_origin_gets_no_cors_headers(api_client, allowed):
    with override_settings(CORS_ALLOWED_ORIGINS=allowed):
        answers = [preflight(api_client, "/api/auth/login/", OTHER_SITE),
                   api_client.get("/api/movies/", HTTP_ORIGIN=OTHER_SITE)]

    for response in answers:
        assert not [header for header in response.headers if header.lower().startswith("access-control-")]


@override_settings(CORS_ALLOWED_ORIGINS=[WEB_APP])
def test_cors_covers_the_api_only(client):
    response = client.get("/admin/login/", HTTP_ORIGIN=WEB_APP)

    assert "Access-Control-Allow-Origin" not in response
