"""Booking and holding with ticket types (API.md, "Ticket types"): the `tickets` form of body, each seat's type and
price in the answer, the check-in answer's `ticket_type` and `check_at_door`; bad input writes nothing."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from bookings.models import Booking, Ticket
from bookings.tests.factories import booked_seat
from conftest import bearer_client
from movies.models import TicketType
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def show(db):
    """In an hour (its door is open), 5 rows of 10 seats, 9.50 a seat, 12.35 in row C's premium seats."""
    return ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10), price=Decimal("9.50"),
                       premium_price=Decimal("12.35"),
                       starts_at=timezone.now().replace(microsecond=0) + timedelta(hours=1))


@pytest.fixture(autouse=True)
def types(db):
    return {
        "child": TicketType.objects.create(code="child", name="Child", discount_percent=Decimal("30")),
        "senior": TicketType.objects.create(code="senior", name="Senior", discount_amount=Decimal("2.00")),
        "student": TicketType.objects.create(code="student", name="Student", discount_percent=Decimal("15"),
                                             check_at_door="Student card"),
        "retired": TicketType.objects.create(code="retired", name="Retired", active=False),
    }


@pytest.fixture
def door_client(db):
    group = Group.objects.create(name="Door staff")
    group.permissions.add(Permission.objects.get(codename="check_in_ticket"))
    door = UserFactory()
    door.groups.add(group)
    return bearer_client(door)


def book(client, show, body):
    return client.post(f"/api/shows/{show.id}/book/", body, format="json")


def hold(client, show, body):
    return client.post(f"/api/shows/{show.id}/hold/", body, format="json")


def nothing_written():
    return not Booking.objects.exists() and not Ticket.objects.exists()


class TestTheTicketsForm:
    def test_each_seat_is_sold_as_its_type_at_its_price(self, user_client, show):
        response = book(user_client, show, {"tickets": [{"seat": "C7", "type": "child"}, {"seat": 26}]})

        assert response.status_code == 201, response.json()
        body = response.json()
        codes = {seat["number"]: seat["ticket_code"] for seat in body["seats"]}
        assert body["seats"] == [
            booked_seat(26, "C6", ticket_code=codes[26]),
            booked_seat(27, "C7", price="6.65", ticket_type="child", ticket_code=codes[27]),
        ]
        assert body["total_price"] == "16.15"
        assert body["voucher"] is None
        assert sorted(Ticket.objects.values_list("seat_number", "ticket_type__code", "price")) == [
            (26, "adult", Decimal("9.50")), (27, "child", Decimal("6.65"))]
        assert Booking.objects.get().total_price == Decimal("16.15")

    def test_a_premium_seat_takes_the_type_discount_off_the_premium_price(self, user_client, show):
        show.screen.layout = ["ssssssssss", "ssssssssss", "pppppppppp", "ssssssssss", "ssssssssss"]
        show.screen.save()

        response = book(user_client, show, {"tickets": [{"seat": "C1", "type": "child"},
                                                        {"seat": "C2", "type": "senior"},
                                                        {"seat": "C3", "type": "student"}]})

        assert response.status_code == 201, response.json()
        # 30 % of 12.35 is 3.705: 3.71 off; 15 % is 1.8525: 1.85 off.
        assert [(seat["ticket_type"], seat["price"]) for seat in response.json()["seats"]] == [
            ("child", "8.64"), ("senior", "10.35"), ("student", "10.50")]
        assert response.json()["total_price"] == "29.49"

    def test_a_hold_carries_the_types_and_its_confirmation_keeps_them(self, user_client, show):
        held = hold(user_client, show, {"tickets": [{"seat": 1, "type": "student"}, {"seat": 2, "type": "senior"}]})

        assert held.status_code == 201, held.json()
        assert [(seat["ticket_type"], seat["price"]) for seat in held.json()["seats"]] == [
            ("student", "8.07"), ("senior", "7.50")]
        assert held.json()["total_price"] == "15.57"
        confirmed = user_client.post(f"/api/bookings/{held.json()['id']}/confirm/").json()
        assert [(seat["ticket_type"], seat["price"]) for seat in confirmed["seats"]] == [
            ("student", "8.07"), ("senior", "7.50")]
        assert confirmed["total_price"] == "15.57"

    def test_seats_without_a_type_are_adult_in_every_form(self, user_client, show):
        for body in ({"seat_number": 1}, {"seat_numbers": ["A2", 3]}, {"tickets": [{"seat": "A4"}]}):
            response = book(user_client, show, body)
            assert response.status_code == 201, response.json()
            assert {seat["ticket_type"] for seat in response.json()["seats"]} == {"adult"}
            assert {seat["price"] for seat in response.json()["seats"]} == {"9.50"}

    def test_the_booking_reads_back_with_its_types(self, user_client, show):
        booking_id = book(user_client, show, {"tickets": [{"seat": 5, "type": "child"}]}).json()["id"]

        read = user_client.get(f"/api/bookings/{booking_id}/").json()
        listed = user_client.get("/api/my-bookings/").json()["results"][0]

        assert [(seat["ticket_type"], seat["price"]) for seat in read["seats"]] == [("child", "6.65")]
        assert [(seat["ticket_type"], seat["price"]) for seat in listed["seats"]] == [("child", "6.65")]

    def test_a_type_in_any_offer_of_a_limited_show_is_sold(self, user_client, show, types):
        show.ticket_types.set([types["child"]])

        response = book(user_client, show, {"tickets": [{"seat": 1, "type": "child"}]})

        assert response.status_code == 201
        assert response.json()["total_price"] == "6.65"


class TestBadInput:
    @pytest.mark.parametrize(("tickets", "message"), [
        ([{"seat": 1, "type": "nobody"}], "No ticket type has the code nobody."),
        ([{"seat": 1, "type": "retired"}], "This show does not sell retired tickets."),
    ])
    def test_an_unknown_or_inactive_type_is_400_on_tickets(self, user_client, show, tickets, message):
        for take in (book, hold):
            response = take(user_client, show, {"tickets": [{"seat": 2}, *tickets]})

            assert response.status_code == 400
            assert response.json() == {"tickets": [message]}
        assert nothing_written()

    def test_a_type_the_show_does_not_sell_is_400_on_tickets(self, user_client, show, types):
        show.ticket_types.set([types["senior"]])

        response = book(user_client, show, {"tickets": [{"seat": 1, "type": "child"}]})
        no_default = book(user_client, show, {"tickets": [{"seat": 1}]})

        assert response.status_code == 400
        assert response.json() == {"tickets": ["This show does not sell child tickets."]}
        assert no_default.status_code == 400
        assert list(no_default.json()) == ["tickets"]
        assert nothing_written()

    @pytest.mark.parametrize("body", [
        {"tickets": [{"seat": 1}, {"seat": "A1", "type": "child"}]},
        {"tickets": [{"seat": seat} for seat in range(1, 12)]},
        {"tickets": [{"type": "child"}]},
        {"tickets": [{"seat": 1, "type": "x" * 10_000}]},
        {"tickets": [{"seat": 1, "type": "not a code"}]},
        {"tickets": [{"seat": 1, "type": None}]},
        {"tickets": [{"seat": 0}]},
        {"tickets": [{"seat": 51}]},
        {"tickets": [1]},
        {"tickets": []},
        {"tickets": {"seat": 1}},
        {"tickets": [{"seat": 1}], "seat_numbers": [2]},
        {"tickets": [{"seat": 1}], "seat_number": 2},
        {},
        {"voucher": "SUMMER10"},
    ])
    def test_bad_tickets_are_400_and_write_nothing(self, user_client, show, body):
        for take in (book, hold):
            response = take(user_client, show, body)

            assert response.status_code == 400, body
            assert isinstance(response.json(), dict)
        assert nothing_written()

    def test_a_duplicate_seat_is_named_on_tickets(self, user_client, show):
        response = book(user_client, show, {"tickets": [{"seat": 1}, {"seat": "A1", "type": "child"}]})

        assert response.json() == {"tickets": ["Each seat may appear only once."]}

    def test_eleven_entries_are_400_on_tickets(self, user_client, show):
        response = book(user_client, show, {"tickets": [{"seat": seat} for seat in range(1, 12)]})

        assert list(response.json()) == ["tickets"]


class TestCheckIn:
    def test_the_door_sees_the_type_and_what_to_check(self, user_client, door_client, show):
        body = book(user_client, show, {"tickets": [{"seat": 1, "type": "student"}, {"seat": 2}]}).json()
        codes = {seat["number"]: seat["ticket_code"] for seat in body["seats"]}

        student = door_client.post("/api/check-in/", {"ticket_code": codes[1]}, format="json")
        adult = door_client.post("/api/check-in/", {"ticket_code": codes[2]}, format="json")

        assert student.status_code == 200, student.json()
        assert (student.json()["ticket_type"], student.json()["check_at_door"]) == ("student", "Student card")
        assert (adult.json()["ticket_type"], adult.json()["check_at_door"]) == ("adult", "")


class TestQueries:
    def test_a_booking_with_tickets_is_as_many_queries_as_one_with_seat_numbers(
            self, user_client, show, django_assert_max_num_queries):
        tickets = [{"seat": seat, "type": ("child", "senior", "student", "adult")[seat % 4]} for seat in range(1, 11)]

        # As bookings/tests/test_api.py counts a booking of seat_numbers: the type's codes are resolved in the one
        # query that reads the show's offer.
        with django_assert_max_num_queries(11):
            assert book(user_client, show, {"tickets": tickets}).status_code == 201
