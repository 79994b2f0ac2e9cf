"""Answers with a logged-in user's own data (ticket codes open the door) are never kept by a cache on the way."""
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import bearer_client
from movies.tests.factories import ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def directives(response):
    return {part.strip() for part in response["Cache-Control"].split(",")}


def test_every_answer_about_a_users_bookings_is_private_and_not_stored(user_client):
    show = ShowFactory(starts_at=timezone.now() + timedelta(hours=1))
    booked = user_client.post(f"/api/shows/{show.id}/book/", {"seat_numbers": [1, 2]}, format="json")
    held = user_client.post(f"/api/shows/{show.id}/hold/", {"seat_number": 3}, format="json")
    booking = booked.json()["id"]
    door = bearer_client(UserFactory(is_staff=True, is_superuser=True))
    answers = {
        "book": booked,
        "hold": held,
        "book, refused": user_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json"),
        "my bookings": user_client.get("/api/my-bookings/"),
        "one booking": user_client.get(f"/api/bookings/{booking}/"),
        "another's booking": bearer_client(UserFactory()).get(f"/api/bookings/{booking}/"),
        "confirm": user_client.post(f"/api/bookings/{held.json()['id']}/confirm/"),
        "qr": user_client.get(f"/api/bookings/{booking}/tickets/1/qr/"),
        "check-in": door.post("/api/check-in/", {"ticket_code": booked.json()["seats"][0]["ticket_code"]},
                              format="json"),
        "cancel": user_client.post(f"/api/bookings/{booking}/cancel/"),
    }

    assert [response.status_code for response in answers.values()] == [201, 201, 409, 200, 200, 404, 200, 200, 200,
                                                                        400]
    for name, response in answers.items():
        assert directives(response) == {"private", "no-store"}, name
