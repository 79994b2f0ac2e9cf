"""The one place that books and cancels seats.

A seat is never sold twice: each booking runs in one transaction that first locks the show's row
(`select_for_update`), re-checks the requested seats inside that lock, and writes; bookings of one
show therefore queue behind each other while other shows book in parallel. A partial unique
constraint (one live ticket per seat of a show) is the last guard. On SQLite, which has no row locks,
every write transaction opens with BEGIN IMMEDIATE (see settings), which serialises writers the same way.
"""
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.exceptions import InvalidSeats, SeatUnavailable, ShowNotFound, ShowStarted
from bookings.models import Booking, Ticket
from core.db import run_with_retries
from movies.models import Show
from movies.seating import seat_label

MAX_SEATS_PER_BOOKING = 10


def book_seats(*, user, show_id, seat_numbers):
    """Book `seat_numbers` (distinct integers) of a show for `user`, all or nothing.

    Returns the confirmed Booking. Raises InvalidSeats (a seat that does not exist, none, duplicates
    or more than MAX_SEATS_PER_BOOKING), ShowNotFound, ShowStarted, SeatUnavailable (naming the
    taken seats; nothing is booked), or ServiceUnavailable when the database stays busy.
    """
    seat_numbers = sorted(seat_numbers)
    if not 1 <= len(seat_numbers) <= MAX_SEATS_PER_BOOKING or len(set(seat_numbers)) != len(seat_numbers):
        raise InvalidSeats(f"Book between 1 and {MAX_SEATS_PER_BOOKING} distinct seats.")
    # In a rush most requests ask for seats already sold: refuse those without queueing for the show's
    # lock. This read decides nothing else; the check that guards the sale is the one inside the lock.
    sold = _sold_before_locking(show_id, seat_numbers)
    if sold:
        raise SeatUnavailable(seats=sold)
    try:
        return run_with_retries(lambda: _book_in_transaction(user, show_id, seat_numbers))
    except IntegrityError:
        # Only the live-ticket constraint can refuse these rows: a seat was sold under us.
        show = Show.objects.select_related("screen").get(pk=show_id)
        raise SeatUnavailable(seats=_taken_labels(show, seat_numbers) or _labels(show, seat_numbers)) from None


def _book_in_transaction(user, show_id, seat_numbers):
    with transaction.atomic():
        try:
            show = Show.objects.select_for_update(of=("self",)).select_related("screen", "movie").get(pk=show_id)
        except Show.DoesNotExist:
            raise ShowNotFound() from None
        if seat_numbers[-1] > show.total_seats or seat_numbers[0] < 1:
            raise InvalidSeats(f"This show's seats are numbered 1 to {show.total_seats}.")
        if show.starts_at <= timezone.now():
            raise ShowStarted()
        taken = _taken_labels(show, seat_numbers)
        if taken:
            raise SeatUnavailable(seats=taken)
        booking = Booking.objects.create(user=user, show=show, total_price=show.price * len(seat_numbers))
        Ticket.objects.bulk_create(Ticket(booking=booking, show=show, seat_number=seat) for seat in seat_numbers)
    return booking


def cancel_booking(*, booking):
    """Cancel a booking: its seats are free at once; the booking stays, CANCELLED, as history.

    Idempotent: cancelling a cancelled booking returns it unchanged. Raises ShowStarted once the
    show has started. Locks the show's row like booking does, so a cancel and a booking of the
    same seat are ordered.
    """
    def cancel_in_transaction():
        with transaction.atomic():
            show = Show.objects.select_for_update().get(pk=booking.show_id)
            current = Booking.objects.get(pk=booking.pk)
            if current.is_cancelled:
                return current
            if show.starts_at <= timezone.now():
                raise ShowStarted("This show has already started; its bookings can no longer be cancelled.")
            current.status = Booking.Status.CANCELLED
            current.cancelled_at = timezone.now()
            current.save(update_fields=["status", "cancelled_at"])
            current.tickets.update(is_active=False)
        return current

    return run_with_retries(cancel_in_transaction)


def _sold_before_locking(show_id, seat_numbers):
    """Labels of the requested seats already sold, read without a lock; [] leaves every answer to the lock.

    When the show has started or a seat is past its capacity, the transaction gives that answer instead.
    """
    sold = list(
        Ticket.objects.filter(show_id=show_id, is_active=True, seat_number__in=seat_numbers)
        .values_list("seat_number", "show__starts_at", "show__screen__rows", "show__screen__seats_per_row")
    )
    if not sold:
        return []
    _, starts_at, rows, seats_per_row = sold[0]
    if starts_at <= timezone.now() or seat_numbers[-1] > rows * seats_per_row:
        return []
    return [seat_label(number, seats_per_row) for number in sorted(number for number, *_ in sold)]


def _taken_labels(show, seat_numbers):
    taken = Ticket.objects.filter(show=show, is_active=True, seat_number__in=seat_numbers)
    return _labels(show, sorted(taken.values_list("seat_number", flat=True)))


def _labels(show, seat_numbers):
    return [seat_label(number, show.screen.seats_per_row) for number in seat_numbers]
