"""Seating layouts and prices per category, as API.md's "Seating layouts and prices" describes them."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from bookings.models import Booking, Ticket
from bookings.tests.factories import booked_seat, booking_with_seats, ticket_code
from movies import seating
from movies.models import Screen, Show
from movies.tests.factories import ScreenFactory, ShowFactory

pytestmark = pytest.mark.django_db

# API.md's example: 4 rows of 10 with an aisle at places 5 and 6.
AISLE = ["ssss..ssss", "ssss..ssss", "pppp..pppp", "aa........"]


@pytest.fixture
def aisle_show(db):
    """Tomorrow on API.md's example layout, with a blocked seat at B10; 9.50 standard, 14.00 premium."""
    screen = ScreenFactory(rows=4, seats_per_row=10, layout=[*AISLE[:1], "ssss..sssx", *AISLE[2:]])
    return ShowFactory(screen=screen, price=Decimal("9.50"), premium_price=Decimal("14.00"))


class TestLayoutGrammar:
    @pytest.mark.parametrize(("layout", "message"), [
        (["ssss", "ssss"], "The layout has 2 rows; the screen has 3."),
        (["ssss", "sss", "ssss"], "Row B has 3 places; the screen has 4 seats per row."),
        (["ssss", "ssss", "ssqs"], "Row C, place 3: 'q' is not one of s, p, a, x or '.'."),
        (["ssss", "sSss", "ssss"], "Row B, place 2: 'S' is not one of s, p, a, x or '.'."),
        (["....", "xxxx", "x..x"], "The layout has no seat that can be sold (s, p or a)."),
        ("ssss", "A layout is a list of strings, one per row."),
        ([1, 2, 3], "A layout is a list of strings, one per row."),
    ])
    def test_what_is_wrong_is_named(self, layout, message):
        assert seating.layout_errors(layout, 3, 4) == [message]

    def test_every_wrong_place_is_named(self):
        assert seating.layout_errors(["s?s!"], 1, 4) == ["Row A, place 2: '?' is not one of s, p, a, x or '.'.",
                                                        "Row A, place 4: '!' is not one of s, p, a, x or '.'."]

    def test_capacity_counts_every_place_but_gaps_and_blocked_seats(self):
        assert seating.capacity(AISLE) == 26
        assert seating.capacity(["spax."]) == 3

    def test_a_screen_without_layout_is_all_standard(self):
        screen = Screen(rows=3, seats_per_row=4)

        assert screen.plan == ["ssss"] * 3
        assert screen.capacity == 12
        assert [screen.category_of(n) for n in (1, 12, 13, 0)] == ["standard", "standard", None, None]


class TestScreensThroughTheApi:
    def test_staff_write_a_layout_and_read_its_capacity(self, staff_client, api_client):
        response = staff_client.post("/api/screens/", {"name": "Studio", "rows": 4, "seats_per_row": 10,
                                                       "layout": AISLE}, format="json")

        assert response.status_code == 201
        assert response.json() == {"id": response.json()["id"], "name": "Studio", "rows": 4, "seats_per_row": 10,
                                   "layout": AISLE, "capacity": 26, "best_row": "C", "no_lonely_seats": False}
        assert api_client.get(f"/api/screens/{response.json()['id']}/").json()["capacity"] == 26

    def test_a_screen_written_without_layout_is_all_standard(self, staff_client):
        response = staff_client.post("/api/screens/", {"name": "Plain", "rows": 2, "seats_per_row": 3},
                                     format="json")

        assert response.json()["layout"] == ["sss", "sss"]
        assert response.json()["capacity"] == 6

    @pytest.mark.parametrize(("layout", "message"), [
        (AISLE[:3], "The layout has 3 rows; the screen has 4."),
        ([*AISLE[:3], "aa......."], "Row D has 9 places; the screen has 10 seats per row."),
        ([*AISLE[:3], "aa.....z.."], "Row D, place 8: 'z' is not one of s, p, a, x or '.'."),
        (["." * 10, "x" * 10, "." * 10, "x" * 10], "The layout has no seat that can be sold (s, p or a)."),
        ("ssss..ssss", 'Expected a list of items but got type "str".'),
        ([*AISLE[:3], None], "This field may not be null."),
        ([None] * 10_000, "Ensure this field has no more than 52 elements."),
    ])
    def test_a_wrong_layout_is_400_on_layout_and_writes_nothing(self, staff_client, layout, message):
        response = staff_client.post("/api/screens/", {"name": "Studio", "rows": 4, "seats_per_row": 10,
                                                       "layout": layout}, format="json")

        assert response.status_code == 400
        assert message in str(response.json()["layout"])
        assert not Screen.objects.exists()

    def test_resizing_without_a_layout_resets_it_to_standard_seats(self, staff_client):
        screen = ScreenFactory(rows=4, seats_per_row=10, layout=AISLE)

        response = staff_client.patch(f"/api/screens/{screen.id}/", {"rows": 5}, format="json")

        assert response.json()["layout"] == ["s" * 10] * 5
        assert response.json()["capacity"] == 50

    def test_renaming_keeps_the_layout(self, staff_client):
        screen = ScreenFactory(rows=4, seats_per_row=10, layout=AISLE)

        assert staff_client.patch(f"/api/screens/{screen.id}/", {"name": "Studio 2"}).json()["layout"] == AISLE

    def test_a_resize_must_fit_the_layout_sent_with_it(self, staff_client):
        screen = ScreenFactory(rows=4, seats_per_row=10)

        response = staff_client.patch(f"/api/screens/{screen.id}/", {"rows": 5, "layout": AISLE}, format="json")

        assert response.status_code == 400
        assert response.json() == {"layout": ["The layout has 4 rows; the screen has 5."]}

    @pytest.mark.parametrize("hold", [False, True])
    def test_the_layout_of_a_screen_with_live_tickets_or_holds_cannot_change(self, staff_client, aisle_show, hold):
        booking = booking_with_seats(aisle_show, [1])
        if hold:
            later = timezone.now() + timedelta(minutes=5)
            Booking.objects.filter(pk=booking.pk).update(status="HELD", expires_at=later)
            Ticket.objects.update(held_until=later)

        response = staff_client.patch(f"/api/screens/{aisle_show.screen.id}/", {"layout": AISLE}, format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "screen_has_bookings"
        assert Screen.objects.get().layout[1] == "ssss..sssx"

    def test_a_dead_hold_does_not_keep_the_layout(self, staff_client, aisle_show):
        booking = booking_with_seats(aisle_show, [1])
        Booking.objects.filter(pk=booking.pk).update(status="HELD", expires_at=timezone.now() - timedelta(seconds=1))
        Ticket.objects.update(held_until=timezone.now() - timedelta(seconds=1))

        response = staff_client.patch(f"/api/screens/{aisle_show.screen.id}/", {"layout": AISLE}, format="json")

        assert response.status_code == 200


class TestSeatMapWithALayout:
    def test_gaps_are_left_out_and_seats_keep_their_grid_numbers(self, api_client, aisle_show):
        booking_with_seats(aisle_show, [7])

        body = api_client.get(f"/api/shows/{aisle_show.id}/seats/").json()

        row_a = body["rows"][0]["seats"]
        assert [seat["label"] for seat in row_a] == ["A1", "A2", "A3", "A4", "A7", "A8", "A9", "A10"]
        assert [seat["column"] for seat in row_a] == [1, 2, 3, 4, 7, 8, 9, 10]
        assert row_a[4] == {"number": 7, "label": "A7", "column": 7, "category": "standard", "price": "9.50",
                            "available": False}
        assert body["rows"][1]["seats"][-1] == {"number": 20, "label": "B10", "column": 10, "category": "blocked",
                                                "price": None, "available": False}
        assert body["rows"][2]["seats"][0] == {"number": 21, "label": "C1", "column": 1, "category": "premium",
                                               "price": "14.00", "available": True}
        assert body["rows"][3]["seats"] == [
            {"number": 31, "label": "D1", "column": 1, "category": "accessible", "price": "9.50", "available": True},
            {"number": 32, "label": "D2", "column": 2, "category": "accessible", "price": "9.50", "available": True},
        ]
        # 25 seats can be sold (26 places, B10 blocked); A7 is sold.
        assert (body["total_seats"], body["available_seats"]) == (25, 24)
        assert api_client.get(f"/api/shows/{aisle_show.id}/").json()["available_seats"] == 24

    def test_query_count_is_constant_whatever_the_layout(self, api_client, django_assert_max_num_queries):
        show = ShowFactory(screen=ScreenFactory(rows=52, seats_per_row=50,
                                                layout=["spax." * 10] * 52))
        booking_with_seats(show, [1, 2, 3])

        with django_assert_max_num_queries(3):
            body = api_client.get(f"/api/shows/{show.id}/seats/").json()

        assert sum(len(row["seats"]) for row in body["rows"]) == 52 * 40


class TestBookingWithALayout:
    def test_seats_beside_the_aisle_are_a4_and_a7(self, user_client, aisle_show):
        response = user_client.post(f"/api/shows/{aisle_show.id}/book/", {"seat_numbers": ["A4", "a7"]},
                                    format="json")

        assert response.status_code == 201
        assert response.json()["seats"] == [booked_seat(4, "A4", ticket_code=ticket_code(aisle_show, 4)),
                                            booked_seat(7, "A7", ticket_code=ticket_code(aisle_show, 7))]

    @pytest.mark.parametrize("seat", ["A5", "a6", 5, "6", "D3", 40])
    @pytest.mark.parametrize("action", ["book", "hold"])
    def test_a_gap_is_no_seat_400(self, user_client, aisle_show, seat, action):
        response = user_client.post(f"/api/shows/{aisle_show.id}/{action}/", {"seat_numbers": [1, seat]},
                                    format="json")

        assert response.status_code == 400
        assert "There is no seat" in str(response.json())
        assert not Booking.objects.exists()

    @pytest.mark.parametrize("action", ["book", "hold"])
    def test_a_blocked_seat_is_409_like_a_sold_one(self, user_client, aisle_show, action):
        response = user_client.post(f"/api/shows/{aisle_show.id}/{action}/", {"seat_numbers": ["B9", "B10"]},
                                    format="json")

        assert response.status_code == 409
        assert response.json()["code"] == "seat_unavailable"
        assert response.json()["seats"] == ["B10"]
        assert not Booking.objects.exists()

    def test_blocked_and_sold_seats_are_named_together(self, user_client, aisle_show):
        booking_with_seats(aisle_show, [1])

        response = user_client.post(f"/api/shows/{aisle_show.id}/book/", {"seat_numbers": ["B10", "A1", "A2"]},
                                    format="json")

        assert response.status_code == 409
        assert response.json()["seats"] == ["A1", "B10"]

    def test_the_total_is_the_sum_of_each_seats_category_price(self, user_client, aisle_show):
        response = user_client.post(f"/api/shows/{aisle_show.id}/book/", {"seat_numbers": ["A1", "C1", "C2", "D1"]},
                                    format="json")

        body = response.json()
        assert body["total_price"] == "47.00"  # 9.50 + 14.00 + 14.00 + 9.50
        codes = dict(Ticket.objects.values_list("seat_number", "code"))
        assert body["seats"] == [booked_seat(1, "A1", ticket_code=codes[1]),
                                 booked_seat(21, "C1", "premium", "14.00", codes[21]),
                                 booked_seat(22, "C2", "premium", "14.00", codes[22]),
                                 booked_seat(31, "D1", "accessible", ticket_code=codes[31])]
        assert sorted(Ticket.objects.values_list("category", "price")) == [
            ("accessible", Decimal("9.50")), ("premium", Decimal("14.00")), ("premium", Decimal("14.00")),
            ("standard", Decimal("9.50"))]

    def test_the_price_recorded_on_a_ticket_survives_a_later_price_change(self, user_client, aisle_show):
        booking_id = user_client.post(f"/api/shows/{aisle_show.id}/hold/", {"seat_numbers": ["A1", "C1"]},
                                      format="json").json()["id"]
        Show.objects.filter(pk=aisle_show.pk).update(price=Decimal("20.00"), premium_price=Decimal("30.00"))

        confirmed = user_client.post(f"/api/bookings/{booking_id}/confirm/").json()

        assert confirmed["total_price"] == "23.50"
        assert [seat["price"] for seat in confirmed["seats"]] == ["9.50", "14.00"]


def new_show_body(**prices):
    """A show to create, on a movie and screen of its own, with `prices` as sent."""
    show = ShowFactory.build()
    show.movie.save()
    show.screen.save()
    return {"movie": show.movie.id, "screen": show.screen.id, "starts_at": show.starts_at.isoformat(), **prices}


class TestShowPrices:
    def test_a_show_reads_its_prices_per_category(self, api_client, aisle_show):
        body = api_client.get(f"/api/shows/{aisle_show.id}/").json()

        assert (body["price"], body["prices"]) == ("9.50", {"standard": "9.50", "premium": "14.00",
                                                            "accessible": "9.50"})
        assert body["total_seats"] == 25

    @pytest.mark.parametrize(("sent", "prices"), [
        ({"price": "9.00"}, {"standard": "9.00", "premium": "9.00", "accessible": "9.00"}),
        ({"prices": {"standard": "9.00", "premium": "12.00"}},
         {"standard": "9.00", "premium": "12.00", "accessible": "9.00"}),
        ({"price": "9.00", "prices": {"standard": "9.00", "premium": "12.00", "accessible": "7.00"}},
         {"standard": "9.00", "premium": "12.00", "accessible": "7.00"}),
        ({"price": "9.00", "prices": {"accessible": "7.00"}},
         {"standard": "9.00", "premium": "9.00", "accessible": "7.00"}),
    ])
    def test_staff_write_price_prices_or_both(self, staff_client, sent, prices):
        response = staff_client.post("/api/shows/", new_show_body(**sent), format="json")

        assert response.status_code == 201, response.json()
        assert (response.json()["price"], response.json()["prices"]) == (prices["standard"], prices)

    @pytest.mark.parametrize(("sent", "field"), [
        ({"price": "9.00", "prices": {"standard": "9.50"}}, "prices"),
        ({"prices": {"premium": "12.00"}}, "price"),
        ({}, "price"),
        ({"prices": {"standard": "-1.00"}}, "prices"),
        ({"price": "9.00", "prices": {"premium": "-0.01"}}, "prices"),
        ({"price": "9.00", "prices": "12.00"}, "prices"),
    ])
    def test_prices_that_disagree_or_are_missing_are_400(self, staff_client, sent, field):
        response = staff_client.post("/api/shows/", new_show_body(**sent), format="json")

        assert response.status_code == 400
        assert field in response.json()
        assert not Show.objects.exists()

    def test_patching_the_price_keeps_the_other_categories(self, staff_client, aisle_show):
        response = staff_client.patch(f"/api/shows/{aisle_show.id}/", {"price": "10.00"}, format="json")

        assert response.json()["prices"] == {"standard": "10.00", "premium": "14.00", "accessible": "10.00"}

    def test_the_database_refuses_a_negative_category_price(self, aisle_show):
        with pytest.raises(IntegrityError):
            Show.objects.filter(pk=aisle_show.pk).update(premium_price=Decimal("-1"))


class TestAdmin:
    def test_a_screen_page_draws_its_layout(self, admin_client, aisle_show):
        page = admin_client.get(f"/admin/movies/screen/{aisle_show.screen.id}/change/").content.decode()

        assert 'title="A4 (standard)"' in page
        assert 'title="A5' not in page
        assert 'title="B10 (blocked)"' in page
        assert 'title="C1 (premium)"' in page
        assert 'title="D1 (accessible)"' in page

    def test_staff_edit_a_layout_as_lines(self, admin_client):
        screen = ScreenFactory(rows=2, seats_per_row=4)

        response = admin_client.post(f"/admin/movies/screen/{screen.id}/change/", {
            "name": screen.name, "rows": 2, "seats_per_row": 4, "layout": "ss..\r\npp.a\r\n"})

        assert response.status_code == 302
        screen.refresh_from_db()
        assert (screen.layout, screen.capacity) == (["ss..", "pp.a"], 5)

    def test_a_wrong_layout_is_a_form_error(self, admin_client):
        screen = ScreenFactory(rows=2, seats_per_row=4)

        response = admin_client.post(f"/admin/movies/screen/{screen.id}/change/", {
            "name": screen.name, "rows": 2, "seats_per_row": 4, "layout": "ssss\r\nsq.s"})

        assert response.status_code == 200
        assert "Row B, place 2: &#x27;q&#x27; is not one of s, p, a, x or &#x27;.&#x27;." in response.content.decode()
        assert Screen.objects.get().layout == []

    def test_a_show_page_marks_sold_and_held_seats(self, admin_client, aisle_show):
        booking_with_seats(aisle_show, [1])
        held = booking_with_seats(aisle_show, [2])
        Booking.objects.filter(pk=held.pk).update(status="HELD", expires_at=timezone.now() + timedelta(minutes=5))
        Ticket.objects.filter(booking=held).update(held_until=timezone.now() + timedelta(minutes=5))

        page = admin_client.get(f"/admin/movies/show/{aisle_show.id}/change/").content.decode()

        assert 'title="A1 (sold)"' in page
        assert 'title="A2 (held)"' in page
        assert 'title="A3 (standard)"' in page
