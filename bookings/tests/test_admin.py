"""Bookings in the admin: read-only history, cancelled through the same service as the API."""
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, Ticket
from bookings.tests.factories import booking_with_seats
from movies.tests.factories import ShowFactory

pytestmark = pytest.mark.django_db


def cancel_selected(admin_client, *bookings):
    return admin_client.post("/admin/bookings/booking/", {
        "action": "cancel_selected", "_selected_action": [booking.pk for booking in bookings],
    }, follow=True)


def test_cancel_action_frees_the_seats(admin_client):
    show = ShowFactory()
    booking = booking_with_seats(show, [1, 2])

    response = cancel_selected(admin_client, booking)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_at is not None
    assert not Ticket.objects.filter(is_active=True).exists()
    assert b"Cancelled 1 booking" in response.content


def test_cancel_action_refuses_a_started_show_and_says_why(admin_client):
    started = booking_with_seats(ShowFactory(starts_at=timezone.now() - timedelta(minutes=1)), [1])
    upcoming = booking_with_seats(ShowFactory(), [1])

    response = cancel_selected(admin_client, started, upcoming)

    assert Booking.objects.get(pk=started.pk).status == Booking.Status.CONFIRMED
    assert Booking.objects.get(pk=upcoming.pk).status == Booking.Status.CANCELLED
    assert b"already started" in response.content


def test_bookings_are_read_only_history(admin_client, django_assert_max_num_queries):
    show = ShowFactory()
    bookings = [booking_with_seats(show, [seat]) for seat in range(1, 11)]

    with django_assert_max_num_queries(12):
        listing = admin_client.get("/admin/bookings/booking/")
    detail = admin_client.get(f"/admin/bookings/booking/{bookings[0].pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert admin_client.get("/admin/bookings/booking/add/").status_code == 403
    assert admin_client.post(f"/admin/bookings/booking/{bookings[0].pk}/delete/").status_code == 403
    assert b"A1" in detail.content
