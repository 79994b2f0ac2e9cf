"""BookingSerializer writes its answer out by hand; it must be exactly what its declared fields render."""
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from bookings import selectors, services
from bookings.models import Booking
from bookings.serializers import BookingSerializer
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def read_as(user):
    request = APIRequestFactory().get("/")
    request.user = user
    return {"request": request}


def test_written_out_as_the_declared_fields_render_it(settings):
    owner, staff = UserFactory(), UserFactory(is_staff=True)
    show = ShowFactory(screen=ScreenFactory(rows=2, seats_per_row=5, layout=["ppsss", "aasss"]))
    confirmed = services.book_seats(user=owner, show=show, seat_numbers=[1, 3, 6])
    held = services.hold_seats(user=owner, show=show, seat_numbers=[4])
    dead = services.hold_seats(user=owner, show=show, seat_numbers=[5])
    Booking.objects.filter(pk=dead.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    cancelled = services.cancel_booking(booking=services.book_seats(user=owner, show=show, seat_numbers=[7]))

    bookings = selectors.bookings_with_details().filter(pk__in=[confirmed.pk, held.pk, dead.pk, cancelled.pk])
    assert {booking.current_status for booking in bookings} == set(Booking.Status.values)
    for booking in bookings:
        for reader in (owner, staff):
            serializer = BookingSerializer(booking, context=read_as(reader))
            declared = serializers.ModelSerializer.to_representation(serializer, booking)
            assert list(serializer.data.items()) == list(declared.items())
