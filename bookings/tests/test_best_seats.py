"""Seats chosen for the buyer and lonely seats, through HTTP (API.md, "Seats chosen for the buyer, and no lonely
seats"): the `count` form of body, the best block, 409 no_seats_together and lonely_seat; bad input writes nothing."""
from decimal import Decimal

import pytest

from bookings import services
from bookings.models import Booking, Ticket, Voucher
from conftest import bearer_client, staff_with_permissions
from movies.models import TicketType
from movies.tests.factories import ScreenFactory, ShowFactory

pytestmark = pytest.mark.django_db


def book(client, show, body, **headers):
    return client.post(f"/api/shows/{show.id}/book/", body, format="json", **headers)


def sell(show, *seats):
    """Sell `seats` at the box office, which no buyer limit or lonely-seat rule refuses."""
    services.book_seats(user=staff_with_permissions("bookings.sell_at_box_office"), show=show,
                        seat_numbers=list(seats))


def labels(response):
    return [seat["label"] for seat in response.json()["seats"]]


@pytest.fixture
def show(db):
    return ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10), price=Decimal("9.50"))


class TestBestAvailable:
    def test_an_empty_screen_gets_the_block_centred_in_row_d(self, user_client, show):
        response = book(user_client, show, {"count": 3})
        assert response.status_code == 201, response.json()
        assert labels(response) == ["D4", "D5", "D6"]
        assert response.json()["status"] == "CONFIRMED"

    def test_the_next_buyers_get_the_nearest_blocks_row_before_column(self, user_client, show):
        sell(show, *range(31, 41))  # row D sold out
        assert labels(book(user_client, show, {"count": 2})) == ["C5", "C6"]
        # C1-C4 and C7-C10 are as near the middle: the left one.
        assert labels(book(user_client, show, {"count": 4})) == ["C1", "C2", "C3", "C4"]

    def test_a_screen_names_its_best_row(self, user_client, show):
        show.screen.best_row = "B"
        show.screen.save()
        assert labels(book(user_client, show, {"count": 2})) == ["B5", "B6"]

    def test_category_and_types_from_left_to_right(self, user_client):
        TicketType.objects.create(code="child", name="Child", discount_percent=Decimal("50"))
        screen = ScreenFactory(rows=3, seats_per_row=6, layout=["ssssss", "pp..pp", "aassaa"])
        show = ShowFactory(screen=screen, price=Decimal("10.00"), premium_price=Decimal("14.00"))
        response = book(user_client, show, {"count": 2, "category": "premium", "types": ["adult", "child"]})
        assert response.status_code == 201, response.json()
        seats = response.json()["seats"]
        assert [(seat["label"], seat["category"], seat["ticket_type"], seat["price"]) for seat in seats] == [
            ("B1", "premium", "adult", "14.00"), ("B2", "premium", "child", "7.00")]

    def test_the_block_leaves_no_lonely_seat_where_another_would_not(self, user_client, show):
        # Row D: D1-D3 sold, D7 and D10 sold: the middle 3 (D4-D6) leave none; 2 seats in D4-D6 would leave one.
        sell(show, 31, 32, 33, 37, 40)
        response = book(user_client, show, {"count": 2})
        assert labels(response) == ["D8", "D9"]

    def test_no_block_left_is_409_with_the_free_seats_and_writes_nothing(self, user_client):
        show = ShowFactory(screen=ScreenFactory(rows=1, seats_per_row=5))
        sell(show, 2, 4)
        before = Ticket.objects.count()
        response = book(user_client, show, {"count": 2})
        assert response.status_code == 409
        assert response.json()["code"] == "no_seats_together"
        assert response.json()["available_seats"] == 3
        assert Ticket.objects.count() == before

    def test_a_hold_is_chosen_the_same_way(self, user_client, show):
        response = user_client.post(f"/api/shows/{show.id}/hold/", {"count": 2}, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "HELD"
        assert labels(response) == ["D5", "D6"]
        assert labels(book(user_client, show, {"count": 2})) == ["D3", "D4"]

    def test_a_voucher_applies(self, user_client, show):
        Voucher.objects.create(code="HALF", discount_percent=Decimal("50"))
        response = book(user_client, show, {"count": 2, "voucher": "half"})
        assert response.json()["total_price"] == "9.50"

    def test_an_idempotency_key_books_once(self, user_client, show):
        first = book(user_client, show, {"count": 2}, HTTP_IDEMPOTENCY_KEY="best-1")
        again = book(user_client, show, {"count": 2}, HTTP_IDEMPOTENCY_KEY="best-1")
        assert again.status_code == 201
        assert again.json() == first.json()
        assert Booking.objects.count() == 1

    def test_a_chosen_booking_is_ten_queries_however_many_seats(self, user_client, show,
                                                               django_assert_max_num_queries):
        # As a booking of named seats, less the early check: the token's user, the show, the ticket types; in
        # the transaction the show's lock, the show's live tickets, the buyer's live seats, two inserts (and
        # the test transaction's savepoint pair).
        sell(show, 35, 36)
        with django_assert_max_num_queries(10):
            assert book(user_client, show, {"count": 10}).status_code == 201

    def test_no_lonely_seats_costs_one_read_of_the_show(self, user_client, show, django_assert_max_num_queries):
        show.screen.no_lonely_seats = True
        show.screen.save()
        with django_assert_max_num_queries(12):
            assert book(user_client, show, {"seat_numbers": ["D4", "D5"]}).status_code == 201

    @pytest.mark.parametrize(("body", "field"), [
        ({"count": 0}, "count"),
        ({"count": 11}, "count"),
        ({"count": "two"}, "count"),
        ({"count": 2, "category": "blocked"}, "category"),
        ({"count": 2, "types": ["adult"]}, "types"),
        ({"count": 2, "seat_numbers": [1, 2]}, "non_field_errors"),
        ({"seat_numbers": [1], "category": "premium"}, "category"),
    ])
    def test_bad_bodies_are_400_and_write_nothing(self, user_client, show, body, field):
        response = book(user_client, show, body)
        assert response.status_code == 400
        assert field in response.json()
        assert not Booking.objects.exists()

    def test_a_type_the_show_does_not_sell_is_400_on_tickets(self, user_client, show):
        response = book(user_client, show, {"count": 1, "types": ["nobody"]})
        assert response.status_code == 400
        assert "tickets" in response.json()
        assert not Booking.objects.exists()


class TestNoLonelySeats:
    @pytest.fixture
    def show(self, db):
        return ShowFactory(screen=ScreenFactory(rows=3, seats_per_row=10, no_lonely_seats=True))

    def test_a_choice_that_leaves_a_lonely_seat_is_409_naming_it(self, user_client, show):
        sell(show, 23)  # C3 sold
        response = book(user_client, show, {"seat_numbers": ["C5", "C6"]})
        assert response.status_code == 409
        assert response.json()["code"] == "lonely_seat"
        assert response.json()["seats"] == ["C4"]
        assert Booking.objects.count() == 1  # the box office's sale of C3 alone

    def test_beside_the_taken_seat_is_fine(self, user_client, show):
        sell(show, 23)
        assert book(user_client, show, {"seat_numbers": ["C4", "C5"]}).status_code == 201

    def test_allowed_when_every_choice_in_the_run_leaves_one(self, user_client, show):
        sell(show, 21, 25, *range(26, 31))  # C2-C4 is a run of three
        assert book(user_client, show, {"seat_numbers": ["C2", "C3"]}).status_code == 201

    def test_staff_at_the_box_office_are_not_refused(self, show):
        sell(show, 23)
        box_office = bearer_client(staff_with_permissions("bookings.sell_at_box_office"))
        assert book(box_office, show, {"seat_numbers": ["C5", "C6"]}).status_code == 201

    def test_a_screen_without_the_rule_sells_it(self, user_client):
        show = ShowFactory(screen=ScreenFactory(rows=3, seats_per_row=10))
        sell(show, 23)
        assert book(user_client, show, {"seat_numbers": ["C5", "C6"]}).status_code == 201


class TestScreenFields:
    def test_read_with_the_default_best_row(self, api_client):
        screen = ScreenFactory(rows=10, seats_per_row=8)
        body = api_client.get(f"/api/screens/{screen.id}/").json()
        assert (body["best_row"], body["no_lonely_seats"]) == ("G", False)

    def test_staff_write_both(self, staff_client):
        screen = ScreenFactory(rows=5, seats_per_row=8)
        response = staff_client.patch(f"/api/screens/{screen.id}/", {"best_row": "b", "no_lonely_seats": True},
                                      format="json")
        assert response.status_code == 200, response.json()
        screen.refresh_from_db()
        assert (screen.best_row, screen.no_lonely_seats) == ("B", True)
        assert staff_client.patch(f"/api/screens/{screen.id}/", {"best_row": None},
                                  format="json").json()["best_row"] == "D"

    @pytest.mark.parametrize("best_row", ["F", "A1", "ZZZZ", 7])
    def test_a_row_the_screen_lacks_is_400_on_best_row(self, staff_client, best_row):
        screen = ScreenFactory(rows=5, seats_per_row=8)
        response = staff_client.patch(f"/api/screens/{screen.id}/", {"best_row": best_row}, format="json")
        assert response.status_code == 400
        assert "best_row" in response.json()
        screen.refresh_from_db()
        assert screen.best_row == ""
