"""Idempotency-Key on booking: a retry gets the first answer and never books twice."""
from datetime import timedelta
from unittest import mock

import pytest

from bookings.models import Booking, IdempotencyKey
from bookings.tests.factories import booking_with_seats
from conftest import bearer_client
from core.exceptions import ServiceUnavailable
from movies.tests.factories import ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def show(db):
    return ShowFactory()


def book(client, show, body, key="retry-1"):
    return client.post(f"/api/shows/{show.id}/book/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_retry_gets_the_first_answer_and_books_once(user_client, show):
    first = book(user_client, show, {"seat_numbers": [1, 2]})
    retry = book(user_client, show, {"seat_numbers": [1, 2]})

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1


def test_bodies_are_compared_as_json_values(user_client, show):
    first = user_client.post(f"/api/shows/{show.id}/book/", '{"seat_numbers": [1, 2]}',
                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    retry = user_client.post(f"/api/shows/{show.id}/book/", '{ "seat_numbers":[1,2] }',
                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")

    assert retry.json() == first.json()
    assert Booking.objects.count() == 1


def test_same_key_with_another_body_or_show_is_422(user_client, show):
    book(user_client, show, {"seat_number": 1})

    other_body = book(user_client, show, {"seat_number": 2})
    other_show = book(user_client, ShowFactory(), {"seat_number": 1})

    assert other_body.status_code == other_show.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    assert Booking.objects.count() == 1


def test_a_refusal_is_replayed_too(user_client, show):
    taken = booking_with_seats(show, [1])
    first = book(user_client, show, {"seat_number": 1})
    taken.tickets.update(is_active=False)

    retry = book(user_client, show, {"seat_number": 1})

    assert first.status_code == retry.status_code == 409
    assert retry.json() == first.json()
    assert Booking.objects.count() == 1


def test_a_503_leaves_the_key_free_for_a_real_retry(user_client, show):
    with mock.patch("bookings.views.services.book_seats", side_effect=ServiceUnavailable()):
        unavailable = book(user_client, show, {"seat_number": 1})

    retry = book(user_client, show, {"seat_number": 1})

    assert unavailable.status_code == 503
    assert retry.status_code == 201
    assert Booking.objects.count() == 1


def test_an_unexpected_error_leaves_nothing_behind(user_client, show):
    user_client.raise_request_exception = False
    with mock.patch("bookings.views.services.book_seats", side_effect=RuntimeError("bug")):
        crashed = book(user_client, show, {"seat_number": 1})

    assert crashed.status_code == 500
    assert not IdempotencyKey.objects.exists()


def test_keys_belong_to_one_user(user_client, show):
    book(user_client, show, {"seat_number": 1})

    other_user = book(bearer_client(UserFactory()), show, {"seat_number": 2})

    assert other_user.status_code == 201
    assert Booking.objects.count() == 2


def test_keys_expire_after_24_hours(user_client, show):
    book(user_client, show, {"seat_number": 1})
    IdempotencyKey.objects.update(created_at=IdempotencyKey.objects.get().created_at - timedelta(hours=24, seconds=1))

    again = book(user_client, show, {"seat_number": 2})

    assert again.status_code == 201
    assert Booking.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize("key", ["", " ", "has space", "x" * 256, "tab\tkey", "caf\u00e9"])
def test_invalid_keys_are_400_and_book_nothing(user_client, show, key):
    response = book(user_client, show, {"seat_number": 1}, key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Booking.objects.exists()


@pytest.mark.parametrize("key", ["a", "x" * 255, "order-42:attempt~1", "!#$%&'*+-.^_`|~"])
def test_valid_keys(user_client, show, key):
    assert book(user_client, show, {"seat_number": 1}, key=key).status_code == 201


def test_without_the_header_nothing_changes(user_client, show):
    assert user_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json").status_code == 201
    assert user_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json").status_code == 409
    assert not IdempotencyKey.objects.exists()


def test_deeply_nested_json_with_a_key_is_the_same_400_as_without(user_client, show):
    nested = '{"seat_numbers": ' + "[" * 5_000 + "]" * 5_000 + "}"
    without = user_client.post(f"/api/shows/{show.id}/book/", nested, content_type="application/json")
    with_key = user_client.post(f"/api/shows/{show.id}/book/", nested, content_type="application/json",
                                HTTP_IDEMPOTENCY_KEY="nested")

    assert with_key.status_code == without.status_code == 400
    assert with_key.json() == without.json()
    assert not IdempotencyKey.objects.exists()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(("content_type", "body", "status"), [
    ("text/plain", "seat_numbers=1", 415),
    ("application/json", '{"seat_numbers": [1', 400),
])
def test_a_body_that_cannot_be_read_is_never_recorded(user_client, show, content_type, body, status):
    refused = user_client.post(f"/api/shows/{show.id}/book/", body, content_type=content_type,
                               HTTP_IDEMPOTENCY_KEY="fix-me")
    corrected = book(user_client, show, {"seat_numbers": [1]}, key="fix-me")

    assert refused.status_code == status
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected
    assert Booking.objects.count() == 1
