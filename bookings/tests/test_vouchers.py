"""Vouchers through HTTP (API.md, "Vouchers"): staff manage them at /api/vouchers/, buyers give a code when they
book or hold, each live booking is one use, and a voucher that does not apply is a 400 `voucher_invalid` saying
why, with nothing written."""
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from bookings.models import Booking, Ticket, Voucher
from bookings.tests.fake_stripe import STRIPE_SECRET_KEY, pay_as_buyer
from conftest import bearer_client
from movies.models import TicketType
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PATH = "/api/vouchers/"
HOLD_SECONDS = 600


@pytest.fixture(autouse=True)
def _hold_seconds(settings):
    settings.HOLD_SECONDS = HOLD_SECONDS


@pytest.fixture
def show(db):
    """Tomorrow, 5 rows of 10 seats, 9.50 a seat."""
    return ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10), price=Decimal("9.50"))


@pytest.fixture
def child(db):
    return TicketType.objects.create(code="child", name="Child", discount_percent=Decimal("30"))


@pytest.fixture
def other_client(db):
    return bearer_client(UserFactory())


@contextmanager
def clock_at(seconds_from_now):
    """Every `timezone.now()` of the project answers a moment `seconds_from_now` ahead (tokens keep real time)."""
    moment = timezone.now() + timedelta(seconds=seconds_from_now)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


def voucher(code="SUMMER10", **fields):
    return Voucher.objects.create(code=code, **({"discount_percent": Decimal("10")} | fields))


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def book(client, show, body):
    return client.post(f"/api/shows/{show.id}/book/", body, format="json")


def hold(client, show, body):
    return client.post(f"/api/shows/{show.id}/hold/", body, format="json")


def uses(staff_client, code):
    return next(body["uses"] for body in staff_client.get(PATH).json()["results"] if body["code"] == code)


class TestStaffManageVouchers:
    def test_create_read_update_and_delete(self, staff_client, child):
        movie = MovieFactory()
        valid_from = timezone.now().replace(microsecond=0)
        created = staff_client.post(PATH, {
            "code": "Summer-10", "discount_percent": "10", "max_uses": 5, "valid_from": iso(valid_from),
            "valid_until": iso(valid_from + timedelta(days=30)), "movie": movie.id, "ticket_types": ["child"],
        }, format="json")

        assert created.status_code == 201, created.json()
        voucher_id = created.json()["id"]
        assert created["Location"].endswith(f"{PATH}{voucher_id}/")
        assert created.json() == {
            "id": voucher_id, "code": "Summer-10", "discount_percent": "10.00", "discount_amount": None,
            "max_uses": 5, "uses": 0, "valid_from": iso(valid_from),
            "valid_until": iso(valid_from + timedelta(days=30)),
            "movie": movie.id, "ticket_types": ["child"], "active": True}
        assert staff_client.get(f"{PATH}{voucher_id}/").json() == created.json()

        patched = staff_client.patch(f"{PATH}{voucher_id}/", {"active": False, "ticket_types": []}, format="json")
        assert (patched.status_code, patched.json()["active"], patched.json()["ticket_types"]) == (200, False, [])
        put = staff_client.put(f"{PATH}{voucher_id}/", {"code": "WINTER", "discount_percent": None,
                                                        "discount_amount": "2.00"}, format="json")
        assert put.status_code == 200, put.json()
        assert (put.json()["code"], put.json()["discount_amount"], put.json()["discount_percent"]) == (
            "WINTER", "2.00", None)

        assert staff_client.delete(f"{PATH}{voucher_id}/").status_code == 204
        assert not Voucher.objects.exists()

    def test_a_patch_keeps_the_ticket_types_and_a_put_without_them_clears_them(self, staff_client, child):
        made = staff_client.post(PATH, {"code": "KIDS", "discount_amount": "1.00", "ticket_types": ["child"]},
                                 format="json").json()

        patched = staff_client.patch(f"{PATH}{made['id']}/", {"max_uses": 3}, format="json").json()
        put = staff_client.put(f"{PATH}{made['id']}/", {"code": "KIDS", "discount_amount": "1.00"},
                               format="json").json()

        assert patched["ticket_types"] == ["child"]
        assert put["ticket_types"] == []

    def test_only_staff(self, user_client, api_client):
        made = voucher()
        for client, status in ((user_client, 403), (api_client, 401)):
            assert client.get(PATH).status_code == status
            assert client.get(f"{PATH}{made.id}/").status_code == status
            assert client.post(PATH, {"code": "MINE", "discount_percent": "100"}, format="json").status_code == status
            assert client.patch(f"{PATH}{made.id}/", {"discount_percent": "100"}, format="json").status_code == status
            assert client.delete(f"{PATH}{made.id}/").status_code == status
        assert list(Voucher.objects.values_list("code", "discount_percent")) == [("SUMMER10", Decimal("10.00"))]

    def test_a_code_is_unique_ignoring_case(self, staff_client):
        voucher("SUMMER10")

        response = staff_client.post(PATH, {"code": "summer10", "discount_percent": "5"}, format="json")

        assert response.status_code == 400
        assert list(response.json()) == ["code"]
        assert Voucher.objects.count() == 1

    def test_renaming_to_another_vouchers_code_is_400_and_keeping_its_own_is_not(self, staff_client):
        voucher("SUMMER10")
        other = voucher("WINTER")

        assert list(staff_client.patch(f"{PATH}{other.id}/", {"code": "Summer10"}, format="json").json()) == ["code"]
        assert staff_client.patch(f"{PATH}{other.id}/", {"code": "winter"}, format="json").status_code == 200

    @pytest.mark.parametrize("code", ["ABC", "A" * 65, "A" * 10_000, "SUMMER 10", "SÜMMER", "SUMMER10!", "", None,
                                      ["SUMMER10"]])
    def test_a_code_of_the_wrong_shape_is_400_on_code(self, staff_client, code):
        response = staff_client.post(PATH, {"code": code, "discount_percent": "10"}, format="json")

        assert response.status_code == 400
        assert list(response.json()) == ["code"]
        assert not Voucher.objects.exists()

    def test_codes_of_4_and_64_characters_are_fine(self, staff_client):
        for code in ("ABCD", "a_-9" * 16):
            assert staff_client.post(PATH, {"code": code, "discount_percent": "10"}, format="json").status_code == 201

    @pytest.mark.parametrize(("changes", "field"), [
        ({}, "discount_percent"),
        ({"discount_percent": "10", "discount_amount": "1.00"}, "discount_percent"),
        ({"discount_percent": "-1"}, "discount_percent"),
        ({"discount_percent": "100.01"}, "discount_percent"),
        ({"discount_amount": "-0.01"}, "discount_amount"),
        ({"discount_amount": "1" * 20}, "discount_amount"),
        ({"discount_amount": "1.00", "max_uses": 0}, "max_uses"),
        ({"discount_amount": "1.00", "max_uses": 2**31}, "max_uses"),
        ({"discount_amount": "1.00", "valid_from": "2030-01-02T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z"},
         "valid_until"),
        ({"discount_amount": "1.00", "valid_from": "2030-01-01T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z"},
         "valid_until"),
        ({"discount_amount": "1.00", "valid_from": "soon"}, "valid_from"),
        ({"discount_amount": "1.00", "movie": 999999}, "movie"),
        ({"discount_amount": "1.00", "movie": 10**30}, "movie"),
        ({"discount_amount": "1.00", "ticket_types": ["nobody"]}, "ticket_types"),
        ({"discount_amount": "1.00", "ticket_types": ["adult", "adult"]}, "ticket_types"),
        ({"discount_amount": "1.00", "ticket_types": "adult"}, "ticket_types"),
        ({"discount_amount": "1.00", "uses": 7, "active": "maybe"}, "active"),
    ])
    def test_bad_fields_are_400_on_their_field_and_write_nothing(self, staff_client, changes, field):
        response = staff_client.post(PATH, {"code": "SUMMER10", **changes}, format="json")

        assert response.status_code == 400
        assert field in response.json(), response.json()
        assert not Voucher.objects.exists()

    def test_a_patch_adding_the_other_discount_is_400(self, staff_client):
        made = voucher()

        response = staff_client.patch(f"{PATH}{made.id}/", {"discount_amount": "1.00"}, format="json")

        assert (response.status_code, list(response.json())) == (400, ["discount_percent"])
        assert Voucher.objects.get().discount_amount is None

    def test_a_patch_ending_before_the_start_is_400(self, staff_client):
        made = voucher(valid_from=timezone.now())

        response = staff_client.patch(f"{PATH}{made.id}/", {"valid_until": iso(timezone.now() - timedelta(days=1))},
                                      format="json")

        assert (response.status_code, list(response.json())) == (400, ["valid_until"])

    def test_uses_is_read_only(self, staff_client):
        made = staff_client.post(PATH, {"code": "SUMMER10", "discount_percent": "10", "uses": 7},
                                 format="json").json()

        assert made["uses"] == 0
        assert staff_client.patch(f"{PATH}{made['id']}/", {"uses": 3}, format="json").json()["uses"] == 0

    def test_a_used_voucher_cannot_be_deleted(self, staff_client, user_client, show):
        made = voucher()
        booked = book(user_client, show, {"seat_number": 1, "voucher": "SUMMER10"}).json()
        user_client.post(f"/api/bookings/{booked['id']}/cancel/")

        response = staff_client.delete(f"{PATH}{made.id}/")

        assert (response.status_code, response.json()["code"]) == (409, "protected")
        assert Voucher.objects.filter(pk=made.pk).exists()


class TestUses:
    def test_confirmed_bookings_and_live_holds_are_uses(self, staff_client, user_client, other_client, show):
        voucher()

        book(user_client, show, {"seat_number": 1, "voucher": "SUMMER10"})
        hold(other_client, show, {"seat_number": 2, "voucher": "summer10"})
        book(user_client, show, {"seat_number": 3})

        assert uses(staff_client, "SUMMER10") == 2
        assert staff_client.get(f"{PATH}{Voucher.objects.get().id}/").json()["uses"] == 2

    def test_a_cancelled_booking_gives_its_use_back(self, staff_client, user_client, other_client, show):
        voucher(max_uses=1)
        booked = book(user_client, show, {"seat_number": 1, "voucher": "SUMMER10"}).json()

        user_client.post(f"/api/bookings/{booked['id']}/cancel/")

        assert uses(staff_client, "SUMMER10") == 0
        assert book(other_client, show, {"seat_number": 2, "voucher": "SUMMER10"}).status_code == 201

    def test_an_expired_hold_gives_its_use_back_with_nothing_run(self, staff_client, user_client, other_client, show):
        voucher(max_uses=1)
        held = hold(user_client, show, {"seat_number": 1, "voucher": "SUMMER10"}).json()

        with clock_at(HOLD_SECONDS - 1):
            still_used = uses(staff_client, "SUMMER10")
            refused = book(other_client, show, {"seat_number": 2, "voucher": "SUMMER10"})
        with clock_at(HOLD_SECONDS + 1):
            given_back = uses(staff_client, "SUMMER10")
            # A show the expired hold is not of: nothing releases the hold, the count alone gives the use back.
            taken = book(other_client, ShowFactory(), {"seat_number": 2, "voucher": "SUMMER10"})

        assert still_used == 1
        assert refused.json() == {"code": "voucher_invalid", "detail": "This voucher has been used up."}
        assert given_back == 0
        assert taken.status_code == 201, taken.json()
        assert Booking.objects.get(pk=held["id"]).status == Booking.Status.HELD  # as written: nothing was run

    def test_a_confirmed_hold_stays_one_use(self, staff_client, user_client, show):
        voucher()
        held = hold(user_client, show, {"seat_number": 1, "voucher": "SUMMER10"}).json()

        user_client.post(f"/api/bookings/{held['id']}/confirm/")

        with clock_at(HOLD_SECONDS + 1):
            assert uses(staff_client, "SUMMER10") == 1


class TestBookingWithAVoucher:
    def test_a_code_in_any_case_takes_its_discount_off_every_seat(self, user_client, show):
        voucher("Summer10")

        response = book(user_client, show, {"seat_numbers": [1, 2], "voucher": "sUMMER10"})

        assert response.status_code == 201, response.json()
        assert [seat["price"] for seat in response.json()["seats"]] == ["8.55", "8.55"]
        assert response.json()["total_price"] == "17.10"
        assert response.json()["voucher"] == "Summer10"
        assert Booking.objects.get().voucher.code == "Summer10"
        assert user_client.get(f"/api/bookings/{response.json()['id']}/").json()["voucher"] == "Summer10"

    def test_a_voucher_comes_off_each_seats_type_price(self, user_client, show, child):
        voucher("TWOOFF", discount_percent=None, discount_amount=Decimal("2.00"))

        response = hold(user_client, show, {"tickets": [{"seat": 1, "type": "child"}, {"seat": 2}],
                                            "voucher": "twooff"})

        assert response.status_code == 201, response.json()
        # Child: 9.50 less 2.85 is 6.65, less 2.00 is 4.65.
        assert [(seat["ticket_type"], seat["price"]) for seat in response.json()["seats"]] == [
            ("child", "4.65"), ("adult", "7.50")]
        assert response.json()["total_price"] == "12.15"

    def test_a_voucher_limited_to_child_takes_off_only_the_child_seats(self, user_client, show, child):
        voucher("KIDS", discount_percent=Decimal("50")).ticket_types.set([child])

        response = book(user_client, show, {"tickets": [{"seat": 1, "type": "child"}, {"seat": 2}], "voucher": "KIDS"})

        assert response.status_code == 201, response.json()
        # 50 % of 6.65 is 3.325: 3.33 off.
        assert [(seat["ticket_type"], seat["price"]) for seat in response.json()["seats"]] == [
            ("child", "3.32"), ("adult", "9.50")]
        assert response.json()["total_price"] == "12.82"

    def test_an_amount_past_the_price_makes_the_seat_free(self, user_client, show):
        voucher("FREE", discount_percent=None, discount_amount=Decimal("20.00"))

        response = book(user_client, show, {"seat_number": 1, "voucher": "FREE"})

        assert (response.json()["seats"][0]["price"], response.json()["total_price"]) == ("0.00", "0.00")

    def test_a_voucher_for_this_movie_and_in_its_window_is_taken(self, user_client, show):
        voucher(movie=show.movie, valid_from=timezone.now() - timedelta(days=1),
                valid_until=timezone.now() + timedelta(days=1), max_uses=1)

        assert book(user_client, show, {"seat_number": 1, "voucher": "SUMMER10"}).status_code == 201


class TestAVoucherThatDoesNotApply:
    @pytest.mark.parametrize(("arrange", "detail"), [
        (lambda show, child: None, "No voucher has this code."),
        (lambda show, child: voucher(active=False), "This voucher is no longer active."),
        (lambda show, child: voucher(valid_from=timezone.now() + timedelta(hours=1)), "This voucher is not valid yet."),
        (lambda show, child: voucher(valid_until=timezone.now() - timedelta(seconds=1)), "This voucher has expired."),
        (lambda show, child: voucher(movie=MovieFactory()), "This voucher is not valid for this show."),
        (lambda show, child: voucher().ticket_types.set([child]),
         "This voucher is not valid for any of the booking's ticket types."),
        (lambda show, child: voucher(max_uses=1).bookings.create(user=UserFactory(), show=ShowFactory(),
                                                                 total_price=Decimal("0"), confirmed_at=timezone.now()),
         "This voucher has been used up."),
    ])
    def test_each_reason_is_400_voucher_invalid_and_writes_nothing(self, user_client, show, child, arrange, detail):
        arrange(show, child)
        bookings_before = Booking.objects.count()

        for take in (book, hold):
            response = take(user_client, show, {"seat_numbers": [1, 2], "voucher": "summer10"})

            assert response.status_code == 400
            assert response.json() == {"code": "voucher_invalid", "detail": detail}
        assert Booking.objects.count() == bookings_before
        assert not Ticket.objects.filter(show=show).exists()

    @pytest.mark.parametrize("code", ["ABC", "A" * 65, "A" * 10_000, "SUMMER 10", None,
                                      ["SUMMER10", "SUMMER10"]])
    def test_a_code_of_the_wrong_shape_is_400_on_voucher(self, user_client, show, code):
        voucher()

        response = book(user_client, show, {"seat_number": 1, "voucher": code})

        assert response.status_code == 400
        assert list(response.json()) == ["voucher"]
        assert not Booking.objects.exists()

    def test_a_voucher_is_one_per_booking(self, user_client, show):
        voucher()
        voucher("WINTER")

        response = book(user_client, show, {"seat_number": 1, "voucher": "SUMMER10,WINTER"})

        assert response.status_code == 400
        assert not Booking.objects.exists()


@pytest.mark.django_db(transaction=True)  # refunds go out after commit, as in production
class TestLatePayment:
    def test_a_late_payment_whose_voucher_was_used_up_meanwhile_is_refunded_not_confirmed(
            self, online, user_client, other_client, show):
        voucher(max_uses=1)
        held = hold(user_client, show, {"seat_numbers": [1, 2], "voucher": "SUMMER10"}).json()
        intent = user_client.post(f"/api/bookings/{held['id']}/pay/").json()["payment_intent"]
        pay_as_buyer(online.url, STRIPE_SECRET_KEY, intent)
        # The hold died before the buyer came back; its use went back, and another buyer took it.
        Booking.objects.filter(pk=held["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
        Ticket.objects.filter(booking_id=held["id"]).update(held_until=timezone.now() - timedelta(seconds=1))
        rival = hold(other_client, ShowFactory(), {"seat_number": 1, "voucher": "SUMMER10"})
        assert rival.status_code == 201, rival.json()

        response = user_client.post(f"/api/bookings/{held['id']}/confirm/")
        after = user_client.get(f"/api/bookings/{held['id']}/").json()

        assert (response.status_code, response.json()["code"]) == (409, "hold_expired")
        assert after["status"] == "EXPIRED"
        assert (after["payment"]["status"], after["payment"]["amount_refunded"]) == ("refunded", "17.10")
        assert not Ticket.objects.filter(show=show, is_active=True).exists()
        assert Voucher.objects.get().bookings.filter(status=Booking.Status.CONFIRMED).count() == 0
