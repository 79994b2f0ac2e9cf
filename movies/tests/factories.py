from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from movies.models import Movie, Screen, Show


class MovieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Movie

    title = factory.Sequence(lambda n: f"Movie {n}")
    description = "A film."
    duration_minutes = 120
    genre = "Drama"
    language = "English"
    release_date = factory.Faker("date_object")


class ScreenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Screen

    name = factory.Sequence(lambda n: f"Screen {n}")
    rows = 5
    seats_per_row = 10


class ShowFactory(factory.django.DjangoModelFactory):
    """A show tomorrow on a screen of its own, so factory shows never overlap unless asked to."""

    class Meta:
        model = Show

    movie = factory.SubFactory(MovieFactory)
    screen = factory.SubFactory(ScreenFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(days=1))
    price = Decimal("9.50")
