"""Catalogue writes that have rules: shows never overlap on a screen, sold seats never move, and
nothing with bookings is deleted.

Each save locks the screen row first, so two staff writes that could overlap are ordered; the
checks run again inside that lock. The `check_*` functions run the same checks without locks, for
forms that want to show the error before saving. Each delete locks the shows it would delete, the
rows every booking locks first, so a delete and a booking of the same show are ordered too.
"""
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from core.cache import bump_after_commit
from core.db import run_with_retries
from core.exceptions import ProtectedObject
from movies.exceptions import DefaultTicketTypeChanged, ScreenHasBookings, ShowHasBookings, ShowOverlap
from movies.models import Movie, Screen, Show, TicketType, live_ticket_condition, overlap_message


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


def save_show(*, show, ticket_types=None):
    """Create or update a show; `ticket_types` (when given) are what it sells, none: every active type.
    Raises ShowOverlap, ShowHasBookings."""
    with transaction.atomic():
        Screen.objects.select_for_update().get(pk=show.screen_id)
        if show.pk:
            Show.objects.select_for_update().get(pk=show.pk)
        check_show(show)
        show.save()
        if ticket_types is not None:
            show.ticket_types.set(ticket_types)
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


def save_ticket_type(*, ticket_type):
    """Create or update a ticket type. One saved as the default takes over from the old default in the same
    transaction (a database constraint keeps the default single). Raises DefaultTicketTypeChanged when another
    write made another type the default at the same moment."""
    try:
        with transaction.atomic():
            if ticket_type.is_default:
                TicketType.objects.filter(is_default=True).exclude(pk=ticket_type.pk).update(is_default=False)
            ticket_type.save()
            bump_after_commit("catalogue")
    except IntegrityError as error:
        raise DefaultTicketTypeChanged() from error
    return ticket_type


def ticket_type_limits_something(ticket_type):
    return ticket_type.shows.exists() or ticket_type.vouchers.exists()


def ticket_type_deletable(ticket_type):
    """Whether `delete_ticket_type` would delete it (for forms that offer the delete)."""
    return not (ticket_type.is_default or ticket_type_limits_something(ticket_type)
                or ticket_type.tickets.exists())


def delete_ticket_type(*, ticket_type):
    """Delete a ticket type nothing names. Raises ProtectedObject when it is the default (a seat asked for without
    a type needs one), or when tickets were sold as it or shows or vouchers are limited to it (deleting it would
    widen their limits to every type): deactivate it instead."""
    if ticket_type.is_default:
        raise ProtectedObject("The default ticket type cannot be deleted: make another one the default first.")
    if ticket_type_limits_something(ticket_type):
        raise ProtectedObject("Shows or vouchers are limited to this ticket type: deactivate it instead.")
    try:
        with transaction.atomic():
            ticket_type.delete()
            bump_after_commit("catalogue")
    except (ProtectedError, RestrictedError, IntegrityError) as error:
        raise ProtectedObject("Tickets were sold as this type: deactivate it instead.") from error


def delete_show(*, show):
    """Delete a show. Raises ProtectedObject when it has bookings (live or cancelled: they are history)."""
    _delete_with_its_shows(show, Show.objects.filter(pk=show.pk))


def delete_screen(*, screen):
    """Delete a screen with its shows. Raises ProtectedObject when one of its shows has bookings."""
    _delete_with_its_shows(screen, Show.objects.filter(screen_id=screen.pk))


def delete_movie(*, movie):
    """Delete a movie with its shows. Raises ProtectedObject when one of its shows has bookings."""
    _delete_with_its_shows(movie, Show.objects.filter(movie_id=movie.pk))


def _delete_with_its_shows(instance, shows):
    """Delete `instance` and, by cascade, `shows`, after locking those shows (by pk, the order every
    multi-show lock takes). A booking writes only while it holds its show's lock, so once the locks are
    held, the check for bookings that Django's delete makes (on_delete=PROTECT) sees every booking
    committed before, and no booking can start until the delete commits (it then finds no show: 404).
    Without the locks, a booking committed between that check and the delete broke the foreign key at
    commit: a 500.
    """
    def delete_in_transaction():
        with transaction.atomic():
            list(shows.select_for_update().order_by("pk").values_list("pk", flat=True))
            instance.delete()
            bump_after_commit("catalogue")

    try:
        run_with_retries(delete_in_transaction)
    except (ProtectedError, RestrictedError) as error:
        raise ProtectedObject() from error
    except IntegrityError as error:
        # A row that Django's check cannot see (a writer that skipped the show's lock) still refers to a show.
        raise ProtectedObject() from error
