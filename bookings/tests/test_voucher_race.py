"""The voucher race of issue #22: buyers of different shows hold different show locks, so only the voucher's own
row lock (on SQLite, BEGIN IMMEDIATE) keeps its uses at max_uses. Real threads, each with its own connection, on a
file-backed SQLite database and, when DATABASE_URL is set, PostgreSQL."""
from decimal import Decimal

import pytest

from bookings.models import Booking, Voucher
from bookings.tests.test_races import run_at_once
from conftest import bearer_client
from movies.tests.factories import ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 50
MAX_USES = 5


def test_buyers_of_fifty_shows_redeeming_one_voucher_at_once_use_it_exactly_max_uses_times(settings):
    settings.THROTTLE_BOOKING = None
    voucher = Voucher.objects.create(code="LAUNCH", discount_percent=Decimal("50"), max_uses=MAX_USES)
    shows = [ShowFactory() for _ in range(BUYERS)]
    clients = [bearer_client(user) for user in UserFactory.create_batch(BUYERS)]

    responses = run_at_once(BUYERS, lambda i: clients[i].post(
        f"/api/shows/{shows[i].id}/book/", {"seat_number": 1, "voucher": "launch"}, format="json"))

    assert not [response for response in responses if not hasattr(response, "status_code")], responses
    statuses = [response.status_code for response in responses]
    assert (statuses.count(201), statuses.count(400)) == (MAX_USES, BUYERS - MAX_USES), sorted(statuses)
    refusals = [response.json() for response in responses if response.status_code == 400]
    assert all(refusal == {"code": "voucher_invalid", "detail": "This voucher has been used up."}
               for refusal in refusals), refusals
    assert Booking.objects.filter(voucher=voucher, status=Booking.Status.CONFIRMED).count() == MAX_USES
    assert Booking.objects.count() == MAX_USES
    assert all(booking["total_price"] == "4.75" for booking in (r.json() for r in responses if r.status_code == 201))
