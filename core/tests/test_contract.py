"""Contract fuzzing: every operation of /swagger.json, called in-process with generated input.

schemathesis reads the OpenAPI document the app serves, generates valid and invalid requests for each
operation, sends them through the WSGI app (so against the test database) and fails on any 5xx, any
status code the document does not list, and any response body that does not match its documented schema.
The data below gives the fuzzer something real to hit: ids that exist, a token for each role, a booking.
"""
from datetime import timedelta

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings

from bookings.tests.factories import booking_with_seats
from conftest import access_token
from core.serializers import MAX_ID
from movie_booking.wsgi import application
from movies.tests.factories import ShowFactory

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.response_schema_conformance,
]
# Catalogue writes and the sales reports need staff to reach the code behind the permission check; everything
# else a user.
STAFF_PATHS = {f"/{kind}/{suffix}" for kind in ("movies", "screens", "shows") for suffix in ("", "{id}/")}
REPORT_PATHS = {"/reports/shows/", "/reports/daily/"}


@pytest.fixture
def wsgi_app(db):
    """The WSGI app, called straight: like Django's test client, keep the test's connection open across requests
    (Django closes it at each request's start and end, which would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded once at collection: the document is built from the code (no database needed), as clients get it.
schema = schemathesis.openapi.from_wsgi("/swagger.json", application)


@pytest.fixture
def world(user, staff_user):
    """Shows tomorrow and yesterday, each with a booking of the user (so deletes meet 409, cancels both answers),
    and a show without bookings (so a delete can succeed)."""
    upcoming = ShowFactory()
    started = ShowFactory(starts_at=upcoming.starts_at - timedelta(days=2))
    free = ShowFactory()
    bookings = [booking_with_seats(upcoming, [1, 2], user=user), booking_with_seats(started, [3], user=user),
                booking_with_seats(upcoming, [4], user=staff_user)]
    shows = [upcoming, started, free]
    staff_user.user_permissions.add(Permission.objects.get(codename="view_sales"))
    return {
        "ids": {
            "shows": [show.pk for show in shows],
            "movies": [show.movie_id for show in shows],
            "screens": [show.screen_id for show in shows],
            "bookings": [booking.pk for booking in bookings],
        },
        "user": access_token(user),
        "staff": access_token(staff_user),
    }


def needs_staff(case):
    return (case.method.upper() != "GET" and case.operation.path in STAFF_PATHS) or case.operation.path in REPORT_PATHS


def real_id(value, existing):
    """Random integer ids almost never exist: let most integers name an existing object instead, so that
    requests reach past the 404 or the field error into the code behind it. Some integers, those past the
    database's integer range, and every value that is not an integer (the fuzzer's invalid input), stay as
    generated."""
    if isinstance(value, str) and value.isascii() and value.isdigit():  # how the coverage phase sends path ids
        value = int(value)
    if (not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_ID
            or value % (len(existing) + 1) == len(existing)):
        return value
    return existing[value % (len(existing) + 1)]


def use_real_ids(case, ids):
    """Point the path's `{id}` (/<kind>/{id}/..., under the base path /api) and the movie and screen ids in
    the body and the query at existing objects, and a seat number at the first seats (some free, some sold)."""
    if case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = real_id(case.path_parameters["id"], ids.get(case.operation.path.split("/")[1], []))
    for values in (case.body, case.query):
        if isinstance(values, dict):
            for field in ("movie", "screen"):
                if field in values:
                    values[field] = real_id(values[field], ids[f"{field}s"])
    if isinstance(case.body, dict) and type(case.body.get("seat_number")) is int:
        case.body["seat_number"] = 1 + case.body["seat_number"] % 12


# Bounded (25 examples per operation and phase, ~20 s in all) and derandomized: CI sees the same inputs
# every run, so a failure is reproducible and never flaky. Throttles are off so that the fuzzer reaches the
# code behind them (their 429 is documented and tested on its own).
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@override_settings(THROTTLE_AUTH=None, THROTTLE_BOOKING=None)
def test_every_operation_keeps_its_documented_contract(case, world, wsgi_app):
    use_real_ids(case, world["ids"])
    token = world["staff"] if needs_staff(case) else world["user"]

    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

