"""Booking reads, each a constant number of queries however many bookings and seats."""
from django.conf import settings
from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from bookings.models import Booking, Payment, Ticket, Voucher
from core.db import ModelColumns, database, key_param, once_per_database
from movies import selectors as catalogue


def bookings_with_details():
    """Bookings with their show, movie, screen and tickets: one query plus one for all tickets; with payments
    online, plus one for all their payments and one for all those payments' refunds."""
    bookings = Booking.objects.select_related("show__movie", "show__screen", "voucher").prefetch_related(
        Prefetch("tickets", queryset=Ticket.objects.select_related("ticket_type").order_by("seat_number"))
    )
    if settings.PAYMENT_PROVIDER != "none":
        bookings = bookings.prefetch_related(Prefetch("payments", queryset=Payment.objects.prefetch_related("refunds")))
    return bookings


BOOKING_ROW, TICKET_ROW, VOUCHER_ROW = (ModelColumns(Booking, "booking"), ModelColumns(Ticket, "ticket"),
                                       ModelColumns(Voucher, "voucher"))
BOOKING_WITH_DETAILS = (BOOKING_ROW, catalogue.SHOW_ROW, catalogue.MOVIE_ROW, catalogue.SCREEN_ROW, VOUCHER_ROW)


def booking_with_details(booking_id):
    """One booking as bookings_with_details() reads it (its show, movie, screen, voucher, tickets with their types,
    and with payments online its payments and their refunds), or None: the answer to confirming or cancelling, in
    plain SQL (core.db.ModelColumns), since every hold of a sale is confirmed and the ORM's building of these
    joins cost more than the rest of the confirm. Two queries; with payments online, two more."""
    connection = database()
    value = key_param(Booking._meta.pk, booking_id, connection)
    if value is None:
        return None
    booking_sql, tickets_sql = _booking_with_details_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(booking_sql, [value])
        row = cursor.fetchone()
        if row is None:
            return None
        booking, show, movie, screen, voucher = ModelColumns.row_instances(row, connection, *BOOKING_WITH_DETAILS)
        cursor.execute(tickets_sql, [value])
        sold = []
        for ticket_row in cursor.fetchall():
            ticket, ticket_type = ModelColumns.row_instances(ticket_row, connection, TICKET_ROW,
                                                             catalogue.TICKET_TYPE_ROW)
            ticket.ticket_type = ticket_type
            sold.append(ticket)
    show.movie, show.screen = movie, screen
    booking.show, booking.voucher = show, voucher if booking.voucher_id is not None else None
    remember_tickets(booking, sold)
    if settings.PAYMENT_PROVIDER != "none":
        prefetch_related_objects([booking], Prefetch("payments", queryset=Payment.objects.prefetch_related("refunds")))
    return booking


@once_per_database
def _booking_with_details_sql(connection):
    """The booking with its show, movie, screen and voucher; its tickets with their types."""
    quote = connection.ops.quote_name
    show_row, movie_row, screen_row, type_row = (catalogue.SHOW_ROW, catalogue.MOVIE_ROW, catalogue.SCREEN_ROW,
                                                 catalogue.TICKET_TYPE_ROW)
    columns = ", ".join(each.sql(connection) for each in BOOKING_WITH_DETAILS)
    booking = (
        f"SELECT {columns} FROM {BOOKING_ROW.table(connection)} "
        f"JOIN {show_row.table(connection)} ON {quote('show')}.id = {quote('booking')}.show_id "
        f"JOIN {movie_row.table(connection)} ON {quote('movie')}.id = {quote('show')}.movie_id "
        f"JOIN {screen_row.table(connection)} ON {quote('screen')}.id = {quote('show')}.screen_id "
        f"LEFT JOIN {VOUCHER_ROW.table(connection)} ON {quote('voucher')}.id = {quote('booking')}.voucher_id "
        f"WHERE {quote('booking')}.id = %s")
    tickets = (
        f"SELECT {TICKET_ROW.sql(connection)}, {type_row.sql(connection)} FROM {TICKET_ROW.table(connection)} "
        f"JOIN {type_row.table(connection)} ON {quote('type')}.id = {quote('ticket')}.ticket_type_id "
        f"WHERE {quote('ticket')}.booking_id = %s ORDER BY {quote('ticket')}.seat_number")
    return booking, tickets


def remember_tickets(booking, sold):
    """Load `booking.tickets` with the tickets `sold` (in their order), as a prefetch would: the answer is built
    from them instead of reading back what was just written or read."""
    tickets = booking.tickets.all()
    tickets._result_cache, tickets._prefetch_done = sold, True
    booking._prefetched_objects_cache = {"tickets": tickets}


def visible_bookings(*, user, details=True):
    """What a user may read: their own bookings, or every booking for staff with the permission
    `bookings.view_booking` (superusers have it; the is_staff flag alone reads only one's own). Without
    `details`, the bookings' own rows only (to act on one, read again for the answer)."""
    bookings = bookings_with_details() if details else Booking.objects.all()
    # Customers are not staff: their reads skip the permission queries.
    reads_all = user.is_staff and user.has_perm("bookings.view_booking")
    return bookings if reads_all else bookings.filter(user=user)


def live_hold_condition(now, prefix=""):
    """A hold still alive at `now` (a HELD booking always has its `expires_at`: a database constraint says so)."""
    return Q(**{f"{prefix}status": Booking.Status.HELD, f"{prefix}expires_at__gt": now})


def live_booking_condition(now, prefix=""):
    """A booking that holds or owns its seats: CONFIRMED, or HELD with the hold alive."""
    return Q(**{f"{prefix}status": Booking.Status.CONFIRMED}) | live_hold_condition(now, prefix)


def with_status(status, now):
    """Bookings whose status as clients see it (`Booking.status_at`) is `status`: a dead hold is EXPIRED."""
    if status == Booking.Status.HELD:
        return live_hold_condition(now)
    if status == Booking.Status.EXPIRED:
        return Q(status=status) | Q(status=Booking.Status.HELD, expires_at__lte=now)
    return Q(status=status)


def user_bookings(*, user, status=None, upcoming=None):
    """A user's own bookings, newest first; `upcoming` True/False keeps shows not yet started/started."""
    bookings = bookings_with_details().filter(user=user)
    if status is not None:
        bookings = bookings.filter(with_status(status, timezone.now()))
    if upcoming is True:
        bookings = bookings.filter(show__starts_at__gt=timezone.now())
    elif upcoming is False:
        bookings = bookings.filter(show__starts_at__lte=timezone.now())
    return bookings.order_by("-created_at", "-id")


def confirmed_ticket(*, user, booking_id, seat_number):
    """The ticket for `seat_number` of the user's own booking, while that booking is CONFIRMED; else Http404."""
    ticket = (Ticket.objects.select_related("booking")
              .filter(booking_id=booking_id, booking__user=user, seat_number=seat_number).first())
    if ticket is None or ticket.booking.current_status != Booking.Status.CONFIRMED:
        raise Http404("No such ticket.")
    return ticket


def vouchers_with_uses(now=None):
    """Vouchers, each with `uses`: the live bookings that name it (one query, plus one for all their ticket
    types)."""
    now = now or timezone.now()
    return (Voucher.objects.annotate(uses=Count("bookings", filter=live_booking_condition(now, "bookings__")))
            .prefetch_related("ticket_types"))
