"""Ids past the database's integer range: 404 in any path, 400 in a query or a body, never a 500."""
import re

import pytest
from django.urls import URLResolver, get_resolver, resolve

from conftest import bearer_client
from core.views import UnknownApiPathView
from movies.tests.factories import ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAST_THE_RANGE = "1970763802774355312640"  # schemathesis sent it; 2**63 - 1 is the largest id
PATH_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def api_routes(resolver=None, prefix="/"):
    """Every route under /api/ as written (`/api/shows/<id:pk>/book/`), the URLconf walked through its includes."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from api_routes(entry, route)
        elif route.startswith("/api/"):
            yield route


def routes_with_ids():
    return sorted({route for route in api_routes() if PATH_PARAMETER.search(route)})


def test_the_walk_sees_every_route_that_takes_an_id():
    routes = routes_with_ids()

    assert "/api/bookings/<id:pk>/tickets/<id:number>/qr/" in routes
    assert {"/api/shows/<id:pk>/", "/api/shows/<id:pk>/seats/", "/api/shows/<id:pk>/book/",
            "/api/bookings/<id:pk>/cancel/", "/api/movies/<id:pk>/shows/"} <= set(routes)
    # The same routes with ids in range reach their own views, so the 404s below are the range's doing.
    for route in routes:
        assert resolve(PATH_PARAMETER.sub("1", route)).func.cls is not UnknownApiPathView, route


@pytest.mark.parametrize("route", routes_with_ids())
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_an_id_past_the_integer_range_in_any_path_is_404(route, method):
    ShowFactory()  # something to find, were the number read as another id
    superuser = bearer_client(UserFactory(is_staff=True, is_superuser=True))

    response = getattr(superuser, method)(PATH_PARAMETER.sub(PAST_THE_RANGE, route), {}, format="json")

    assert response.status_code == 404, (method, route, response.content)
    assert response.json()["code"] == "not_found"


def test_the_largest_id_is_still_an_id_that_finds_nothing(user_client):
    response = user_client.get(f"/api/bookings/{2**63 - 1}/tickets/{2**63 - 1}/qr/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("query", [f"movie={PAST_THE_RANGE}", f"screen={PAST_THE_RANGE}", f"screen=-{PAST_THE_RANGE}"])
def test_an_id_past_the_range_in_a_query_is_400(api_client, query):
    response = api_client.get(f"/api/shows/?{query}")

    assert response.status_code == 400
    assert set(response.json()) == {query.split("=")[0]}


def test_ids_past_the_range_in_bodies_are_400_and_write_nothing():
    show = ShowFactory()
    huge = int(PAST_THE_RANGE)
    superuser = bearer_client(UserFactory(is_staff=True, is_superuser=True))

    answers = [
        superuser.post("/api/shows/", {"movie": huge, "screen": show.screen_id, "starts_at": "2040-01-01T18:00:00Z",
                                          "price": "9.50"}, format="json"),
        superuser.post("/api/check-in/", {"ticket_code": "x" * 16, "show": huge}, format="json"),
        superuser.post(f"/api/shows/{show.id}/book/", {"seat_number": huge}, format="json"),
        superuser.post(f"/api/shows/{show.id}/hold/", {"seat_numbers": [1, PAST_THE_RANGE]}, format="json"),
    ]

    assert [answer.status_code for answer in answers] == [400] * 4
    assert show.tickets.count() == 0
    assert type(show).objects.count() == 1
