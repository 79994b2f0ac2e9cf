"""Booking, listing and cancelling through HTTP, as API.md describes them."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from bookings.models import Booking, Ticket
from bookings.tests.factories import booked_seat, booking_with_seats, ticket_code
from conftest import bearer_client
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def show(db):
    """Tomorrow, 5 rows of 10 seats, 9.50 a seat."""
    return ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10), price=Decimal("9.50"))


def book(client, show, body, **headers):
    return client.post(f"/api/shows/{show.id}/book/", body, format="json", **headers)


def live_seats(show):
    return sorted(Ticket.objects.filter(show=show, is_active=True).values_list("seat_number", flat=True))


class TestBook:
    def test_one_seat(self, user_client, user, show):
        response = book(user_client, show, {"seat_number": 5})

        assert response.status_code == 201
        body = response.json()
        booking = Booking.objects.get()
        assert body == {
            "id": booking.id,
            "show": {"id": show.id, "movie": {"id": show.movie.id, "title": show.movie.title},
                     "screen": {"id": show.screen.id, "name": show.screen.name},
                     "starts_at": show.starts_at.isoformat().replace("+00:00", "Z")},
            "seats": [booked_seat(5, "A5", ticket_code=ticket_code(show, 5))],
            "status": "CONFIRMED",
            "total_price": "9.50",
            "voucher": None,
            "currency": "EUR",
            "created_at": body["created_at"],
            "expires_at": None,
            "cancelled_at": None,
            "payment": None,
        }
        assert booking.user == user
        assert live_seats(show) == [5]

    def test_labels_digits_and_numbers_mixed(self, user_client, show):
        response = book(user_client, show, {"seat_numbers": [12, "13", "b4", "C7", " e10 "]})

        assert response.status_code == 201
        assert response.json()["seats"] == [
            booked_seat(number, label, ticket_code=ticket_code(show, number))
            for number, label in [(12, "B2"), (13, "B3"), (14, "B4"), (27, "C7"), (50, "E10")]
        ]
        assert response.json()["total_price"] == "47.50"

    def test_price_is_fixed_at_booking_time(self, user_client, show):
        booking_id = book(user_client, show, {"seat_numbers": [1, 2]}).json()["id"]
        show.price = Decimal("20.00")
        show.save()

        assert user_client.get(f"/api/bookings/{booking_id}/").json()["total_price"] == "19.00"

    def test_all_or_nothing_names_the_taken_seats(self, user_client, show):
        booking_with_seats(show, [6, 8])

        response = book(user_client, show, {"seat_numbers": [5, 6, 7, "A8"]})

        assert response.status_code == 409
        assert response.json() == {"detail": response.json()["detail"], "code": "seat_unavailable",
                                   "seats": ["A6", "A8"]}
        assert live_seats(show) == [6, 8]
        assert Booking.objects.count() == 1

    def test_a_cancelled_seat_can_be_booked_again(self, user_client, show):
        booking_with_seats(show, [5], cancelled=True)

        assert book(user_client, show, {"seat_number": "A5"}).status_code == 201

    @pytest.mark.parametrize(
        "body",
        [
            {"seat_number": 0},
            {"seat_number": -1},
            {"seat_number": 51},
            {"seat_number": 10**30},
            {"seat_number": "F1"},
            {"seat_number": "A11"},
            {"seat_number": "A0"},
            {"seat_number": "five"},
            {"seat_number": 5.0},
            {"seat_number": 5.5},
            {"seat_number": "5.0"},
            {"seat_number": True},
            {"seat_number": None},
            {"seat_number": [5]},
            {"seat_number": {"n": 5}},
            {"seat_number": ""},
            {"seat_number": "٣"},
            {"seat_number": "x" * 10_000},
            {"seat_numbers": []},
            {"seat_numbers": [5, 5]},
            {"seat_numbers": [5, "A5"]},
            {"seat_numbers": ["a5", "A5"]},
            {"seat_numbers": list(range(1, 12))},
            {"seat_numbers": [1, None]},
            {"seat_numbers": [1, True]},
            {"seat_numbers": [1, 2.5]},
            {"seat_numbers": 5},
            {"seat_numbers": "1,2"},
            {"seat_numbers": None},
            {"seat_numbers": ["x" * 10_000]},
            {"seat_number": 5, "seat_numbers": [6]},
            {},
            {"seats": [5]},
        ],
    )
    def test_bad_input_is_400_and_books_nothing(self, user_client, show, body):
        response = book(user_client, show, body)

        assert response.status_code == 400, response.json()
        assert response["Content-Type"] == "application/json"
        assert not Booking.objects.exists()
        assert not Ticket.objects.exists()

    def test_a_long_seat_list_is_refused_by_its_length_before_its_entries(self, user_client, show):
        response = book(user_client, show, {"seat_numbers": list(range(1, 10_001))})

        assert response.status_code == 400
        assert response.json() == {"seat_numbers": ["Ensure this field has no more than 10 elements."]}
        assert not Booking.objects.exists()

    @pytest.mark.parametrize("raw", ["not json", "[5]", "5", '"A5"', "null", '{"seat_number": 5'])
    def test_body_that_is_not_a_json_object_is_400(self, user_client, show, raw):
        response = user_client.post(f"/api/shows/{show.id}/book/", raw, content_type="application/json")

        assert response.status_code == 400
        assert not Booking.objects.exists()

    def test_a_booking_is_eight_queries_however_many_seats(self, user_client, show, django_assert_max_num_queries):
        # The token's user; the show with the default ticket type and the seats' early check; in the transaction
        # the show's lock, the seats' tickets with the buyer's live seats (MAX_SEATS_PER_BUYER), the inserts of
        # the booking, its tickets and the mail's task. The answer is built without reading back.
        with django_assert_max_num_queries(8):
            assert book(user_client, show, {"seat_numbers": list(range(1, 11))}).status_code == 201

    def test_a_refusal_of_taken_seats_is_two_reads_and_no_transaction(self, user_client, show,
                                                                       django_assert_num_queries):
        booking_with_seats(show, [4])

        with django_assert_num_queries(2):  # the token's user; the show, its screen and those seats
            response = book(user_client, show, {"seat_numbers": [3, 4]})
        assert (response.status_code, response.json()["seats"]) == (409, ["A4"])

    def test_seats_given_by_label_are_refused_before_the_lock_too(self, user_client, show,
                                                                  django_assert_num_queries):
        booking_with_seats(show, [4])

        with django_assert_num_queries(3):  # the seats are known after the show: they are read on their own
            response = book(user_client, show, {"seat_numbers": ["a3", "A4"]})
        assert (response.status_code, response.json()["seats"]) == (409, ["A4"])

    def test_ten_seats_is_the_limit(self, user_client, show):
        assert book(user_client, show, {"seat_numbers": list(range(1, 11))}).status_code == 201

    def test_started_show_is_refused(self, user_client):
        started = ShowFactory(starts_at=timezone.now() - timedelta(minutes=1))

        response = book(user_client, started, {"seat_number": 1})

        assert response.status_code == 400
        assert response.json()["code"] == "show_started"
        assert not Booking.objects.exists()

    def test_unknown_show_is_404(self, user_client):
        response = user_client.post("/api/shows/999999/book/", {"seat_number": 1}, format="json")

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_anonymous_is_401(self, api_client, show):
        response = book(api_client, show, {"seat_number": 1})

        assert response.status_code == 401
        assert not Booking.objects.exists()

    @override_settings(THROTTLE_BOOKING="2/day")  # a day: no throttle window ends within the test
    def test_throttled_per_user(self, user_client, show):
        statuses = [book(user_client, show, {"seat_number": seat}).status_code for seat in (1, 2, 3)]
        other_user = book(bearer_client(UserFactory()), show, {"seat_number": 4})

        assert statuses == [201, 201, 429]
        assert other_user.status_code == 201
        assert live_seats(show) == [1, 2, 4]


class TestReadBookings:
    def test_my_bookings_newest_first_and_only_mine(self, user_client, user, show):
        older = booking_with_seats(show, [1], user=user)
        newer = booking_with_seats(show, [2], user=user)
        booking_with_seats(show, [3])

        response = user_client.get("/api/my-bookings/")

        assert response.json()["count"] == 2
        assert [booking["id"] for booking in response.json()["results"]] == [newer.id, older.id]

    def test_status_and_upcoming_filters(self, user_client, user, show):
        confirmed = booking_with_seats(show, [1], user=user)
        cancelled = booking_with_seats(show, [2], user=user, cancelled=True)
        past = booking_with_seats(ShowFactory(starts_at=timezone.now() - timedelta(days=2)), [1], user=user)

        def listed(query):
            return {booking["id"] for booking in user_client.get(f"/api/my-bookings/?{query}").json()["results"]}

        assert listed("status=CONFIRMED") == {confirmed.id, past.id}
        assert listed("status=CANCELLED") == {cancelled.id}
        assert listed("upcoming=true") == {confirmed.id, cancelled.id}
        assert listed("upcoming=false") == {past.id}
        assert listed("status=CONFIRMED&upcoming=true") == {confirmed.id}

    @pytest.mark.parametrize("query", ["status=DONE", "status=confirmed", "upcoming=maybe"])
    def test_invalid_filters_are_400(self, user_client, query):
        assert user_client.get(f"/api/my-bookings/?{query}").status_code == 400

    def test_my_bookings_query_count_is_constant(self, user_client, user, django_assert_max_num_queries):
        for hour in range(25):
            booking_with_seats(ShowFactory(starts_at=timezone.now() + timedelta(hours=hour + 1)),
                               range(1, 11), user=user)

        # The token's user, the count, the page of bookings, all their tickets.
        with django_assert_max_num_queries(4):
            response = user_client.get("/api/my-bookings/?page_size=100")

        assert len(response.json()["results"]) == 25
        assert all(len(booking["seats"]) == 10 for booking in response.json()["results"])

    def test_detail_for_owner_and_staff_404_for_others(self, user_client, user, staff_client, show):
        mine = booking_with_seats(show, [1, 2], user=user)
        theirs = booking_with_seats(show, [3])

        assert user_client.get(f"/api/bookings/{mine.id}/").json()["seats"] == [
            booked_seat(1, "A1", ticket_code=ticket_code(show, 1)),
            booked_seat(2, "A2", ticket_code=ticket_code(show, 2))]
        assert user_client.get(f"/api/bookings/{theirs.id}/").status_code == 404
        assert user_client.get("/api/bookings/999999/").status_code == 404
        assert user_client.get(f"/api/bookings/{theirs.id}/").json() == \
            user_client.get("/api/bookings/999999/").json()
        assert staff_client.get(f"/api/bookings/{theirs.id}/").status_code == 200

    def test_detail_query_count_is_constant(self, user_client, user, show, django_assert_max_num_queries):
        booking = booking_with_seats(show, range(1, 11), user=user)

        with django_assert_max_num_queries(3):
            assert user_client.get(f"/api/bookings/{booking.id}/").status_code == 200

    def test_lists_need_a_token(self, api_client):
        assert api_client.get("/api/my-bookings/").status_code == 401
        assert api_client.get("/api/bookings/1/").status_code == 401


class TestCancel:
    def test_cancel_frees_the_seats_and_keeps_the_booking(self, user_client, user, show, api_client):
        booking_id = book(user_client, show, {"seat_numbers": [1, 2]}).json()["id"]

        response = user_client.post(f"/api/bookings/{booking_id}/cancel/")

        assert response.status_code == 200
        assert response.json()["status"] == "CANCELLED"
        assert response.json()["cancelled_at"] is not None
        assert response.json()["seats"] == [booked_seat(1, "A1"), booked_seat(2, "A2")]
        assert live_seats(show) == []
        assert api_client.get(f"/api/shows/{show.id}/").json()["available_seats"] == 50
        assert book(user_client, show, {"seat_numbers": [1, 2]}).status_code == 201

    def test_cancel_is_idempotent(self, user_client, show):
        booking_id = book(user_client, show, {"seat_number": 1}).json()["id"]

        first = user_client.post(f"/api/bookings/{booking_id}/cancel/")
        second = user_client.post(f"/api/bookings/{booking_id}/cancel/")

        assert second.status_code == 200
        assert second.json() == first.json()

    def test_cancel_after_the_show_started_is_refused(self, user_client, user):
        started = ShowFactory(starts_at=timezone.now() - timedelta(minutes=5))
        booking = booking_with_seats(started, [1], user=user)

        response = user_client.post(f"/api/bookings/{booking.id}/cancel/")

        assert response.status_code == 400
        assert response.json()["code"] == "show_started"
        assert live_seats(started) == [1]

    def test_another_users_booking_is_404_and_staff_get_403(self, user_client, staff_client, show):
        theirs = booking_with_seats(show, [3])

        assert user_client.post(f"/api/bookings/{theirs.id}/cancel/").status_code == 404
        assert user_client.post("/api/bookings/999999/cancel/").status_code == 404
        forbidden = staff_client.post(f"/api/bookings/{theirs.id}/cancel/")
        assert forbidden.status_code == 403
        assert forbidden.json()["code"] == "permission_denied"
        assert live_seats(show) == [3]

    def test_anonymous_is_401(self, api_client, show):
        booking = booking_with_seats(show, [3])

        assert api_client.post(f"/api/bookings/{booking.id}/cancel/").status_code == 401
        assert live_seats(show) == [3]
