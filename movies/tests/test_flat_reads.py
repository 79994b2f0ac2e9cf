"""The public reads build their bodies from flat rows (movies.selectors); the serializers that document them in
Swagger must describe exactly what is sent, field for field and in the same order."""
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from bookings.services import hold_seats
from bookings.tests.factories import booking_with_seats
from movies.models import Show
from movies.serializers import MovieSerializer, ShowSerializer
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def as_sent(data):
    """What a serializer's output becomes on the wire: keys in order, through DRF's own JSON."""
    return list(json.loads(JSONRenderer().render(data)).items())


def test_movies_as_their_serializer_renders_them(api_client):
    dated = MovieFactory(title="Dated", release_date=date(2026, 3, 1), poster_url="https://example.com/p.jpg")
    undated = MovieFactory(title="Undated", release_date=None, description="Ça tourne — 映画")

    listed = api_client.get("/api/movies/").json()["results"]

    for movie, body in zip([dated, undated], listed, strict=True):
        assert list(body.items()) == as_sent(MovieSerializer(movie).data)
        assert list(api_client.get(f"/api/movies/{movie.id}/").json().items()) == as_sent(MovieSerializer(movie).data)


def test_shows_as_their_serializer_renders_them(api_client):
    screen = ScreenFactory(rows=2, seats_per_row=5, layout=["ss.pp", "axsss"])
    # Microseconds and a price per category; seats sold, held, and one cancelled (not counted).
    show = ShowFactory(screen=screen, price=Decimal("9.5"), premium_price=Decimal("14.25"),
                       starts_at=timezone.now() + timedelta(days=2, microseconds=1234))
    plain = ShowFactory(movie=show.movie, premium_price=None, accessible_price=Decimal("0"))
    booking_with_seats(show, [1, 4])
    booking_with_seats(show, [2], cancelled=True)
    hold_seats(user=UserFactory(), show=show, seat_numbers=[5])

    listed = api_client.get("/api/shows/").json()["results"]
    of_the_movie = api_client.get(f"/api/movies/{show.movie.id}/shows/").json()["results"]

    for read in [show, plain]:
        expected = as_sent(ShowSerializer(Show.objects.with_availability().get(pk=read.pk)).data)
        assert [list(body.items()) for body in listed if body["id"] == read.id] == [expected]
        assert [list(body.items()) for body in of_the_movie if body["id"] == read.id] == [expected]
        assert list(api_client.get(f"/api/shows/{read.id}/").json().items()) == expected
    assert listed[[body["id"] for body in listed].index(show.id)]["available_seats"] == 5  # 8 seats, 3 taken
