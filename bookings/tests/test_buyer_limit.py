"""MAX_SEATS_PER_BUYER: one buyer's live seats of one show, held and confirmed together, stay within it."""
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bookings import services
from bookings.exceptions import BuyerLimitReached
from bookings.models import Booking, Ticket
from bookings.tests.test_races import run_at_once
from conftest import bearer_client
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory


@pytest.fixture
def show(db):
    return ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10))


@pytest.fixture(autouse=True)
def limit(settings):
    settings.MAX_SEATS_PER_BUYER = 6
    return 6


def post(client, show, action, seats):
    return client.post(f"/api/shows/{show.id}/{action}/", {"seat_numbers": seats}, format="json")


@pytest.mark.django_db
class TestThroughTheApi:
    def test_the_seat_past_the_limit_is_refused_and_nothing_written(self, user_client, show):
        assert post(user_client, show, "book", [1, 2, 3, 4]).status_code == 201
        assert post(user_client, show, "book", [5, 6]).status_code == 201

        refused = post(user_client, show, "book", [7])

        assert refused.status_code == 400
        assert refused.json() == {"detail": BuyerLimitReached.message, "code": "buyer_limit", "limit": 6}
        assert Booking.objects.count() == 2
        assert Ticket.objects.filter(is_active=True).count() == 6

    def test_hold_confirm_hold_again_is_bounded_too(self, user_client, show):
        held = post(user_client, show, "hold", [1, 2, 3, 4]).json()
        assert user_client.post(f"/api/bookings/{held['id']}/confirm/").json()["status"] == "CONFIRMED"
        assert post(user_client, show, "hold", [5, 6]).status_code == 201

        refused = post(user_client, show, "hold", [7])

        assert refused.status_code == 400
        assert refused.json()["code"] == "buyer_limit"
        assert Ticket.objects.filter(is_active=True).count() == 6

    def test_cancelled_seats_give_room_back_and_other_shows_count_apart(self, user_client, show):
        booked = post(user_client, show, "book", [1, 2, 3, 4, 5, 6]).json()
        assert post(user_client, ShowFactory(), "book", [1, 2, 3, 4, 5, 6]).status_code == 201
        user_client.post(f"/api/bookings/{booked['id']}/cancel/")

        assert post(user_client, show, "book", [11, 12, 13, 14, 15, 16]).status_code == 201

    def test_staff_at_the_box_office_are_exempt(self, staff_client, show):
        for seats in ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]):
            assert post(staff_client, show, "book", seats).status_code == 201

    def test_each_buyer_has_a_limit_of_their_own(self, user_client, show):
        assert post(user_client, show, "book", [1, 2, 3, 4, 5, 6]).status_code == 201

        assert post(bearer_client(UserFactory()), show, "book", [7, 8, 9, 10, 11, 12]).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_of_one_buyer_never_pass_the_limit(show):
    buyer = UserFactory()
    # Eight requests of 2 seats at once, each for seats of its own: room for three.
    outcomes = run_at_once(8, lambda i: services.book_seats(user=buyer, show=show,
                                                            seat_numbers=[2 * i + 1, 2 * i + 2]))

    assert sum(isinstance(outcome, Booking) for outcome in outcomes) == 3
    assert sum(isinstance(outcome, BuyerLimitReached) for outcome in outcomes) == 5
    assert Ticket.objects.filter(show=show, is_active=True).count() == 6


@pytest.mark.django_db
def test_the_buyers_seats_are_counted_from_their_bookings_not_the_shows_tickets(show):
    """Every booking counts the buyer's seats under the show's lock: read from the show's tickets, that count cost
    more with every seat sold. The plan starts from the buyer's bookings of the show, by their index."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN names the index; PostgreSQL's planner chooses by its statistics")
    buyer = UserFactory()
    moment = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {services._live_seats_sql(connection, False)}",
                       [moment, moment, show.pk, buyer.pk])
        plan = [row[-1] for row in cursor.fetchall()]

    assert "bookings_booking_buyer_show" in plan[0]
    assert plan[1].startswith("SEARCH ticket USING INDEX")


@pytest.mark.django_db
def test_the_count_is_the_buyers_own_live_seats_of_the_show(show):
    buyer, other = UserFactory(), UserFactory()
    services.book_seats(user=buyer, show=show, seat_numbers=[1, 2])
    services.hold_seats(user=buyer, show=show, seat_numbers=[3])
    cancelled = services.book_seats(user=buyer, show=show, seat_numbers=[4])
    services.cancel_booking(booking=cancelled)
    services.book_seats(user=other, show=show, seat_numbers=[5])
    services.book_seats(user=buyer, show=ShowFactory(screen=show.screen, starts_at=show.starts_at
                                                      + timedelta(days=1)), seat_numbers=[6])

    assert services._live_seats_of(buyer, show, timezone.now()) == {"held": 1, "live": 3}
