"""Sales reports for staff, per show and per day of sale: the same rows feed the API, its CSV and the admin's Sales
page.

Every figure comes from what the database records: the prices the tickets were sold at (ticket types and vouchers
included), the payments taken and the refunds made. Each report is a fixed number of aggregate queries, whatever
the number of shows, bookings or tickets.

- Sold: the tickets of CONFIRMED bookings. A hold, live or dead, sells nothing; a cancelled booking no longer counts.
- Refunded: every refund written, except those the provider refused (`failed`). A refund is written in the
  cancelling transaction and then sent until the provider takes it (DESIGN.md, the outbox), so from that moment
  the money is no longer the cinema's, whether or not the provider has settled it yet.
- Net (API.md's own definition): revenue plus the fees kept on cancelled paid bookings, each one's price less what
  was refunded of it. A goodwill refund on a booking still confirmed shows in `refunded` and leaves net as it is.
- Days are the TIME_ZONE setting's. A booking's day of sale is the day it was last confirmed (a hold is confirmed
  after it was made, maybe past midnight); a cancelled booking's fee counts on the day it was cancelled; a refund
  counts on the day it was written.
"""
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    DecimalField,
    Exists,
    Expression,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone

from bookings.models import Booking, Payment, Refund, Ticket
from core.money import from_minor_units
from core.serializers import money, utc_timestamp
from movies.models import Show, TicketType

OCCUPANCY_PLACES = Decimal("0.0001")
# Sums of many prices outgrow a price's own 8 digits.
AMOUNT = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")
TOTAL_PRICE = Sum("total_price", output_field=AMOUNT)
# A refund of a cancelled booking: only a paid payment is refunded, so the booking was paid for.
OF_CANCELLED = Q(payment__booking__status=Booking.Status.CANCELLED)


def shows_in_period(*, starts_from=None, starts_before=None, movie_id=None):
    """The shows a report lists, soonest first, with their movie and screen: starting at or after `starts_from` and
    before `starts_before` (either may be None), of the movie `movie_id` if given."""
    shows = Show.objects.select_related("movie", "screen")
    if starts_from is not None:
        shows = shows.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        shows = shows.filter(starts_at__lt=starts_before)
    if movie_id is not None:
        shows = shows.filter(movie_id=movie_id)
    return shows.order_by("starts_at", "id")


def show_rows(shows):
    """One row per show of `shows` (Shows with their movie and screen), in their order; three queries in all."""
    show_ids = [show.pk for show in shows]
    sold = (Ticket.objects.filter(show_id__in=show_ids, booking__status=Booking.Status.CONFIRMED)
            .values("show_id", "ticket_type__code")
            .annotate(tickets=Count("pk"), revenue=Sum("price", output_field=AMOUNT)))
    by_type = defaultdict(dict)
    for line in sold.order_by("show_id", "ticket_type_id"):
        by_type[line["show_id"]][line["ticket_type__code"]] = {"tickets": line["tickets"], "revenue": line["revenue"]}
    cancelled_value = _sums(_cancelled_and_paid().filter(show_id__in=show_ids), "show_id", TOTAL_PRICE)
    refunds = {line["payment__booking__show_id"]: line for line in (
        _refunds_made().filter(payment__booking__show_id__in=show_ids).values("payment__booking__show_id")
        .annotate(all=Sum("amount_cents"), of_cancelled=Sum("amount_cents", filter=OF_CANCELLED)).order_by())}
    rows = []
    for show in shows:
        types = by_type.get(show.pk, {})
        tickets_sold = sum(line["tickets"] for line in types.values())
        revenue = sum((line["revenue"] for line in types.values()), ZERO)
        refunded = refunds.get(show.pk, {})
        money = _money_figures(revenue, cancelled_value.get(show.pk), refunded.get("of_cancelled"),
                               refunded.get("all"))
        capacity = show.screen.capacity
        rows.append({
            "show": show, "capacity": capacity, "tickets_sold": tickets_sold,
            "occupancy": (Decimal(tickets_sold) / capacity).quantize(OCCUPANCY_PLACES, rounding=ROUND_HALF_UP),
            "revenue": revenue, **money, "by_ticket_type": types,
        })
    return rows


def daily_rows(*, first_day=None, last_day=None):
    """One row per day with a sale, a cancellation fee kept or a refund, from `first_day` to `last_day` (dates in
    TIME_ZONE, both included; either may be None), oldest first; seven queries in all."""
    zone = timezone.get_default_timezone()
    # From the first to the last day with a sale or a refund in the period: a long period costs no more than its
    # days of activity.
    first_active, last_active = _activity_bounds(zone, first_day, last_day)
    if first_active is None:
        return []
    first_day, last_day = max(first_day or first_active, first_active), min(last_day or last_active, last_active)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    starts = [_day_start(day, zone) for day in days]
    end = _day_start(last_day + timedelta(days=1), zone)

    def made_in_period(rows, field):
        return rows.filter(**{f"{field}__gte": starts[0], f"{field}__lt": end}).annotate(day=DayOf(field, days, starts))

    sold = {line["day"]: line for line in (
        made_in_period(Ticket.objects.filter(booking__status=Booking.Status.CONFIRMED), "booking__confirmed_at")
        .values("day").annotate(bookings=Count("booking_id", distinct=True), tickets=Count("pk"),
                                revenue=Sum("price", output_field=AMOUNT)).order_by())}
    paid_online = _its_paid_payment().exclude(provider=Payment.Provider.BOX_OFFICE)
    online = _sums(made_in_period(Booking.objects.filter(Exists(paid_online), status=Booking.Status.CONFIRMED),
                                  "confirmed_at"), "day", TOTAL_PRICE)
    cancelled_value = _sums(made_in_period(_cancelled_and_paid(), "cancelled_at"), "day", TOTAL_PRICE)
    cancelled_refunded = _sums(made_in_period(_refunds_made().filter(OF_CANCELLED), "payment__booking__cancelled_at"),
                               "day", Sum("amount_cents"))
    refunded = _sums(made_in_period(_refunds_made(), "created_at"), "day", Sum("amount_cents"))
    rows = []
    for day in sorted({*sold, *cancelled_value, *refunded}):
        line = sold.get(day, {})
        revenue = line.get("revenue") or ZERO
        day_online = online.get(day) or ZERO
        rows.append({
            "date": day, "bookings": line.get("bookings", 0), "tickets_sold": line.get("tickets", 0),
            "revenue": revenue,
            **_money_figures(revenue, cancelled_value.get(day), cancelled_refunded.get(day), refunded.get(day)),
            "box_office": revenue - day_online, "online": day_online,
        })
    return rows


def ticket_type_codes():
    """Every ticket type's code, in the types' order: the CSV's columns, the same for every period."""
    return list(TicketType.objects.order_by("pk").values_list("code", flat=True))


SHOW_COLUMNS = ["show_id", "starts_at", "movie_id", "movie_title", "screen_id", "screen_name", "capacity",
                "tickets_sold", "occupancy", "revenue", "refunded", "net"]
DAILY_COLUMNS = ["date", "bookings", "tickets_sold", "revenue", "refunded", "net", "box_office", "online"]
# A cell starting with one of these is a formula to a spreadsheet: a title such as "=HYPERLINK(...)" stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def show_table(rows, codes):
    """The show rows as a table for CSV, header first: the show flattened, and `tickets_<code>`, `revenue_<code>`
    for each ticket type code of `codes`."""
    header = [*SHOW_COLUMNS, *(f"{figure}_{code}" for code in codes for figure in ("tickets", "revenue"))]
    lines = [header]
    for row in rows:
        show = row["show"]
        by_type = row["by_ticket_type"]
        lines.append([
            show.pk, utc_timestamp(show.starts_at), show.movie_id, _text(show.movie.title), show.screen_id,
            _text(show.screen.name), row["capacity"], row["tickets_sold"], row["occupancy"], money(row["revenue"]),
            money(row["refunded"]), money(row["net"]),
            *(value for code in codes for value in (by_type.get(code, {}).get("tickets", 0),
                                                    money(by_type.get(code, {}).get("revenue", ZERO)))),
        ])
    return lines


def daily_table(rows):
    """The day rows as a table for CSV, header first."""
    return [DAILY_COLUMNS, *([row["date"].isoformat(), row["bookings"], row["tickets_sold"],
                              *(money(row[name]) for name in DAILY_COLUMNS[3:])] for row in rows)]


def _text(value):
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _day_start(day, zone):
    return datetime.combine(day, time.min, tzinfo=zone)


def _activity_bounds(zone, first_day, last_day):
    """The days (in `zone`) of the first and of the last confirmation, cancellation or refund from `first_day` to
    `last_day` (either may be None); (None, None) without any. Two queries."""
    def within(field):
        period = Q()
        if first_day is not None:
            period &= Q(**{f"{field}__gte": _day_start(first_day, zone)})
        if last_day is not None:
            period &= Q(**{f"{field}__lt": _day_start(last_day + timedelta(days=1), zone)})
        return period

    def bounds(model, *fields):
        return model.objects.aggregate(**{f"{bound.__name__}_{field}": bound(field, filter=within(field))
                                          for field in fields for bound in (Min, Max)})

    moments = {**bounds(Booking, "confirmed_at", "cancelled_at"), **bounds(Refund, "created_at")}
    firsts = [moment for name, moment in moments.items() if name.startswith("Min") and moment is not None]
    lasts = [moment for name, moment in moments.items() if name.startswith("Max") and moment is not None]
    if not firsts:
        return None, None
    return timezone.localtime(min(firsts), zone).date(), timezone.localtime(max(lasts), zone).date()


class DayOf(Expression):
    """The day of `days` (consecutive dates, starting at `starts`) that the moment in `field` falls on: a binary
    search over the days' starts, written as nested CASEs, so that the database converts no time zone for each
    row (which SQLite would do in Python) and compares each moment a few times only. Written as SQL directly:
    the ORM's own Case and When cost a millisecond a day to compile."""

    def __init__(self, field, days, starts):
        super().__init__(output_field=DateField())
        self.moment, self.days, self.starts = F(field), days, starts

    def get_source_expressions(self):
        return [self.moment]

    def set_source_expressions(self, expressions):
        (self.moment,) = expressions

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.moment)
        day_param, start_param = DateField().get_db_prep_value, DateTimeField().get_db_prep_value

        def within(first, last):
            if last - first == 1:
                return "%s", [day_param(self.days[first], connection)]
            middle = (first + last) // 2
            before, before_params = within(first, middle)
            after, after_params = within(middle, last)
            return (f"CASE WHEN {column} < %s THEN {before} ELSE {after} END",
                    [*column_params, start_param(self.starts[middle], connection), *before_params, *after_params])

        # Always a comparison with the column, never a constant alone (one day): grouped by a constant, a database
        # would answer one row of empty sums for no row at all.
        sql, params = within(0, len(self.days))
        return (f"CASE WHEN {column} >= %s THEN {sql} END",
                [*column_params, start_param(self.starts[0], connection), *params])


def _its_paid_payment():
    """The paid payment of the booking of the outer query (for Exists)."""
    return Payment.objects.filter(booking=OuterRef("pk"), status=Payment.Status.PAID)


def _cancelled_and_paid():
    """The CANCELLED bookings that were paid for (at the box office or online)."""
    return Booking.objects.filter(Exists(_its_paid_payment()), status=Booking.Status.CANCELLED)


def _refunds_made():
    return Refund.objects.exclude(status=Refund.Status.FAILED)


def _sums(rows, key, total):
    """{key: total} over `rows` grouped by `key`."""
    return {line[key]: line["total"] for line in rows.values(key).annotate(total=total).order_by()}


def _money_figures(revenue, cancelled_value, cancelled_refunded_cents, refunded_cents):
    """`refunded` and `net` from the revenue of the confirmed tickets, the price of the cancelled paid bookings,
    what was refunded of those (cents) and all that was refunded (cents): the fees kept are the difference."""
    fees_kept = (cancelled_value or ZERO) - from_minor_units(cancelled_refunded_cents or 0)
    return {"refunded": from_minor_units(refunded_cents or 0), "net": revenue + fees_kept}
