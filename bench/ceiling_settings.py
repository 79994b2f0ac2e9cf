"""The project's settings, unchanged but for the URLconf: the bare-Django ceiling's single view."""
from movie_booking.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ceiling"
