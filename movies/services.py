"""Catalogue writes that have rules: shows never overlap on a screen, and sold seats never move.

Each save locks the screen row first, so two staff writes that could overlap are ordered; the
checks run again inside that lock. The `check_*` functions run the same checks without locks, for
forms that want to show the error before saving.
"""
from django.db import transaction
from django.utils import timezone

from core.cache import bump_after_commit
from movies.exceptions import ScreenHasBookings, ShowHasBookings, ShowOverlap
from movies.models import Movie, Screen, Show, live_ticket_condition, overlap_message


def check_show(show):
    """Raise ShowHasBookings or ShowOverlap if `show` (new or changed, unsaved) may not be saved."""
    if show.pk:
        original = Show.objects.get(pk=show.pk)
        moved = (original.screen_id, original.starts_at) != (show.screen_id, show.starts_at)
        if moved and original.tickets.filter(live_ticket_condition(timezone.now())).exists():
            raise ShowHasBookings()
    conflicts = Show.objects.overlapping(
        screen_id=show.screen_id, starts_at=show.starts_at, ends_at=show.ends_at, exclude_pk=show.pk
    )
    if conflicts:
        raise ShowOverlap(overlap_message(conflicts))


def save_show(*, show):
    """Create or update a show. Raises ShowOverlap, ShowHasBookings."""
    with transaction.atomic():
        Screen.objects.select_for_update().get(pk=show.screen_id)
        if show.pk:
            Show.objects.select_for_update().get(pk=show.pk)
        check_show(show)
        show.save()
        bump_after_commit("catalogue")
    return show


def check_movie(movie):
    """A longer running time may make this movie's shows overlap the next show on their screen."""
    if not movie.pk or movie.duration_minutes <= Movie.objects.get(pk=movie.pk).duration_minutes:
        return
    for show in movie.shows.select_related("screen"):
        show.movie = movie
        conflicts = Show.objects.overlapping(
            screen_id=show.screen_id, starts_at=show.starts_at, ends_at=show.ends_at, exclude_pk=show.pk
        )
        if conflicts:
            raise ShowOverlap(f"With this running time, the show at {show.starts_at:%Y-%m-%d %H:%M} UTC on "
                              f"{show.screen} would overlap: {overlap_message(conflicts)}")


def save_movie(*, movie):
    """Create or update a movie. Raises ShowOverlap when a longer running time would make shows overlap."""
    with transaction.atomic():
        if movie.pk:
            screen_ids = sorted(set(movie.shows.values_list("screen_id", flat=True)))
            list(Screen.objects.select_for_update().filter(pk__in=screen_ids).order_by("pk"))
            check_movie(movie)
        movie.save()
        bump_after_commit("catalogue")
    return movie


def check_screen(screen):
    """Raise ScreenHasBookings if `screen` changes its size or layout while a show on it has live tickets
    or live holds (their seat numbers and prices would no longer mean what was sold)."""
    if not screen.pk:
        return
    original = Screen.objects.get(pk=screen.pk)
    reseated = (original.rows, original.seats_per_row, original.plan) != (screen.rows, screen.seats_per_row,
                                                                         screen.plan)
    live = live_ticket_condition(timezone.now(), prefix="tickets__")
    if reseated and Show.objects.filter(live, screen=screen).exists():
        raise ScreenHasBookings()


def save_screen(*, screen):
    """Create or update a screen. Raises ScreenHasBookings when resizing or re-laying out a screen with sold
    or held seats."""
    with transaction.atomic():
        if screen.pk:
            Screen.objects.select_for_update().get(pk=screen.pk)
            # Bookings lock their show: holding the screen's shows orders a resize after them.
            list(Show.objects.select_for_update().filter(screen=screen).order_by("pk").values_list("pk"))
            check_screen(screen)
        screen.save()
        bump_after_commit("catalogue")
    return screen
