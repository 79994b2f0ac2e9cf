"""Catalogue reads that need more than a one-line queryset."""
from datetime import datetime, time, timedelta

from django.db.models import Min
from django.utils import timezone

from movies.models import Show, live_ticket_condition
from movies.seating import CATEGORY_NAMES, GAP, row_letters


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


def seconds_until_a_hold_expires(*, show_id=None):
    """Whole seconds until the earliest live hold (of one show, or of any) expires, None when there is none:
    until then, what counts as taken stays as it is unless something is written."""
    now = timezone.now()
    tickets = Show._meta.get_field("tickets").related_model.objects.filter(is_active=True, held_until__gt=now)
    if show_id is not None:
        tickets = tickets.filter(show_id=show_id)
    earliest = tickets.aggregate(earliest=Min("held_until"))["earliest"]
    return None if earliest is None else int((earliest - now).total_seconds())


def seat_map(show):
    """The seat map of a show: every seat of its layout, row by row, with its column, category, price and
    whether it can still be booked (not blocked, not sold, not held by a live hold). Gaps are left out."""
    screen = show.screen
    taken = set(show.tickets.filter(live_ticket_condition(timezone.now())).values_list("seat_number", flat=True))
    prices = {category: f"{price:.2f}" for category, price in show.prices.items()}
    rows = []
    available_seats = 0
    for index, places in enumerate(screen.plan):
        letters = row_letters(index)
        first = index * screen.seats_per_row
        seats = []
        for column, place in enumerate(places, 1):
            if place == GAP:
                continue
            number = first + column
            category = CATEGORY_NAMES[place]
            available = category != "blocked" and number not in taken
            available_seats += available
            seats.append({"number": number, "label": f"{letters}{column}", "column": column, "category": category,
                          "price": prices.get(category), "available": available})
        rows.append({"row": letters, "seats": seats})
    return {"show": show.pk, "total_seats": screen.capacity, "available_seats": available_seats, "rows": rows}
