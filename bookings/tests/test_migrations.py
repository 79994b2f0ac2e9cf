"""Data migrations, run on rows written before them."""
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bookings.models import Booking, Ticket
from bookings.tests.factories import booking_with_seats
from movies.tests.factories import ShowFactory

BEFORE_CONFIRMED_AT = ("bookings", "0012_sales_report_permission")


def migrate(*targets):
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets) or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_confirmed_at_is_when_a_booking_that_was_confirmed_was_made():
    show = ShowFactory()
    made = timezone.now() - timedelta(days=3)
    confirmed, cancelled = booking_with_seats(show, [1]), booking_with_seats(show, [2], cancelled=True)
    hold, cancelled_hold = booking_with_seats(show, [3]), booking_with_seats(show, [4], cancelled=True)
    Booking.objects.update(created_at=made)
    Ticket.objects.filter(booking__in=[hold, cancelled_hold]).update(code=None)
    migrate(BEFORE_CONFIRMED_AT)
    with connection.cursor() as cursor:  # the columns of 0012, through no model of today's
        cursor.execute("UPDATE bookings_booking SET status = 'HELD', expires_at = %s WHERE id = %s",
                       [made + timedelta(minutes=10), hold.pk])

    migrate()

    assert dict(Booking.objects.values_list("pk", "confirmed_at")) == {
        confirmed.pk: made, cancelled.pk: made, hold.pk: None, cancelled_hold.pk: None}
