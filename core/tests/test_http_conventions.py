"""API.md's HTTP conventions: `Location` on every 201."""
import pytest

from bookings.models import Booking
from conftest import bearer_client
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory
from users.models import User

pytestmark = pytest.mark.django_db


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


def test_answers_other_than_201_carry_no_location(user_client):
    assert "Location" not in user_client.post(f"/api/shows/{ShowFactory().id}/book/", {"seat_number": 0},
                                              format="json")
    assert "Location" not in user_client.get("/api/auth/me/")

