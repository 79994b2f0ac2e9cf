"""Holds through HTTP, as API.md's "Holds" describes them: hold, pay, confirm; a dead hold frees its seats."""
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Booking, Ticket
from bookings.tests.factories import booked_seat, booking_with_seats
from conftest import bearer_client
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOLD_SECONDS = 600


@pytest.fixture(autouse=True)
def _hold_seconds(settings):
    settings.HOLD_SECONDS = HOLD_SECONDS


@pytest.fixture
def show(db):
    """Tomorrow, 5 rows of 10 seats, 9.50 a seat."""
    return ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10), price=Decimal("9.50"))


@pytest.fixture
def other_client(db):
    return bearer_client(UserFactory())


@contextmanager
def clock_at(seconds_from_now):
    """Every `timezone.now()` of the project answers a moment `seconds_from_now` ahead (tokens keep real time)."""
    moment = timezone.now() + timedelta(seconds=seconds_from_now)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


def hold(client, show, body, **headers):
    return client.post(f"/api/shows/{show.id}/hold/", body, format="json", **headers)


def book(client, show, body, **headers):
    return client.post(f"/api/shows/{show.id}/book/", body, format="json", **headers)


def confirm(client, booking_id):
    return client.post(f"/api/bookings/{booking_id}/confirm/")


def cancel(client, booking_id):
    return client.post(f"/api/bookings/{booking_id}/cancel/")


def seat_availability(client, show):
    seat_map = client.get(f"/api/shows/{show.id}/seats/").json()
    unavailable = [seat["label"] for row in seat_map["rows"] for seat in row["seats"] if not seat["available"]]
    return seat_map["available_seats"], unavailable


def available_seats(client, show):
    return client.get(f"/api/shows/{show.id}/").json()["available_seats"]


def parse_time(text):
    return timezone.datetime.fromisoformat(text.replace("Z", "+00:00"))


class TestHold:
    def test_hold_answers_a_held_booking_that_expires_after_hold_seconds(self, user_client, show):
        before = timezone.now()
        response = hold(user_client, show, {"seat_numbers": ["A1", 2]})
        after = timezone.now()

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "HELD"
        assert body["seats"] == [booked_seat(1, "A1"), booked_seat(2, "A2")]
        assert body["total_price"] == "19.00"
        assert body["cancelled_at"] is None
        expires_at = parse_time(body["expires_at"])
        window = timedelta(seconds=HOLD_SECONDS)
        assert before + window - timedelta(seconds=1) <= expires_at <= after + window
        booking = Booking.objects.get()
        assert (booking.status, booking.expires_at) == (Booking.Status.HELD, expires_at)
        assert set(booking.tickets.values_list("held_until", flat=True)) == {expires_at}

    def test_held_seats_are_taken_for_everyone_else(self, user_client, other_client, show):
        hold(user_client, show, {"seat_numbers": [1, 2]})

        booked = book(other_client, show, {"seat_numbers": [2, 3]})
        held = hold(other_client, show, {"seat_number": 1})

        assert booked.status_code == held.status_code == 409
        assert booked.json()["seats"] == ["A2"]
        assert held.json()["seats"] == ["A1"]
        assert seat_availability(other_client, show) == (48, ["A1", "A2"])
        assert available_seats(other_client, show) == 48
        assert Booking.objects.count() == 1

    def test_a_hold_and_a_sale_refuse_each_other(self, user_client, other_client, show):
        book(user_client, show, {"seat_number": 7})

        response = hold(other_client, show, {"seat_numbers": [6, 7]})

        assert response.status_code == 409
        assert response.json()["seats"] == ["A7"]

    @pytest.mark.parametrize("body", [{"seat_number": 0}, {"seat_numbers": []}, {"seat_numbers": [5, 5]},
                                      {"seat_number": "Z9"}, {}, {"seat_number": 5, "seat_numbers": [6]}])
    def test_bad_input_is_400_and_holds_nothing(self, user_client, show, body):
        response = hold(user_client, show, body)

        assert response.status_code == 400
        assert not Booking.objects.exists()

    def test_anonymous_is_401(self, api_client, show):
        assert hold(api_client, show, {"seat_number": 1}).status_code == 401

    def test_unknown_show_is_404(self, user_client):
        response = user_client.post("/api/shows/424242/hold/", {"seat_number": 1}, format="json")

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_a_started_show_cannot_be_held(self, user_client):
        started = ShowFactory(starts_at=timezone.now() - timedelta(minutes=1))

        response = hold(user_client, started, {"seat_number": 1})

        assert response.status_code == 400
        assert response.json()["code"] == "show_started"

    def test_query_count_is_bounded(self, user_client, show, django_assert_max_num_queries):
        with django_assert_max_num_queries(12):
            assert hold(user_client, show, {"seat_numbers": list(range(1, 11))}).status_code == 201


class TestHoldLimit:
    def test_more_than_ten_live_held_seats_of_one_show_is_400(self, user_client, show):
        assert hold(user_client, show, {"seat_numbers": list(range(1, 7))}).status_code == 201

        response = hold(user_client, show, {"seat_numbers": list(range(11, 16))})

        assert response.status_code == 400
        assert response.json()["code"] == "hold_limit"
        assert Booking.objects.count() == 1
        assert hold(user_client, show, {"seat_numbers": list(range(11, 15))}).status_code == 201

    def test_confirmed_cancelled_and_dead_holds_do_not_count(self, user_client, show):
        confirmed = hold(user_client, show, {"seat_numbers": list(range(1, 11))}).json()["id"]
        confirm(user_client, confirmed)
        cancelled = hold(user_client, show, {"seat_numbers": list(range(11, 21))}).json()["id"]
        cancel(user_client, cancelled)
        hold(user_client, show, {"seat_numbers": list(range(21, 31))})

        with clock_at(HOLD_SECONDS + 1):
            response = hold(user_client, show, {"seat_numbers": list(range(31, 41))})

        assert response.status_code == 201

    def test_the_limit_is_per_show_and_per_user(self, user_client, other_client, show):
        hold(user_client, show, {"seat_numbers": list(range(1, 11))})

        assert hold(other_client, show, {"seat_numbers": list(range(11, 21))}).status_code == 201
        assert hold(user_client, ShowFactory(), {"seat_numbers": list(range(1, 11))}).status_code == 201

    def test_booking_is_not_limited_by_holds(self, user_client, show):
        hold(user_client, show, {"seat_numbers": list(range(1, 11))})

        assert book(user_client, show, {"seat_numbers": list(range(11, 21))}).status_code == 201


class TestConfirm:
    def test_confirm_turns_the_hold_into_a_confirmed_booking(self, user_client, other_client, show):
        held = hold(user_client, show, {"seat_numbers": [4, 5]}).json()

        response = confirm(user_client, held["id"])

        assert response.status_code == 200
        codes = dict(Ticket.objects.values_list("seat_number", "code"))
        assert response.json() == {**held, "status": "CONFIRMED",
                                   "seats": [{**seat, "ticket_code": codes[seat["number"]]} for seat in held["seats"]]}
        assert set(Ticket.objects.values_list("held_until", flat=True)) == {None}
        with clock_at(HOLD_SECONDS + 1):
            # Sold, not held: the seats stay taken after the hold's deadline.
            assert book(other_client, show, {"seat_number": 4}).status_code == 409
            assert seat_availability(other_client, show) == (48, ["A4", "A5"])

    def test_confirming_twice_answers_the_same_booking(self, user_client, show):
        booking_id = hold(user_client, show, {"seat_number": 4}).json()["id"]
        first = confirm(user_client, booking_id)

        second = confirm(user_client, booking_id)

        assert second.status_code == 200
        assert second.json() == first.json()

    def test_a_booked_booking_confirms_as_itself(self, user_client, show):
        booked = book(user_client, show, {"seat_number": 4}).json()

        response = confirm(user_client, booked["id"])

        assert response.status_code == 200
        assert response.json() == booked

    def test_after_expires_at_confirm_is_409_hold_expired_and_nothing_changes(self, user_client, show):
        booking_id = hold(user_client, show, {"seat_number": 4}).json()["id"]

        with clock_at(HOLD_SECONDS + 1):
            response = confirm(user_client, booking_id)
            read = user_client.get(f"/api/bookings/{booking_id}/").json()

        assert response.status_code == 409
        assert response.json()["code"] == "hold_expired"
        assert read["status"] == "EXPIRED"
        assert Booking.objects.get().status == Booking.Status.HELD  # recorded later; it reads EXPIRED already

    def test_a_cancelled_booking_cannot_be_confirmed(self, user_client, show):
        booking_id = hold(user_client, show, {"seat_number": 4}).json()["id"]
        cancel(user_client, booking_id)

        response = confirm(user_client, booking_id)

        assert response.status_code == 409
        assert response.json()["code"] == "booking_cancelled"

    def test_once_the_show_has_started_confirm_is_400(self, user_client, show):
        booking_id = hold(user_client, show, {"seat_number": 4}).json()["id"]
        show.starts_at = timezone.now() - timedelta(seconds=1)
        show.save()

        response = confirm(user_client, booking_id)

        assert response.status_code == 400
        assert response.json()["code"] == "show_started"
        assert Booking.objects.get().status == Booking.Status.HELD

    def test_only_the_owner_confirms(self, user_client, other_client, staff_client, api_client, show):
        booking_id = hold(user_client, show, {"seat_number": 4}).json()["id"]

        assert confirm(other_client, booking_id).status_code == 404
        assert confirm(staff_client, booking_id).status_code == 403
        assert confirm(api_client, booking_id).status_code == 401
        assert confirm(user_client, 424242).status_code == 404
        assert Booking.objects.get().status == Booking.Status.HELD

    def test_query_count_is_bounded(self, user_client, show, django_assert_max_num_queries):
        booking_id = hold(user_client, show, {"seat_numbers": list(range(1, 11))}).json()["id"]

        # Token user, booking and its tickets, the show's lock, the booking again inside it, two updates, the
        # answer's booking and tickets, and the test transaction's savepoint pair.
        with django_assert_max_num_queries(11):
            assert confirm(user_client, booking_id).status_code == 200


class TestExpiry:
    def test_the_instant_a_hold_expires_its_seats_are_free_for_anyone(self, user_client, other_client, show):
        booking_id = hold(user_client, show, {"seat_numbers": [1, 2]}).json()["id"]

        with clock_at(HOLD_SECONDS + 1):
            assert seat_availability(other_client, show) == (50, [])
            assert available_seats(other_client, show) == 50
            response = book(other_client, show, {"seat_numbers": [2, 3]})
            read = user_client.get(f"/api/bookings/{booking_id}/").json()

        assert response.status_code == 201
        assert read["status"] == "EXPIRED"
        # The sale released the dead hold under the show's lock: the rows say so too.
        held = Booking.objects.get(pk=booking_id)
        assert held.status == Booking.Status.EXPIRED
        assert not held.tickets.filter(is_active=True).exists()
        assert sorted(Ticket.objects.filter(is_active=True).values_list("seat_number", flat=True)) == [2, 3]

    def test_a_dead_hold_can_be_held_again_by_its_owner(self, user_client, show):
        hold(user_client, show, {"seat_number": 1})

        with clock_at(HOLD_SECONDS + 1):
            response = hold(user_client, show, {"seat_number": 1})

        assert response.status_code == 201

    def test_a_hold_still_alive_one_second_before_its_deadline(self, user_client, other_client, show):
        hold(user_client, show, {"seat_number": 1})

        with clock_at(HOLD_SECONDS - 1):
            assert book(other_client, show, {"seat_number": 1}).status_code == 409

    def test_cancelling_an_expired_hold_answers_it_still_expired(self, user_client, show):
        booking_id = hold(user_client, show, {"seat_number": 1}).json()["id"]

        with clock_at(HOLD_SECONDS + 1):
            response = cancel(user_client, booking_id)

        assert response.status_code == 200
        assert response.json()["status"] == "EXPIRED"
        assert response.json()["cancelled_at"] is None

    def test_expire_holds_records_dead_holds_and_leaves_live_ones(self, user_client, other_client, show):
        dead = hold(user_client, show, {"seat_numbers": [1, 2]}).json()["id"]
        other_show = ShowFactory()
        dead_elsewhere = hold(user_client, other_show, {"seat_number": 1}).json()["id"]
        with clock_at(HOLD_SECONDS / 2):
            alive = hold(other_client, show, {"seat_number": 3}).json()["id"]
        sold = book(other_client, show, {"seat_number": 4}).json()["id"]
        out = StringIO()

        with clock_at(HOLD_SECONDS + 1):
            call_command("expire_holds", stdout=out)

        assert out.getvalue().strip() == "Expired 2 hold(s)."
        statuses = dict(Booking.objects.values_list("pk", "status"))
        assert statuses == {dead: "EXPIRED", dead_elsewhere: "EXPIRED", alive: "HELD", sold: "CONFIRMED"}
        live = sorted(Ticket.objects.filter(is_active=True).values_list("booking_id", "seat_number"))
        assert live == [(alive, 3), (sold, 4)]


class TestCancelHold:
    def test_cancel_frees_the_seats_at_once(self, user_client, other_client, show):
        booking_id = hold(user_client, show, {"seat_numbers": [1, 2]}).json()["id"]

        response = cancel(user_client, booking_id)

        assert response.status_code == 200
        assert response.json()["status"] == "CANCELLED"
        assert response.json()["cancelled_at"] is not None
        assert response.json()["expires_at"] is not None
        assert book(other_client, show, {"seat_numbers": [1, 2]}).status_code == 201


class TestMyBookingsByStatus:
    def test_each_of_the_four_statuses_filters(self, user_client, show):
        held = hold(user_client, show, {"seat_number": 1}).json()["id"]
        confirmed = book(user_client, show, {"seat_number": 2}).json()["id"]
        cancelled = book(user_client, show, {"seat_number": 3}).json()["id"]
        cancel(user_client, cancelled)
        with clock_at(-HOLD_SECONDS - 1):
            expired = hold(user_client, show, {"seat_number": 4}).json()["id"]  # already dead now

        def listed(status):
            page = user_client.get(f"/api/my-bookings/?status={status}").json()
            return [booking["id"] for booking in page["results"]]

        assert listed("HELD") == [held]
        assert listed("CONFIRMED") == [confirmed]
        assert listed("CANCELLED") == [cancelled]
        assert listed("EXPIRED") == [expired]
        assert user_client.get("/api/my-bookings/?status=GONE").status_code == 400


class TestIdempotentHold:
    def test_a_retry_replays_the_first_hold(self, user_client, show):
        first = hold(user_client, show, {"seat_number": 1}, HTTP_IDEMPOTENCY_KEY="pay-1")

        retry = hold(user_client, show, {"seat_number": 1}, HTTP_IDEMPOTENCY_KEY="pay-1")

        assert first.status_code == retry.status_code == 201
        assert retry.json() == first.json()
        assert retry["Idempotent-Replayed"] == "true"
        assert Booking.objects.count() == 1

    def test_the_same_key_for_a_booking_is_a_reuse(self, user_client, show):
        hold(user_client, show, {"seat_number": 1}, HTTP_IDEMPOTENCY_KEY="pay-1")

        response = book(user_client, show, {"seat_number": 1}, HTTP_IDEMPOTENCY_KEY="pay-1")

        assert response.status_code == 422
        assert response.json()["code"] == "idempotency_key_reused"


class TestAdmin:
    def test_holds_are_listed_by_their_status_as_clients_see_it(self, admin_client, show):
        live = booking_with_seats(show, [1])
        Booking.objects.filter(pk=live.pk).update(status="HELD", expires_at=timezone.now() + timedelta(minutes=5))
        dead = booking_with_seats(show, [2])
        Booking.objects.filter(pk=dead.pk).update(status="HELD", expires_at=timezone.now() - timedelta(minutes=5))

        held = admin_client.get("/admin/bookings/booking/?status=HELD")
        expired = admin_client.get("/admin/bookings/booking/?status=EXPIRED")

        assert [row.pk for row in held.context["cl"].result_list] == [live.pk]
        assert [row.pk for row in expired.context["cl"].result_list] == [dead.pk]

    def test_the_cancel_action_cancels_a_hold(self, admin_client, user_client, other_client, show):
        booking_id = hold(user_client, show, {"seat_number": 1}).json()["id"]

        admin_client.post("/admin/bookings/booking/", {"action": "cancel_selected", "_selected_action": [booking_id]})

        assert Booking.objects.get(pk=booking_id).status == Booking.Status.CANCELLED
        assert book(other_client, show, {"seat_number": 1}).status_code == 201
