"""Nobody can use the server to flood an address: holds mail nothing, and booking mails per address are bounded."""
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Booking, SentMail
from conftest import bearer_client, staff_with_permissions
from movies.models import Movie
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

# The mails are tasks run after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def show(db):
    return ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10))


@pytest.fixture
def buyer(settings):
    settings.THROTTLE_BOOKING = None
    victim = UserFactory(email="stranger@example.com")
    return victim, bearer_client(victim)


def post(client, path, body=None):
    return client.post(path, body, format="json")


def test_a_hold_that_is_cancelled_or_expires_mails_nothing(buyer, show):
    _, client = buyer
    for seat in (1, 2):
        held = post(client, f"/api/shows/{show.id}/hold/", {"seat_number": seat}).json()
        if seat == 1:
            assert post(client, f"/api/bookings/{held['id']}/cancel/").json()["status"] == "CANCELLED"
    Booking.objects.filter(status=Booking.Status.HELD).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/api/bookings/{held['id']}/").json()["status"] == "EXPIRED"

    assert mail.outbox == []


def test_a_confirmed_booking_s_cancel_is_still_mailed(buyer, show):
    _, client = buyer
    booked = post(client, f"/api/shows/{show.id}/book/", {"seat_number": 1}).json()
    post(client, f"/api/bookings/{booked['id']}/cancel/")

    assert [message.subject.split(":")[0] for message in mail.outbox] == ["Your tickets", "Booking cancelled"]


def test_an_address_gets_at_most_mail_per_address_per_hour_booking_mails(settings, buyer, show, caplog):
    settings.MAIL_PER_ADDRESS_PER_HOUR = 5
    victim, client = buyer
    bookings = []
    with caplog.at_level(logging.WARNING, logger="bookings.tasks"):
        for round_number in range(1, 5):  # book and cancel: 8 mails asked for
            booked = post(client, f"/api/shows/{show.id}/book/", {"seat_number": round_number}).json()
            assert post(client, f"/api/bookings/{booked['id']}/cancel/").status_code == 200
            bookings.append(booked["id"])

    assert len(mail.outbox) == 5
    assert all(message.to == [victim.email] for message in mail.outbox)
    assert sum("Dropped" in record.message for record in caplog.records) == 3
    assert Booking.objects.filter(pk__in=bookings, status=Booking.Status.CANCELLED).count() == 4  # all still there
    other = UserFactory()
    post(bearer_client(other), f"/api/shows/{show.id}/book/", {"seat_number": 20})
    assert mail.outbox[-1].to == [other.email]  # another address has a count of its own


def test_the_count_is_per_hour(settings, buyer, show):
    settings.MAIL_PER_ADDRESS_PER_HOUR = 1
    _, client = buyer
    post(client, f"/api/shows/{show.id}/book/", {"seat_number": 1})
    SentMail.objects.update(sent_at=timezone.now() - timedelta(minutes=61))

    post(client, f"/api/shows/{show.id}/book/", {"seat_number": 2})

    assert len(mail.outbox) == 2
    assert SentMail.objects.count() == 1  # the hour-old row was pruned


def test_a_title_saved_with_a_line_break_still_mails_its_tickets(buyer, show):
    _, client = buyer
    Movie.objects.filter(pk=show.movie_id).update(title="Line\nbreak")

    assert post(client, f"/api/shows/{show.id}/book/", {"seat_number": 1}).status_code == 201

    [message] = mail.outbox
    assert message.subject.startswith("Your tickets: Line break, ")


def test_a_mail_that_fails_for_another_reason_than_the_server_is_logged_as_an_error(buyer, show, caplog):
    victim, client = buyer
    victim.email = "broken\n@example.com"  # saved before emails were checked: Django refuses the header
    victim.save(update_fields=["email"])

    with caplog.at_level(logging.ERROR, logger="bookings.tasks"):
        assert post(client, f"/api/shows/{show.id}/book/", {"seat_number": 1}).status_code == 201

    assert mail.outbox == []
    assert any(record.name == "bookings.tasks" and record.levelno == logging.ERROR
               and "send_confirmation_mail" in record.message and record.exc_info for record in caplog.records)
    assert not SentMail.objects.exists()


@pytest.mark.parametrize(("mode", "mailed"), [("optional", False), ("mandatory", False), ("none", True)])
def test_an_unverified_address_gets_no_booking_mail_unless_verification_is_off(settings, show, mode, mailed):
    settings.EMAIL_VERIFICATION = mode
    settings.THROTTLE_BOOKING = None
    # At the box office, so that `mandatory` lets them book at all.
    stranger = staff_with_permissions("bookings.sell_at_box_office", email="stranger@example.com",
                                      email_verified=False)
    client = bearer_client(stranger)

    booked = post(client, f"/api/shows/{show.id}/book/", {"seat_number": 1})
    post(client, f"/api/bookings/{booked.json()['id']}/cancel/")

    assert booked.status_code == 201
    assert [message.to for message in mail.outbox] == ([["stranger@example.com"]] * 2 if mailed else [])
    assert SentMail.objects.count() == (2 if mailed else 0)
