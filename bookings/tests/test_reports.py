"""The sales reports (API.md, "Sales reports (staff)"): every figure checked, to the cent, against what the API
answered to the bookings, holds, payments, cancellations and refunds that made it; who may read them; their
query parameters, pages and CSV; and a page's fixed number of queries."""
import csv
import io
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from unittest import mock

import pytest
from django.utils import timezone

from bookings.models import Payment, Refund, Voucher
from bookings.tests.factories import booking_with_seats
from bookings.tests.fake_stripe import STRIPE_SECRET_KEY, pay_as_buyer
from conftest import BACK_OFFICE_PERMISSIONS, bearer_client, staff_with_permissions
from movies.models import TicketType
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

SHOWS, DAILY = "/api/reports/shows/", "/api/reports/daily/"
CENT = Decimal("0.01")


@contextmanager
def clock_at(moment):
    """Every `timezone.now()` of the project answers `moment` (tokens keep real time)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


def accountant():
    return bearer_client(staff_with_permissions("bookings.view_sales"))


def rows(client, path, **query):
    """Every row of a report, page after page."""
    found, page = [], 1
    while True:
        answer = client.get(path, {**query, "page": page})
        assert answer.status_code == 200, answer.json()
        found += answer.json()["results"]
        if answer.json()["next"] is None:
            return found
        page += 1


def amount(text):
    return Decimal(text)


@pytest.fixture
def online(online, settings):
    """Payments online (bookings/tests/conftest.py); cancelling keeps a 10 % fee."""
    settings.CANCELLATION_FEE_PERCENT = 10
    settings.HOLD_SECONDS = 600
    return online


class Sales:
    """Bookings made through the API, and what the API answered about each, to work the figures out from."""

    def __init__(self, localstripe):
        self.localstripe = localstripe
        self.box_office = bearer_client(staff_with_permissions(*BACK_OFFICE_PERMISSIONS))
        self.staff_refunds = bearer_client(staff_with_permissions("bookings.refund_booking"))
        self.booked = {}  # booking id: the client that owns it

    def sell_at_counter(self, show, body):
        return self._made(self.box_office, self.box_office.post(f"/api/shows/{show.pk}/book/", body, format="json"))

    def sell_online(self, show, body):
        buyer = bearer_client(UserFactory())
        held = self.hold(show, body, buyer)
        intent = buyer.post(f"/api/bookings/{held['id']}/pay/").json()["payment_intent"]
        pay_as_buyer(self.localstripe.url, STRIPE_SECRET_KEY, intent)
        confirmed = buyer.post(f"/api/bookings/{held['id']}/confirm/")
        assert confirmed.json()["status"] == "CONFIRMED", confirmed.json()
        return confirmed.json()

    def hold(self, show, body, buyer=None):
        buyer = buyer or bearer_client(UserFactory())
        return self._made(buyer, buyer.post(f"/api/shows/{show.pk}/hold/", body, format="json"))

    def cancel(self, booking):
        answer = self.booked[booking["id"]].post(f"/api/bookings/{booking['id']}/cancel/")
        assert answer.json()["status"] == "CANCELLED", answer.json()

    def refund(self, booking, amount_text):
        answer = self.staff_refunds.post(f"/api/bookings/{booking['id']}/refund/", {"amount": amount_text},
                                         format="json")
        assert answer.status_code == 200, answer.json()

    def _made(self, client, answer):
        assert answer.status_code == 201, answer.json()
        self.booked[answer.json()["id"]] = client
        return answer.json()

    def now(self):
        """Every booking made, as the API answers it now (after expiries, cancellations and refunds)."""
        return [client.get(f"/api/bookings/{booking_id}/").json() for booking_id, client in self.booked.items()]


PAID_FOR = {"paid", "refunding", "partially_refunded", "refunded"}


def fee_kept(booking):
    """The fee kept on a booking, by the API's own answer: a cancelled paid booking's price less what was refunded
    of it; nothing for any other."""
    payment = booking["payment"]
    if booking["status"] != "CANCELLED" or not payment or payment["status"] not in PAID_FOR:
        return Decimal("0")
    return amount(booking["total_price"]) - amount(payment["amount_refunded"])


def expected_show_row(show, bookings):
    """A show's row worked out from the show's API answer and its bookings' API answers."""
    sold = [booking for booking in bookings if booking["status"] == "CONFIRMED"]
    by_type = defaultdict(lambda: {"tickets": 0, "revenue": Decimal("0")})
    for seat in (seat for booking in sold for seat in booking["seats"]):
        by_type[seat["ticket_type"]]["tickets"] += 1
        by_type[seat["ticket_type"]]["revenue"] += amount(seat["price"])
    tickets = sum(len(booking["seats"]) for booking in sold)
    refunded = sum((amount(booking["payment"]["amount_refunded"]) for booking in bookings if booking["payment"]),
                   Decimal("0"))
    revenue = sum((amount(booking["total_price"]) for booking in sold), Decimal("0"))
    return {
        "show": {"id": show["id"], "movie": show["movie"], "screen": show["screen"], "starts_at": show["starts_at"]},
        "capacity": show["total_seats"], "tickets_sold": tickets,
        "occupancy": str((Decimal(tickets) / show["total_seats"]).quantize(Decimal("0.0001"), ROUND_HALF_UP)),
        "revenue": f"{revenue:.2f}",
        "refunded": f"{refunded:.2f}",
        "net": f"{revenue + sum((fee_kept(booking) for booking in bookings), Decimal('0')):.2f}",
        "by_ticket_type": {code: {"tickets": line["tickets"], "revenue": f"{line['revenue']:.2f}"}
                           for code, line in by_type.items()},
    }


@pytest.fixture
def ticket_types(db):
    return {"child": TicketType.objects.create(code="child", name="Child", discount_percent=Decimal("33")),
            "senior": TicketType.objects.create(code="senior", name="Senior", discount_amount=Decimal("2.35"))}


def a_show(days_ahead, **fields):
    """A show `days_ahead` days from now, on a screen of its own: 3 rows of 6, the last one premium."""
    screen = ScreenFactory(rows=3, seats_per_row=6, layout=["ssssss", "ssssss", "pppppp"])
    return ShowFactory(screen=screen, starts_at=timezone.now().replace(microsecond=0) + timedelta(days=days_ahead),
                       price=Decimal("9.45"), premium_price=Decimal("12.95"), **fields)


@pytest.mark.django_db(transaction=True)
class TestEveryFigure:
    def test_both_reports_equal_what_the_api_answered_to_the_cent(self, online, ticket_types):
        Voucher.objects.create(code="FRIENDS15", discount_percent=Decimal("15"))
        Voucher.objects.create(code="TWOOFF", discount_amount=Decimal("2.00"))
        movie = MovieFactory()
        first, second, third = a_show(3, movie=movie), a_show(4, movie=movie), a_show(5)
        sales = Sales(online)
        # The counter: a family with a voucher; a couple that comes back to cancel (the counter pays back at once).
        sales.sell_at_counter(first, {"tickets": [{"seat": "A1"}, {"seat": "A2", "type": "child"},
                                                  {"seat": "C1", "type": "senior"}], "voucher": "friends15"})
        came_back = sales.sell_at_counter(third, {"seat_numbers": ["C3", "C4"]})
        # Online: paid holds, confirmed; one cancelled (refunded less the fee), one refunded in part by staff.
        sales.sell_online(first, {"tickets": [{"seat": "B1", "type": "child"}, {"seat": "B2", "type": "child"}]})
        cancelled = sales.sell_online(second, {"tickets": [{"seat": "C2"}, {"seat": "C3", "type": "senior"}],
                                               "voucher": "TWOOFF"})
        goodwill = sales.sell_online(second, {"seat_numbers": ["A5", "A6", "B5"]})
        sales.sell_online(third, {"tickets": [{"seat": 1, "type": "senior"}]})
        sales.cancel(cancelled)
        sales.cancel(came_back)
        sales.refund(goodwill, "5.55")
        # Holds sell nothing: one that lives on, one paid for nothing and left to die, then its seat sold again.
        sales.hold(first, {"seat_numbers": ["A6"]})
        sales.hold(second, {"tickets": [{"seat": "A1", "type": "child"}], "voucher": "FRIENDS15"})
        with clock_at(timezone.now() + timedelta(minutes=11)):
            sales.sell_at_counter(second, {"seat_numbers": ["A1"]})

        bookings = sales.now()
        assert {booking["status"] for booking in bookings} == {"CONFIRMED", "CANCELLED", "HELD", "EXPIRED"}
        assert Refund.objects.filter(status=Refund.Status.SUCCEEDED).count() == 3
        client = accountant()
        shows = {show.pk: client.get(f"/api/shows/{show.pk}/").json() for show in (first, second, third)}
        expected = [expected_show_row(shows[show.pk], [b for b in bookings if b["show"]["id"] == show.pk])
                    for show in (first, second, third)]

        assert rows(client, SHOWS) == expected
        assert rows(client, SHOWS, movie=movie.pk) == expected[:2]
        assert expected[1]["refunded"] == f"{amount(cancelled['total_price']) * Decimal('0.9') + Decimal('5.55'):.2f}"
        confirmed = [booking for booking in bookings if booking["status"] == "CONFIRMED"]

        def revenue_of(provider):
            return sum((amount(b["total_price"]) for b in confirmed if b["payment"]["provider"] == provider),
                       Decimal("0"))

        assert rows(client, DAILY) == [{
            "date": timezone.localdate().isoformat(), "bookings": len(confirmed),
            "tickets_sold": sum(len(booking["seats"]) for booking in confirmed),
            "revenue": f"{revenue_of('box_office') + revenue_of('stripe'):.2f}",
            "refunded": f"{sum(amount(row['refunded']) for row in expected):.2f}",
            "net": f"{sum(amount(row['net']) for row in expected):.2f}",
            "box_office": f"{revenue_of('box_office'):.2f}", "online": f"{revenue_of('stripe'):.2f}",
        }]


class TestDays:
    @pytest.fixture(autouse=True)
    def _new_york(self, settings):
        settings.TIME_ZONE = "America/New_York"

    def test_a_sale_and_a_refund_count_on_their_own_days_in_the_time_zone(self, db, user_client):
        show = a_show(10)
        # 23:30 in New York on 1 December is 04:30 UTC on the 2nd.
        late_evening = datetime(2026, 12, 2, 4, 30, tzinfo=UTC)
        with clock_at(min(late_evening, timezone.now())) as sold_at:
            booked = user_client.post(f"/api/shows/{show.pk}/book/", {"seat_numbers": [1, 2]}, format="json").json()
        with clock_at(sold_at + timedelta(days=1)):
            user_client.post(f"/api/shows/{show.pk}/book/", {"seat_number": 3}, format="json")
            user_client.post(f"/api/shows/{show.pk}/book/", {"seat_number": 4}, format="json")
        first_day = timezone.localtime(sold_at).date()
        price = amount(booked["seats"][0]["price"])

        daily = rows(accountant(), DAILY)

        assert [(row["date"], row["bookings"], row["tickets_sold"], row["revenue"]) for row in daily] == [
            (first_day.isoformat(), 1, 2, f"{2 * price:.2f}"),
            ((first_day + timedelta(days=1)).isoformat(), 2, 2, f"{2 * price:.2f}")]
        assert all(row["box_office"] == row["revenue"] and row["online"] == "0.00" for row in daily)
        assert rows(accountant(), DAILY, **{"from": first_day.isoformat(), "to": first_day.isoformat()}) == daily[:1]
        assert rows(accountant(), DAILY, **{"from": (first_day + timedelta(days=1)).isoformat()}) == daily[1:]

    def test_a_hold_confirmed_after_midnight_is_sold_on_the_day_it_was_confirmed(self, db, user_client, settings):
        settings.HOLD_SECONDS = 600
        show = a_show(10)
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        with clock_at(midnight - timedelta(minutes=5)):
            held = user_client.post(f"/api/shows/{show.pk}/hold/", {"seat_numbers": [1, 2]}, format="json").json()
        with clock_at(midnight + timedelta(minutes=2)):
            confirmed = user_client.post(f"/api/bookings/{held['id']}/confirm/").json()
        assert confirmed["status"] == "CONFIRMED"

        (row,) = rows(accountant(), DAILY)

        assert (row["date"], row["bookings"], row["tickets_sold"], row["revenue"]) == (
            midnight.date().isoformat(), 1, 2, confirmed["total_price"])

    def test_a_cancelled_paid_booking_keeps_its_fee_on_the_day_it_was_cancelled(self, db, online):
        sales = Sales(online)
        with clock_at(timezone.now() - timedelta(days=1)):
            booked = sales.sell_at_counter(a_show(10), {"seat_numbers": ["A1", "A2"]})
        sales.cancel(booked)
        fee = (amount(booked["total_price"]) * Decimal("0.1")).quantize(CENT, ROUND_HALF_UP)

        daily = rows(accountant(), DAILY)

        assert [(row["date"], row["bookings"], row["revenue"], row["refunded"], row["net"]) for row in daily] == [
            (timezone.localdate().isoformat(), 0, "0.00", f"{amount(booked['total_price']) - fee:.2f}", f"{fee:.2f}")]

    def test_without_payments_a_cancelled_booking_leaves_nothing(self, db, user_client):
        show = a_show(2)
        booked = user_client.post(f"/api/shows/{show.pk}/book/", {"seat_numbers": [1, 2]}, format="json").json()
        user_client.post(f"/api/bookings/{booked['id']}/cancel/")

        assert rows(accountant(), DAILY) == []
        (row,) = rows(accountant(), SHOWS)
        assert (row["tickets_sold"], row["revenue"], row["refunded"], row["net"]) == (0, "0.00", "0.00", "0.00")


@pytest.mark.django_db
class TestWhoReads:
    @pytest.mark.parametrize("path", [SHOWS, DAILY])
    def test_staff_with_view_sales_and_superusers_read(self, path):
        for reader in (staff_with_permissions("bookings.view_sales"),
                       UserFactory(is_staff=True, is_superuser=True)):
            assert bearer_client(reader).get(path).status_code == 200

    @pytest.mark.parametrize("path", [SHOWS, DAILY])
    def test_everyone_else_is_refused(self, api_client, path):
        customer_with_it = UserFactory()
        customer_with_it.user_permissions.add(*staff_with_permissions("bookings.view_sales").user_permissions.all())
        staff_without = staff_with_permissions(*BACK_OFFICE_PERMISSIONS, "bookings.view_booking",
                                               "bookings.refund_booking", "bookings.check_in_ticket")

        assert api_client.get(path).status_code == 401
        assert api_client.get(path, {"format": "csv"}).json()["code"] == "not_authenticated"
        for refused in (UserFactory(), customer_with_it, staff_without):
            answer = bearer_client(refused).get(path, {"format": "csv"})
            assert answer.status_code == 403
            assert answer.json()["code"] == "permission_denied"
            assert answer["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
class TestQuery:
    @pytest.mark.parametrize(("path", "query", "field"), [
        (SHOWS, {"from": "yesterday"}, "from"),
        (SHOWS, {"to": "2026-13-01T00:00:00Z"}, "to"),
        (SHOWS, {"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T23:59:59Z"}, "to"),
        (SHOWS, {"movie": "one"}, "movie"),
        (SHOWS, {"movie": "99999999999999999999999"}, "movie"),
        (DAILY, {"from": "2026-12-01T10:00:00Z"}, "from"),
        (DAILY, {"to": "1 December"}, "to"),
        (DAILY, {"from": "2026-12-02", "to": "2026-12-01"}, "to"),
        (DAILY, {"to": "9999-12-31"}, "to"),
    ])
    def test_a_period_that_does_not_parse_or_ends_before_it_starts_is_400(self, path, query, field):
        answer = accountant().get(path, {**query, "format": "csv"})

        assert answer.status_code == 400
        assert field in answer.json()

    def test_shows_are_listed_soonest_first_from_from_until_before_to(self):
        later, sooner, after = a_show(3), a_show(2), a_show(9)
        client = accountant()

        assert [row["show"]["id"] for row in rows(client, SHOWS)] == [sooner.pk, later.pk, after.pk]
        listed = rows(client, SHOWS, **{"from": sooner.starts_at.isoformat(), "to": after.starts_at.isoformat()})
        assert [row["show"]["id"] for row in listed] == [sooner.pk, later.pk]

    def test_pages(self):
        shows = [a_show(days) for days in range(1, 6)]
        page = accountant().get(SHOWS, {"page_size": 2, "page": 3}).json()

        assert page["count"] == 5
        assert [row["show"]["id"] for row in page["results"]] == [shows[4].pk]
        assert accountant().get(SHOWS, {"page": 4, "page_size": 2}).status_code == 404


@pytest.mark.django_db
class TestCSV:
    @pytest.fixture
    def sold(self, ticket_types):
        show = a_show(2, movie=MovieFactory(title="=HYPERLINK(\"http://x\")"))
        child = booking_with_seats(show, [1, 2])
        child.tickets.update(ticket_type=ticket_types["child"], price=Decimal("6.33"))
        booking_with_seats(a_show(3), [5])
        return show

    @pytest.mark.parametrize("ask", [{"format": "csv"}, {"HTTP_ACCEPT": "text/csv"}])
    def test_the_same_rows_as_csv(self, sold, ask):
        client = accountant()
        query = {"format": "csv"} if "format" in ask else {}
        headers = {key: value for key, value in ask.items() if key != "format"}
        json_rows = rows(client, SHOWS)

        answer = client.get(SHOWS, {**query, "page_size": 1}, **headers)

        assert answer["Content-Type"] == "text/csv; charset=utf-8"
        assert answer["Content-Disposition"] == 'attachment; filename="sales-by-show.csv"'
        lines = list(csv.DictReader(io.StringIO(answer.content.decode())))
        assert len(lines) == len(json_rows) == 2  # every row of the period, not a page
        for line, row in zip(lines, json_rows, strict=True):
            assert line["show_id"] == str(row["show"]["id"])
            assert line["movie_title"].removeprefix("'") == row["show"]["movie"]["title"]
            assert {name: line[name] for name in ("tickets_sold", "occupancy", "revenue", "refunded", "net")} == {
                name: str(row[name]) for name in ("tickets_sold", "occupancy", "revenue", "refunded", "net")}
            for code in ("adult", "child", "senior"):
                sold_as = row["by_ticket_type"].get(code, {"tickets": 0, "revenue": "0.00"})
                assert (line[f"tickets_{code}"], line[f"revenue_{code}"]) == (str(sold_as["tickets"]),
                                                                            sold_as["revenue"])
        assert lines[0]["movie_title"] == "'=HYPERLINK(\"http://x\")"  # text to a spreadsheet, not a formula
        assert lines[0]["tickets_child"] == "2"
        assert lines[0]["revenue_child"] == "12.66"

    def test_days_as_csv_have_a_header_even_with_no_row(self):
        answer = accountant().get(DAILY, {"format": "csv", "from": "2020-01-01", "to": "2020-01-31"})

        assert answer.content.decode() == "date,bookings,tickets_sold,revenue,refunded,net,box_office,online\r\n"

    def test_days_as_csv(self, sold):
        (row,) = rows(accountant(), DAILY)
        answer = accountant().get(DAILY, HTTP_ACCEPT="text/csv")

        assert list(csv.DictReader(io.StringIO(answer.content.decode()))) == [
            {name: str(value) for name, value in row.items()}]


@pytest.mark.django_db
class TestQueries:
    @pytest.mark.parametrize("shows", [2, 40])
    def test_a_page_is_a_fixed_number_of_queries(self, ticket_types, django_assert_max_num_queries, shows):
        for days in range(shows):
            show = a_show(days + 1)
            booking_with_seats(show, [1, 2, 3])
            booking_with_seats(show, [4], cancelled=True).tickets.update(ticket_type=ticket_types["senior"])
        client = accountant()
        client.get(SHOWS)  # the user's permissions, cached in neither case

        # The token's user and their permissions, then the count, the page, and three aggregates.
        with django_assert_max_num_queries(8):
            assert len(client.get(SHOWS, {"page_size": 100}).json()["results"]) == shows
        with django_assert_max_num_queries(8):
            client.get(SHOWS, {"format": "csv"})
        # The token's user and their permissions, the first and last days of activity, then five aggregates,
        # however long the period.
        with django_assert_max_num_queries(10):
            assert client.get(DAILY).json()["results"][0]["tickets_sold"] == 3 * shows
        with django_assert_max_num_queries(10):
            assert len(client.get(DAILY, {"from": "1900-01-01", "to": "2999-12-31"}).json()["results"]) == 1


@pytest.mark.django_db
def test_a_refund_counts_once_written_unless_the_provider_refused_it():
    """The outbox: a written refund is sent until the provider takes it, so it is the cinema's money no longer;
    one the provider refused (failed) went nowhere."""
    show = a_show(2)
    booking = booking_with_seats(show, [1, 2], cancelled=True)
    assert booking.total_price == Decimal("18.90")
    payment = Payment.objects.create(booking=booking, provider="stripe", provider_id="pi_report", amount_cents=1890,
                                     currency="EUR", status="paid", paid_at=booking.created_at)
    for status, cents in (("pending", 1000), ("sent", 400), ("failed", 300)):
        Refund.objects.create(payment=payment, amount_cents=cents, reason="cancellation", status=status)

    (row,) = rows(accountant(), SHOWS)
    (day,) = rows(accountant(), DAILY)

    # Net is the fee kept: the price less the refunds written.
    assert (row["tickets_sold"], row["revenue"], row["refunded"], row["net"]) == (0, "0.00", "14.00", "4.90")
    assert (day["bookings"], day["revenue"], day["refunded"], day["net"]) == (0, "0.00", "14.00", "4.90")
