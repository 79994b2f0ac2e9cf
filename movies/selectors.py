"""Catalogue reads that need more than a one-line queryset."""
from datetime import datetime, time, timedelta

from django.utils import timezone

from movies.models import Show, live_ticket_condition
from movies.seating import row_letters


def shows_with_availability(*, movie_id=None, screen_id=None, starts_from=None, starts_before=None, day=None):
    """Shows soonest first, each with `sold_seats`, in one query.

    Upcoming only unless `starts_from` or `day` says otherwise; `day` is a date in the TIME_ZONE
    setting; `starts_before` bounds the start from above and keeps the upcoming-only default.
    """
    shows = Show.objects.with_availability()
    if movie_id is not None:
        shows = shows.filter(movie_id=movie_id)
    if screen_id is not None:
        shows = shows.filter(screen_id=screen_id)
    if starts_from is None and day is None:
        shows = shows.filter(starts_at__gt=timezone.now())
    if starts_from is not None:
        shows = shows.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        shows = shows.filter(starts_at__lt=starts_before)
    if day is not None:
        zone = timezone.get_default_timezone()
        day_start = datetime.combine(day, time.min, tzinfo=zone)
        next_day_start = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        shows = shows.filter(starts_at__gte=day_start, starts_at__lt=next_day_start)
    return shows.order_by("starts_at", "id")


def seat_map(show):
    """The seat map of a show: every seat, row by row, with whether it can still be booked (neither sold
    nor held by a live hold)."""
    screen = show.screen
    taken = set(show.tickets.filter(live_ticket_condition(timezone.now())).values_list("seat_number", flat=True))
    rows = []
    for row in range(screen.rows):
        letters = row_letters(row)
        first = row * screen.seats_per_row + 1
        seats = [
            {"number": number, "label": f"{letters}{number - first + 1}", "available": number not in taken}
            for number in range(first, first + screen.seats_per_row)
        ]
        rows.append({"row": letters, "seats": seats})
    return {
        "show": show.pk,
        "total_seats": screen.capacity,
        "available_seats": screen.capacity - len(taken),
        "rows": rows,
    }
