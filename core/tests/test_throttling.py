"""Throttles under parallel requests: N at once pass exactly the limit, on every cache backend the project runs on.

Each request is a real thread with its own cache connection (and database connection) through Django's test
client; the caches are real: LocMemCache (one process), the SQLite-file cache (the one-machine default) and
Redis (a throwaway redis-server). The rates are per hour, and a burst that straddles a window's end is run
again, so the windows never split a burst.
"""
import time
from collections import Counter

import pytest
from django.core.cache import caches
from django.test import override_settings
from rest_framework.test import APIClient

from bookings.models import Booking
from bookings.tests.test_races import run_at_once
from conftest import bearer_client
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

LIMIT = 10
PARALLEL = 40
HOUR = 3600


def within_one_window(burst):
    """Run `burst()`, again if the hour ended while it ran (each window counts apart)."""
    for _ in range(3):
        window = time.time() // HOUR
        outcome = burst()
        if time.time() // HOUR == window:
            return outcome
    raise AssertionError("three bursts in a row straddled an hour's end")


@override_settings(THROTTLE_AUTH=f"{LIMIT}/hour")
def test_parallel_logins_from_one_ip_pass_exactly_the_limit(shared_cache):
    clients = [APIClient() for _ in range(PARALLEL)]

    def burst():
        caches["default"].clear()
        return run_at_once(PARALLEL, lambda i: clients[i].post("/api/auth/login/", {}, format="json"))

    responses = within_one_window(burst)

    statuses = sorted(response.status_code for response in responses)
    # 400: past the throttle, a body without fields
    assert statuses == [400] * LIMIT + [429] * (PARALLEL - LIMIT), Counter(statuses)
    throttled = [response for response in responses if response.status_code == 429]
    assert all(0 < int(response["Retry-After"]) <= HOUR for response in throttled)
    assert {response.json()["code"] for response in throttled} == {"throttled"}


@pytest.mark.django_db(transaction=True)
@override_settings(THROTTLE_BOOKING=f"{LIMIT}/hour")
def test_parallel_bookings_by_one_user_book_exactly_the_limit(shared_cache):
    user = UserFactory()
    clients = [bearer_client(user) for _ in range(PARALLEL)]

    def burst():
        caches["default"].clear()
        show = ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10))
        return show, run_at_once(PARALLEL, lambda i: clients[i].post(f"/api/shows/{show.pk}/book/",
                                                                     {"seat_number": i + 1}, format="json"))

    show, responses = within_one_window(burst)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * LIMIT + [429] * (PARALLEL - LIMIT), Counter(statuses)
    assert Booking.objects.filter(show=show).count() == LIMIT


