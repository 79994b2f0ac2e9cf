"""The catalogue: movies, screens (auditoriums) and shows (a movie on a screen at a time)."""
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.db import database, once_per_database
from core.validators import reject_control_characters
from movies import seating

MAX_DURATION_MINUTES = 1440
MAX_ROWS = 52
MAX_SEATS_PER_ROW = 50
# Shows start within these bounds, far from the calendar's ends, so time arithmetic never overflows.
EARLIEST_SHOW_START = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_SHOW_START = datetime(9000, 1, 1, tzinfo=UTC)


class TicketType(models.Model):
    """Who a seat is for (Adult, Child, Senior, Student): its price is the seat category's less the discount
    (movies.pricing). Exactly one active type is the default, the type of a seat asked for without one."""

    code = models.SlugField(max_length=32, unique=True, help_text="What clients send, e.g. child")
    name = models.CharField(max_length=100, validators=[reject_control_characters])
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(0), MaxValueValidator(100)],
                                           help_text="Off the seat's price, rounded half-up to the cent")
    discount_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                          validators=[MinValueValidator(0)], help_text="Off the seat's price")
    check_at_door = models.CharField(max_length=100, blank=True, validators=[reject_control_characters],
                                     help_text='What door staff check, e.g. "Student card"; empty: nothing')
    is_default = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(discount_percent__isnull=True) | Q(discount_amount__isnull=True),
                                   name="movies_tickettype_one_discount"),
            models.CheckConstraint(condition=Q(discount_percent__gte=0, discount_percent__lte=100)
                                   | Q(discount_percent__isnull=True), name="movies_tickettype_percent_in_range"),
            models.CheckConstraint(condition=Q(discount_amount__gte=0) | Q(discount_amount__isnull=True),
                                   name="movies_tickettype_amount_not_negative"),
            models.CheckConstraint(condition=Q(active=True) | Q(is_default=False),
                                   name="movies_tickettype_default_is_active"),
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="movies_tickettype_one_default"),
        ]

    def __str__(self):
        return self.name


def default_ticket_type_errors(*, was_default, is_default, active):
    """What a ticket-type write breaks of the default's rules, {field: message}: the default is active, and it stops
    being the default only when another type is made the default (which takes the flag over)."""
    errors = {}
    if is_default and not active:
        errors["active"] = "The default ticket type must be active."
    if was_default and not is_default:
        errors["is_default"] = "One ticket type is always the default: make another one the default instead."
    return errors


def default_ticket_type():
    """The default ticket type's id: what a seat asked for without a type is sold as."""
    return TicketType.objects.values_list("pk", flat=True).get(is_default=True)


class Movie(models.Model):
    title = models.CharField(max_length=200, validators=[reject_control_characters])
    description = models.TextField(blank=True, max_length=5000)
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)]
    )
    genre = models.CharField(max_length=50, blank=True, validators=[reject_control_characters])
    language = models.CharField(max_length=50, blank=True, validators=[reject_control_characters])
    release_date = models.DateField(null=True, blank=True)
    poster_url = models.URLField(max_length=500, blank=True)
    age_rating = models.CharField(max_length=16, blank=True, default="", validators=[reject_control_characters],
                                  help_text='Free text, e.g. "15" or "PG"')

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["title"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="movies_movie_duration_in_range",
            ),
        ]

    def __str__(self):
        return self.title


class Screen(models.Model):
    name = models.CharField(max_length=100, unique=True, validators=[reject_control_characters])
    rows = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_ROWS)])
    seats_per_row = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SEATS_PER_ROW)]
    )
    # Row strings as movies.seating describes them; empty: standard seats everywhere.
    layout = models.JSONField(default=list, blank=True)
    # The row whose middle is the best view, by its letters; empty: the default row of seating.default_best_row.
    best_row = models.CharField(max_length=3, blank=True, default="",
                                help_text="A row letter (D, AA); empty: row number floor(2 x rows / 3) + 1")
    no_lonely_seats = models.BooleanField(default=False, help_text="Refuse bookings that would leave a free seat "
                                                                   "with no free neighbour (not at the box office)")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(rows__gte=1, rows__lte=MAX_ROWS), name="movies_screen_rows_in_range"),
            models.CheckConstraint(
                condition=Q(seats_per_row__gte=1, seats_per_row__lte=MAX_SEATS_PER_ROW),
                name="movies_screen_seats_per_row_in_range",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def plan(self):
        """The layout as row strings, standard seats everywhere when the screen has none of its own."""
        return seating.screen_plan(self.layout, self.rows, self.seats_per_row)

    @property
    def grid_size(self):
        """How many places the grid has: seat numbers run from 1 to this."""
        return self.rows * self.seats_per_row

    @property
    def capacity(self):
        """How many seats can be sold: every place but gaps and blocked seats."""
        return seating.screen_capacity(self.layout, self.rows, self.seats_per_row)

    @property
    def best_row_index(self):
        """The index of the best row: the screen's own, or the default row for its size (also while the one
        typed into a form is not a row of the screen)."""
        if self.best_row and not seating.best_row_error(self.best_row, self.rows):
            return seating.row_index(self.best_row)
        return seating.default_best_row(self.rows)

    def category_of(self, number):
        """`standard`, `premium`, `accessible` or `blocked` for a seat number, None for a gap or no place."""
        if not 1 <= number <= self.grid_size:
            return None
        return seating.CATEGORY_NAMES.get(seating.place_at(self.plan, number, self.seats_per_row))

    def clean(self):
        if self.layout and self.rows and self.seats_per_row:
            errors = seating.layout_errors(self.layout, self.rows, self.seats_per_row)
            if errors:
                raise ValidationError({"layout": errors})
        if self.best_row and self.rows:
            error = seating.best_row_error(self.best_row, self.rows)
            if error:
                raise ValidationError({"best_row": [error]})


def live_ticket_condition(now, prefix=""):
    """Tickets (bookings' model, reached here through a show's `tickets`) that take their seat at `now`:
    active, and either sold or held by a hold still alive.

    A dead hold's tickets stay active until the show's next locked write releases them, so every read of
    availability goes through this condition rather than `is_active` alone.
    """
    return Q(**{f"{prefix}is_active": True}) & (
        Q(**{f"{prefix}held_until__isnull": True}) | Q(**{f"{prefix}held_until__gt": now})
    )


SOLD, HELD, DEAD_HOLD = "sold", "held", "dead hold"


def active_seats(show_id, now, seat_numbers=None):
    """[(seat number, SOLD | HELD | DEAD_HOLD)] for the show's active tickets at `now`, of `seat_numbers` only
    when given: live_ticket_condition's answer for each (SOLD and HELD seats are taken; a DEAD_HOLD is not).

    In SQL rather than through the ORM: every booking request and every uncached seat map runs it, and building
    the query costs the ORM ten times what running it costs the database (0.3 ms against 0.02 ms on the bench
    machine). The partial index on (show, seat) where active serves it.
    """
    connection = database()
    params = [connection.ops.adapt_datetimefield_value(now), show_id, *(seat_numbers or ())]
    with connection.cursor() as cursor:
        cursor.execute(active_seats_sql(connection, None if seat_numbers is None else len(seat_numbers)), params)
        return cursor.fetchall()


def seat_state_sql(connection, tickets_alias):
    """The SQL of active_seats' state of a ticket (its table under `tickets_alias`), given `now` as its parameter."""
    held_until = f"{connection.ops.quote_name(tickets_alias)}.held_until"
    return (f"CASE WHEN {held_until} IS NULL THEN '{SOLD}' WHEN {held_until} > %s THEN '{HELD}' "
            f"ELSE '{DEAD_HOLD}' END")


@once_per_database
def active_seats_sql(connection, seats_count):
    """active_seats' statement, of `seats_count` seats (None: every one), given `now`, the show and the seats."""
    tickets = connection.ops.quote_name(Show._meta.get_field("tickets").related_model._meta.db_table)
    among = "" if seats_count is None else f" AND seat_number IN ({', '.join(['%s'] * seats_count)})"
    return (f"SELECT seat_number, {seat_state_sql(connection, 'ticket')} FROM {tickets} ticket "
            f"WHERE show_id = %s AND is_active{among}")


class ShowQuerySet(models.QuerySet):
    def with_availability(self):
        """Each show with `sold_seats` (its tickets sold or held by a live hold), counted in the same query.

        A correlated subquery, not a join with GROUP BY: each count reads the live-ticket index of one
        show, and a paginator's COUNT(*) of the shows leaves it out.
        """
        tickets = self.model._meta.get_field("tickets").related_model  # bookings' Ticket, without importing it
        live = tickets.objects.filter(live_ticket_condition(timezone.now()), show=OuterRef("pk")).order_by()
        return self.select_related("movie", "screen").annotate(
            sold_seats=Coalesce(Subquery(live.values("show").annotate(n=Count("pk")).values("n")), 0)
        )

    def overlapping(self, *, screen_id, starts_at, ends_at, exclude_pk=None):
        """The shows on a screen whose running time overlaps [starts_at, ends_at).

        A show can start at most MAX_DURATION_MINUTES before `starts_at` and still overlap, which
        bounds the rows read; the exact end of each candidate comes from its movie's duration.
        """
        candidates = (
            self.filter(
                screen_id=screen_id,
                starts_at__lt=ends_at,
                starts_at__gt=starts_at - timedelta(minutes=MAX_DURATION_MINUTES),
            )
            .exclude(pk=exclude_pk)
            .select_related("movie")
        )
        return [show for show in candidates if show.ends_at > starts_at]


class Show(models.Model):
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="shows")
    screen = models.ForeignKey(Screen, on_delete=models.CASCADE, related_name="shows")
    starts_at = models.DateTimeField(
        validators=[MinValueValidator(EARLIEST_SHOW_START), MaxValueValidator(LATEST_SHOW_START)]
    )
    # The standard seat's price; a category without a price of its own costs this.
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    premium_price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(0)], help_text="Empty: the standard price")
    accessible_price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(0)], help_text="Empty: the standard price")
    # What the show sells; none listed: every active ticket type.
    ticket_types = models.ManyToManyField(TicketType, blank=True, related_name="shows",
                                          help_text="Empty: every active ticket type")

    objects = ShowQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["movie", "starts_at"]),
            models.Index(fields=["screen", "starts_at"]),
            models.Index(fields=["starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="movies_show_price_not_negative"),
            models.CheckConstraint(condition=Q(premium_price__gte=0) | Q(premium_price__isnull=True),
                                   name="movies_show_premium_price_not_negative"),
            models.CheckConstraint(condition=Q(accessible_price__gte=0) | Q(accessible_price__isnull=True),
                                   name="movies_show_accessible_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.movie} on {self.screen} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.movie.duration_minutes)

    @property
    def total_seats(self):
        return self.screen.capacity

    @property
    def prices(self):
        """The price of each category a seat is sold in: {"standard", "premium", "accessible"}."""
        return category_prices(self.price, self.premium_price, self.accessible_price)

    def clean(self):
        if self.movie_id is None or self.screen_id is None or self.starts_at is None:
            return
        if not EARLIEST_SHOW_START <= self.starts_at <= LATEST_SHOW_START:
            return  # the field's own validators report it
        conflicts = Show.objects.overlapping(
            screen_id=self.screen_id, starts_at=self.starts_at, ends_at=self.ends_at, exclude_pk=self.pk
        )
        if conflicts:
            raise ValidationError({"starts_at": overlap_message(conflicts)})


def category_prices(price, premium_price, accessible_price):
    """A show's price per category from its columns: a category without a price of its own costs `price`."""
    return {
        "standard": price,
        "premium": price if premium_price is None else premium_price,
        "accessible": price if accessible_price is None else accessible_price,
    }


def overlap_message(conflicts):
    listed = ", ".join(f"{show.movie} {show.starts_at:%Y-%m-%d %H:%M}–{show.ends_at:%H:%M} UTC" for show in conflicts)
    return f"This show overlaps another show on the same screen: {listed}."

