"""Tickets as API.md's "Tickets and check-in" describes them: codes, QR codes, check-in at the door, mail."""
import re
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone
from icalendar import Calendar

from bookings.models import Booking, Ticket
from bookings.tests.factories import booking_with_seats
from bookings.tickets import qr_code, qr_png
from conftest import bearer_client
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,}$")


@pytest.fixture
def show(db):
    """In an hour (its door is open: CHECK_IN_OPENS_MINUTES), 5 rows of 10 seats, 9.50 a seat."""
    return ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10), price=Decimal("9.50"),
                       starts_at=timezone.now().replace(microsecond=0) + timedelta(hours=1))


@pytest.fixture
def door_client(db):
    """A user in a door-staff group: the group holds `bookings.check_in_ticket`."""
    group = Group.objects.create(name="Door staff")
    group.permissions.add(Permission.objects.get(codename="check_in_ticket"))
    door = UserFactory()
    door.groups.add(group)
    return bearer_client(door)


def book(client, show, seats):
    return client.post(f"/api/shows/{show.id}/book/", {"seat_numbers": seats}, format="json")


def hold(client, show, seats):
    return client.post(f"/api/shows/{show.id}/hold/", {"seat_numbers": seats}, format="json")


def codes_of(body):
    return [seat["ticket_code"] for seat in body["seats"]]


def scan(client, code, **extra):
    return client.post("/api/check-in/", {"ticket_code": code, **extra}, format="json")


def qr(client, booking_id, number):
    return client.get(f"/api/bookings/{booking_id}/tickets/{number}/qr/")


def dark_modules(svg):
    """The QR modules an SVG from segno draws: its one path is rows of horizontal runs (`M`, `m`, `h`)."""
    path = re.search(r' d="([^"]+)"', svg).group(1)
    x = y = 0.0
    dark = set()
    for command, numbers in re.findall(r"([A-Za-z])([^A-Za-z]*)", path):
        values = [float(value) for value in numbers.replace(",", " ").split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":
            dark.update((int(y), column) for column in range(int(x), int(x + values[0])))
            x += values[0]
        else:
            raise AssertionError(f"unexpected path command {command}")
    return dark


class TestTicketCodes:
    def test_a_booking_gives_each_seat_a_random_url_safe_code(self, user_client, show):
        body = book(user_client, show, [1, 2, 3]).json()

        codes = codes_of(body)
        assert all(CODE_PATTERN.match(code) for code in codes), codes
        assert len(set(codes)) == 3
        assert sorted(Ticket.objects.values_list("code", flat=True)) == sorted(codes)

    def test_codes_are_unique_in_the_database(self, user_client, show):
        code = codes_of(book(user_client, show, [1]).json())[0]
        other = booking_with_seats(show, [2])

        with pytest.raises(IntegrityError):
            Ticket.objects.filter(booking=other).update(code=code)

    def test_codes_appear_only_while_the_booking_is_confirmed(self, user_client, show):
        held = hold(user_client, show, [1, 2]).json()
        assert codes_of(held) == [None, None]
        assert set(Ticket.objects.values_list("code", flat=True)) == {None}

        confirmed = user_client.post(f"/api/bookings/{held['id']}/confirm/").json()
        assert all(CODE_PATTERN.match(code) for code in codes_of(confirmed))

        cancelled = user_client.post(f"/api/bookings/{held['id']}/cancel/").json()
        assert codes_of(cancelled) == [None, None]

    def test_an_expired_hold_has_no_codes(self, user_client, show):
        held = hold(user_client, show, [1]).json()

        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=1)):
            assert codes_of(user_client.get(f"/api/bookings/{held['id']}/").json()) == [None]

    def test_staff_reading_anothers_booking_do_not_see_its_codes(self, user_client, staff_client, show):
        booking_id = book(user_client, show, [1]).json()["id"]

        assert codes_of(staff_client.get(f"/api/bookings/{booking_id}/").json()) == [None]
        assert codes_of(user_client.get(f"/api/bookings/{booking_id}/").json()) != [None]


class TestQRCode:
    def test_the_qr_code_is_an_svg_that_encodes_exactly_the_ticket_code(self, user_client, show):
        body = book(user_client, show, ["A1", "B3"]).json()

        response = qr(user_client, body["id"], 13)

        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        svg = response.content.decode()
        assert svg.startswith("<?xml")
        assert "<svg" in svg
        code = body["seats"][1]["ticket_code"]
        matrix = qr_code(code).matrix
        border = (int(re.search(r'width="(\d+)"', svg).group(1)) // 8 - len(matrix)) // 2
        expected = {(row + border, column + border) for row, values in enumerate(matrix)
                    for column, dark in enumerate(values) if dark}
        assert dark_modules(svg) == expected
        # And the drawn matrix is no other code's: the QR of the booking's other ticket differs.
        assert qr_code(body["seats"][0]["ticket_code"]).matrix != matrix

    def test_only_the_owner_of_a_confirmed_booking_gets_it(self, user_client, staff_client, api_client, show):
        booked = book(user_client, show, [1]).json()["id"]
        held = hold(user_client, show, [2]).json()["id"]
        cancelled = book(user_client, show, [3]).json()["id"]
        user_client.post(f"/api/bookings/{cancelled}/cancel/")
        others = bearer_client(UserFactory())

        assert qr(user_client, booked, 1).status_code == 200
        for client, booking_id, number in [(others, booked, 1), (staff_client, booked, 1), (user_client, booked, 2),
                                           (user_client, held, 2), (user_client, cancelled, 3),
                                           (user_client, 424242, 1)]:
            response = qr(client, booking_id, number)
            assert response.status_code == 404, (booking_id, number)
            assert response.json()["code"] == "not_found"
        assert qr(api_client, booked, 1).status_code == 401


class TestCheckIn:
    def test_the_door_opens_check_in_opens_minutes_before_the_show(self, user_client, door_client, settings):
        settings.CHECK_IN_OPENS_MINUTES = 120
        starts_at = timezone.now().replace(microsecond=0) + timedelta(minutes=125)
        show = ShowFactory(starts_at=starts_at)
        code = codes_of(book(user_client, show, [1]).json())[0]

        early = scan(door_client, code)

        assert early.status_code == 409
        assert early.json() == {"detail": "The door does not open for this show yet.", "code": "not_open",
                                "opens_at": (starts_at - timedelta(minutes=120)).isoformat().replace("+00:00", "Z")}
        assert not Ticket.objects.filter(checked_in_at__isnull=False).exists()
        settings.CHECK_IN_OPENS_MINUTES = 126
        assert scan(door_client, code).status_code == 200

    def test_an_early_scan_does_not_block_the_owners_cancel(self, user_client, door_client):
        booking = book(user_client, ShowFactory(starts_at=timezone.now() + timedelta(days=2000)), [1]).json()

        assert scan(door_client, codes_of(booking)[0]).json()["code"] == "not_open"
        assert user_client.post(f"/api/bookings/{booking['id']}/cancel/").json()["status"] == "CANCELLED"

    def test_the_door_closes_when_the_show_ends(self, user_client, door_client, show):
        code = codes_of(book(user_client, show, [1]).json())[0]
        running_until = show.starts_at + timedelta(minutes=show.movie.duration_minutes)
        ticket = Ticket.objects.get()

        with mock.patch("django.utils.timezone.now", return_value=running_until - timedelta(seconds=1)):
            assert scan(door_client, code).status_code == 200
        Ticket.objects.filter(pk=ticket.pk).update(checked_in_at=None)
        with mock.patch("django.utils.timezone.now", return_value=running_until):
            ended = scan(door_client, code)

        assert ended.status_code == 409
        assert ended.json()["code"] == "show_ended"
        assert Ticket.objects.get().checked_in_at is None

    def test_door_staff_let_a_ticket_in_once(self, user_client, door_client, show):
        body = book(user_client, show, ["B3"]).json()
        code = codes_of(body)[0]

        first = scan(door_client, code, show=show.id)
        second = scan(door_client, code)

        assert first.status_code == 200
        checked_in_at = Ticket.objects.get().checked_in_at
        assert first.json() == {
            "ticket_code": code, "booking": body["id"], "show": body["show"],
            "seat": {"number": 13, "label": "B3", "category": "standard"}, "ticket_type": "adult", "check_at_door": "",
            "checked_in_at": checked_in_at.isoformat().replace("+00:00", "Z"),
        }
        assert second.status_code == 409
        assert second.json()["code"] == "already_checked_in"
        assert second.json()["checked_in_at"] == first.json()["checked_in_at"]
        assert Ticket.objects.get().checked_in_at == checked_in_at

    @pytest.mark.parametrize(("who", "status"), [("door", 200), ("superuser", 200), ("staff", 403), ("user", 403),
                                                 ("anonymous", 401)])
    def test_who_may_scan(self, user_client, door_client, staff_client, api_client, show, who, status):
        code = codes_of(book(user_client, show, [1]).json())[0]
        superuser = bearer_client(UserFactory(is_staff=True, is_superuser=True))
        clients = {"door": door_client, "superuser": superuser, "staff": staff_client, "user": user_client,
                   "anonymous": api_client}

        response = scan(clients[who], code)

        assert response.status_code == status
        assert Ticket.objects.filter(checked_in_at__isnull=False).exists() == (status == 200)

    def test_refused_scans_write_nothing(self, user_client, door_client, show):
        code = codes_of(book(user_client, show, [1]).json())[0]
        cancelled = book(user_client, show, [2]).json()
        user_client.post(f"/api/bookings/{cancelled['id']}/cancel/")
        cancelled_code = Ticket.objects.get(seat_number=2).code

        unknown = scan(door_client, "no-such-code-0000000")
        wrong_show = scan(door_client, code, show=ShowFactory().id)
        refused_cancelled = scan(door_client, cancelled_code)

        assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
        assert (wrong_show.status_code, wrong_show.json()["code"]) == (409, "wrong_show")
        assert (refused_cancelled.status_code, refused_cancelled.json()["code"]) == (409, "ticket_cancelled")
        assert not Ticket.objects.filter(checked_in_at__isnull=False).exists()

    @pytest.mark.parametrize("body", [{}, {"ticket_code": ""}, {"ticket_code": "x" * 65}, {"ticket_code": None},
                                      {"ticket_code": "abc", "show": "one"}, {"ticket_code": "abc", "show": 0}])
    def test_bad_input_is_400(self, door_client, body):
        assert door_client.post("/api/check-in/", body, format="json").status_code == 400

    def test_a_checked_in_booking_cannot_be_cancelled(self, user_client, door_client, admin_client, show):
        body = book(user_client, show, [1, 2])
        booking_id = body.json()["id"]
        scan(door_client, codes_of(body.json())[1])

        response = user_client.post(f"/api/bookings/{booking_id}/cancel/")
        admin_client.post("/admin/bookings/booking/", {"action": "cancel_selected", "_selected_action": [booking_id]})

        assert response.status_code == 400
        assert response.json()["code"] == "checked_in"
        assert Booking.objects.get().status == Booking.Status.CONFIRMED
        assert Ticket.objects.filter(is_active=True).count() == 2

    def test_the_admin_shows_check_in_state(self, user_client, door_client, admin_client, show):
        body = book(user_client, show, [1, 2]).json()
        scan(door_client, codes_of(body)[0])

        page = admin_client.get("/admin/bookings/booking/").content.decode()

        assert '<td class="field-checked_in">1</td>' in page

    def test_query_count_is_bounded(self, user_client, door_client, show, django_assert_max_num_queries):
        code = codes_of(book(user_client, show, [1]).json())[0]

        with django_assert_max_num_queries(5):
            assert scan(door_client, code).status_code == 200


class TestMail:
    """Mail is queued on commit: `after_commit` runs what a real commit would."""

    @pytest.fixture
    def after_commit(self, django_capture_on_commit_callbacks):
        return lambda: django_capture_on_commit_callbacks(execute=True)

    def test_a_booking_mails_its_tickets_with_qr_codes_and_the_show_as_an_event(self, user_client, user, show,
                                                                                  after_commit):
        with after_commit():
            body = book(user_client, show, ["A1", "A2"]).json()

        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [user.email]
        assert message.subject.startswith(f"Your tickets: {show.movie.title}")
        for code in codes_of(body):
            assert code in message.body
        attachments = {name: (content, mimetype) for name, content, mimetype in message.attachments}
        assert sorted(attachments) == ["show.ics", "ticket-A1.png", "ticket-A2.png"]
        assert attachments["ticket-A1.png"][0].startswith(b"\x89PNG")
        assert attachments["ticket-A1.png"][0] == qr_png(codes_of(body)[0])
        event = Calendar.from_ical(attachments["show.ics"][0]).walk("VEVENT")[0]
        assert event.decoded("dtstart") == show.starts_at
        assert event.decoded("dtend") == show.ends_at
        assert str(event["summary"]) == show.movie.title

    def test_confirming_a_hold_mails_its_tickets_and_holding_mails_nothing(self, user_client, show, after_commit):
        with after_commit():
            held = hold(user_client, show, [5]).json()
        assert mail.outbox == []

        with after_commit():
            confirmed = user_client.post(f"/api/bookings/{held['id']}/confirm/").json()
            user_client.post(f"/api/bookings/{held['id']}/confirm/")  # again: nothing new to say

        assert len(mail.outbox) == 1
        assert codes_of(confirmed)[0] in mail.outbox[0].body

    def test_a_cancellation_is_mailed(self, user_client, user, show, after_commit):
        booking_id = book(user_client, show, [1]).json()["id"]

        with after_commit():
            user_client.post(f"/api/bookings/{booking_id}/cancel/")
            user_client.post(f"/api/bookings/{booking_id}/cancel/")

        assert len(mail.outbox) == 1
        assert mail.outbox[0].subject.startswith("Booking cancelled:")
        assert mail.outbox[0].to == [user.email]

    def test_a_refused_booking_mails_nothing(self, user_client, show, after_commit):
        book(user_client, show, [1])

        with after_commit():
            assert book(user_client, show, [1, 2]).status_code == 409
        assert mail.outbox == []


class TestDoorStaffGroup:
    def test_the_demo_loader_sets_up_a_door_staff_group(self):
        call_command("load_demo", stdout=mock.MagicMock())
        door = UserFactory()
        door.groups.add(Group.objects.get(name="Door staff"))

        assert door.has_perm("bookings.check_in_ticket")
