"""Catalogue reads that need more than a one-line queryset, and the public reads' bodies.

The bodies are built from flat `values()` rows, not through the serializers: a cache miss is then one query
and a loop of dict literals, at a fraction of the cost of model instances and a serializer per object. The
serializers (movies.serializers) document the same shapes for Swagger and validate writes; the tests hold the
two to the same output.
"""
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from core.db import ModelColumns, database, key_param, once_per_database
from core.serializers import money, utc_timestamp
from movies import pricing
from movies.models import (
    DEAD_HOLD,
    HELD,
    Movie,
    Screen,
    Show,
    TicketType,
    active_seats,
    category_prices,
    seat_state_sql,
)
from movies.seating import CATEGORY_NAMES, GAP, row_letters, screen_capacity, screen_plan

MOVIE_COLUMNS = ("id", "title", "description", "duration_minutes", "genre", "language", "release_date",
                 "poster_url", "age_rating")
SHOW_COLUMNS = ("id", "starts_at", "price", "premium_price", "accessible_price", "sold_seats", "movie_id",
                "movie__title", "movie__duration_minutes", "screen_id", "screen__name", "screen__rows",
                "screen__seats_per_row", "screen__layout")
def movie_bodies(rows):
    """Movies (rows of MOVIE_COLUMNS) as the API shows them."""
    return [{**row, "release_date": row["release_date"] and row["release_date"].isoformat()} for row in rows]


def show_bodies(rows):
    """Shows (rows of SHOW_COLUMNS, from `Show.objects.with_availability()`) as the API shows them, each with
    its offer of ticket types: two queries more, however many shows."""
    offered = offers([row["id"] for row in rows])
    return [show_body(row, offered[row["id"]]) for row in rows]


def show_body(row, offered):
    """A show (a row of SHOW_COLUMNS) and the ticket types it sells, as the API shows it."""
    total_seats = screen_capacity(row["screen__layout"], row["screen__rows"], row["screen__seats_per_row"])
    prices = category_prices(row["price"], row["premium_price"], row["accessible_price"])
    return {
        "id": row["id"],
        "movie": {"id": row["movie_id"], "title": row["movie__title"]},
        "screen": {"id": row["screen_id"], "name": row["screen__name"]},
        "starts_at": utc_timestamp(row["starts_at"]),
        "ends_at": utc_timestamp(row["starts_at"] + timedelta(minutes=row["movie__duration_minutes"])),
        "price": money(row["price"]),
        "prices": {category: money(price) for category, price in prices.items()},
        "ticket_types": [offer_body(ticket_type, prices) for ticket_type in offered],
        "currency": settings.CURRENCY,
        "total_seats": total_seats,
        "available_seats": total_seats - row["sold_seats"],
    }


def offer_body(ticket_type, category_prices):
    return {"code": ticket_type.code, "name": ticket_type.name,
            "prices": {category: money(price)
                       for category, price in pricing.offer_prices(category_prices, ticket_type).items()}}


def offers(show_ids):
    """{show id: the active ticket types it sells}: every active type, unless staff limited the show to some."""
    active = list(TicketType.objects.filter(active=True))
    limited = {}
    for show_id, type_id in Show.ticket_types.through.objects.filter(show_id__in=show_ids).values_list(
            "show_id", "tickettype_id"):
        limited.setdefault(show_id, set()).add(type_id)
    return {show_id: [ticket_type for ticket_type in active if show_id not in limited
                      or ticket_type.pk in limited[show_id]] for show_id in show_ids}


# Whole rows, read as model instances in plain SQL on the booking path.
SHOW_ROW = ModelColumns(Show, "show")
SCREEN_ROW = ModelColumns(Screen, "screen")
MOVIE_ROW = ModelColumns(Movie, "movie")
TICKET_TYPE_ROW = ModelColumns(TicketType, "type")


def show_with_screen(show_id, *, with_movie=False, lock=False):
    """The show with its screen (and movie), or None: the booking path's reads of its show, in plain SQL
    (core.db.ModelColumns). `lock` takes the show's row lock, as select_for_update(of=("self",)) does; on SQLite,
    which has no row locks, the write transaction's BEGIN IMMEDIATE is the lock."""
    connection = database()
    value = key_param(Show._meta.pk, show_id, connection)
    if value is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_show_with_screen_sql(connection, with_movie, lock), [value])
        row = cursor.fetchone()
    if row is None:
        return None
    show, screen, *movie = ModelColumns.row_instances(row, connection, SHOW_ROW, SCREEN_ROW,
                                                      *([MOVIE_ROW] if with_movie else []))
    show.screen = screen
    if movie:
        show.movie = movie[0]
    return show


class ReadBeforeLock(NamedTuple):
    """What show_to_book read with the show, for the checks a booking makes before it queues for the lock."""

    at: datetime
    seats: tuple  # the seat numbers whose states were read, sorted
    states: list  # their active_seats rows at `at`
    default_type: TicketType | None  # the default ticket type, None if the show does not sell it


def show_to_book(show_id, seat_numbers=None):
    """The show with its screen, or None, as the booking path reads it before the show's lock: in the same
    statement, the default ticket type if the show sells it, and the active_seats rows of `seat_numbers` at this
    moment (when the body's seats are known before the show is), as `show.read_before_lock` (ReadBeforeLock).

    One statement where three were: in a sale most requests are refused here, and the floor (bench/floor.py)
    refuses in one read of the show."""
    connection = database()
    value = key_param(Show._meta.pk, show_id, connection)
    if value is None:
        return None
    now = timezone.now()
    seats = tuple(sorted(seat_numbers or ()))
    params = [connection.ops.adapt_datetimefield_value(now), *seats, value] if seats else [value]
    with connection.cursor() as cursor:
        cursor.execute(_show_to_book_sql(connection, len(seats)), params)
        rows = cursor.fetchall()
    if not rows:
        return None
    show, screen, default_type = ModelColumns.row_instances(rows[0], connection, SHOW_ROW, SCREEN_ROW,
                                                            TICKET_TYPE_ROW)
    show.screen = screen
    states = [(seat, state) for *_, seat, state in rows if seat is not None] if seats else []
    show.read_before_lock = ReadBeforeLock(now, seats, states, default_type if default_type.pk is not None else None)
    return show


@once_per_database
def _show_with_screen_sql(connection, with_movie, lock):
    quote = connection.ops.quote_name
    columns = [SHOW_ROW, SCREEN_ROW, *([MOVIE_ROW] if with_movie else [])]
    movie = (f" JOIN {MOVIE_ROW.table(connection)} ON {quote('movie')}.id = {quote('show')}.movie_id"
             if with_movie else "")
    for_update = (f" FOR UPDATE OF {quote('show')}" if lock and connection.features.has_select_for_update_of
                  else " FOR UPDATE" if lock and connection.features.has_select_for_update else "")
    return (f"SELECT {', '.join(each.sql(connection) for each in columns)} FROM {SHOW_ROW.table(connection)}"
            f"{_screen_join(connection)}{movie} WHERE {quote('show')}.id = %s{for_update}")


@once_per_database
def _show_to_book_sql(connection, seats_count):
    quote = connection.ops.quote_name
    show, kind = quote("show"), quote("type")
    select = ", ".join(each.sql(connection) for each in (SHOW_ROW, SCREEN_ROW, TICKET_TYPE_ROW))
    # The default type (at most one is), if the show sells it.
    joins = (f" LEFT JOIN {TICKET_TYPE_ROW.table(connection)} ON {kind}.is_default AND "
             f"{_sold_by_show_sql(connection, f'{show}.id')}")
    if seats_count:
        # The seats' tickets, if any is active: a row each, else one row of nulls.
        ticket = quote("ticket")
        tickets = quote(Show._meta.get_field("tickets").related_model._meta.db_table)
        select += f", {ticket}.seat_number, {seat_state_sql(connection, 'ticket')}"
        joins += (f" LEFT JOIN {tickets} {ticket} ON {ticket}.show_id = {show}.id AND {ticket}.is_active "
                  f"AND {ticket}.seat_number IN ({', '.join(['%s'] * seats_count)})")
    return (f"SELECT {select} FROM {SHOW_ROW.table(connection)}{_screen_join(connection)}{joins} "
            f"WHERE {show}.id = %s")


def _screen_join(connection):
    quote = connection.ops.quote_name
    return f" JOIN {SCREEN_ROW.table(connection)} ON {quote('screen')}.id = {quote('show')}.screen_id"


def offered_ticket_types(show_id):
    """The active ticket types one show sells (every active one, unless staff limited the show to some), in their
    order (TicketType's: by id), in one plain SQL query."""
    connection = database()
    with connection.cursor() as cursor:
        cursor.execute(_offered_ticket_types_sql(connection), [show_id, show_id])
        return [TICKET_TYPE_ROW.instance(row, connection) for row in cursor.fetchall()]


@once_per_database
def _offered_ticket_types_sql(connection):
    quote = connection.ops.quote_name
    return (f"SELECT {TICKET_TYPE_ROW.sql(connection)} FROM {TICKET_TYPE_ROW.table(connection)} "
            f"WHERE {_sold_by_show_sql(connection, '%s')} ORDER BY {quote('type')}.{quote('id')}")


def _sold_by_show_sql(connection, show_id):
    """The condition that the ticket type under the alias `type` is one the show `show_id` (SQL: a column or a
    parameter, which then comes twice) sells: active, and every active type unless staff limited the show to some."""
    quote = connection.ops.quote_name
    kind = quote("type")
    limits = f"SELECT 1 FROM {quote(Show.ticket_types.through._meta.db_table)} WHERE show_id = {show_id}"
    return f"{kind}.active AND (NOT EXISTS ({limits}) OR EXISTS ({limits} AND tickettype_id = {kind}.id))"


def shows_with_availability(*, movie_id=None, screen_id=None, starts_from=None, starts_before=None, day=None,
                            now=None):
    """Shows soonest first, each with `sold_seats`, in one query.

    Upcoming only (starting after `now`, default the present) unless `starts_from` or `day` says otherwise;
    `day` is a date in the TIME_ZONE setting; `starts_before` bounds the start from above and keeps the
    upcoming-only default.
    """
    now = now or timezone.now()
    shows = Show.objects.with_availability()
    if movie_id is not None:
        shows = shows.filter(movie_id=movie_id)
    if screen_id is not None:
        shows = shows.filter(screen_id=screen_id)
    if starts_from is None and day is None:
        shows = shows.filter(starts_at__gt=now)
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


def next_start(shows, *, after):
    """The earliest start later than `after` among `shows`, None when none of them starts later.

    A list of upcoming shows stays true until then, unless something is written: at that instant its first
    show leaves it (and on a later page, every show moves up one place).
    """
    return shows.filter(starts_at__gt=after).order_by("starts_at").values_list("starts_at", flat=True).first()


def earliest_hold_end(now, *, show_id=None):
    """When the earliest hold live at `now` (of one show, or of any) ends, None when there is none: until then,
    what counts as taken stays as it is unless something is written."""
    tickets = Show._meta.get_field("tickets").related_model.objects.filter(is_active=True, held_until__gt=now)
    if show_id is not None:
        tickets = tickets.filter(show_id=show_id)
    return tickets.aggregate(earliest=Min("held_until"))["earliest"]


def seconds_until_a_hold_expires(*, show_id=None):
    """Whole seconds until the earliest live hold (of one show, or of any) ends, None when there is none."""
    now = timezone.now()
    earliest = earliest_hold_end(now, show_id=show_id)
    return None if earliest is None else int((earliest - now).total_seconds())


def seat_map(show):
    """The seat map of a show (with its screen: show_with_screen): every seat of its layout, row by row, with its
    column, category, price and whether it can still be booked (not blocked, not sold, not held by a live
    hold). Gaps are left out.

    Returns the map and when its earliest live hold expires (None without one): until then, it stays true
    unless something is written.
    """
    now = timezone.now()
    states = active_seats(show.pk, now)
    taken = {seat for seat, state in states if state != DEAD_HOLD}
    screen = show.screen
    plan, bookable = _seat_entries(tuple(screen.layout or ()), screen.rows, screen.seats_per_row,
                                   tuple(sorted((category, money(price)) for category, price in show.prices.items())))
    rows = [{"row": letters, "seats": [taken_entry if number in taken else free_entry
                                       for number, free_entry, taken_entry in seats]} for letters, seats in plan]
    body = {"show": show.pk, "total_seats": screen_capacity(screen.layout, screen.rows, screen.seats_per_row),
            "available_seats": len(bookable - taken), "rows": rows}
    if not any(state == HELD for _, state in states):
        return body, None
    return body, earliest_hold_end(now, show_id=show.pk)  # the same `now`: the holds this answer counts


# One entry per layout and prices: a 500-seat screen's is some 400 kB, and a sale reads one show's over and over.
@lru_cache(maxsize=16)
def _seat_entries(layout, rows_count, seats_per_row, prices):
    """A layout's seat-map entries, row by row: [(row letters, [(number, entry if free, entry if taken)])], gaps
    left out, and the numbers of its seats that can be sold (not blocked). `prices` are (category, price) pairs.

    Each seat's two entries are built once and shared by every answer: a seat-map miss then picks one per seat
    instead of building 500 dicts. They are only ever read (rendered); nothing may change them."""
    prices = dict(prices)
    plan, bookable = [], set()
    for index, places in enumerate(screen_plan(list(layout) or None, rows_count, seats_per_row)):
        letters, first = row_letters(index), index * seats_per_row
        seats = []
        for column, place in enumerate(places, 1):
            if place == GAP:
                continue
            number, category = first + column, CATEGORY_NAMES[place]
            entry = {"number": number, "label": f"{letters}{column}", "column": column, "category": category,
                     "price": prices.get(category)}
            taken_entry = {**entry, "available": False}
            if category == "blocked":
                seats.append((number, taken_entry, taken_entry))
            else:
                bookable.add(number)
                seats.append((number, {**entry, "available": True}, taken_entry))
        plan.append((letters, seats))
    return plan, frozenset(bookable)
