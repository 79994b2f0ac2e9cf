"""The one place that books, holds, confirms and cancels seats.

A seat is never sold twice: every write to a show's tickets runs in one transaction that first locks the
show's row (`select_for_update`), re-checks the requested seats inside that lock, and writes; writes to
one show therefore queue behind each other while other shows book in parallel. A partial unique
constraint (one live ticket per seat of a show) is the last guard. On SQLite, which has no row locks,
every write transaction opens with BEGIN IMMEDIATE (see settings), which serialises writers the same way.

A seat is never lost to a hold that nobody confirmed: a hold's tickets are live rows like sold ones, and
the constraint cannot see time, so a locked write that meets a dead hold (past `expires_at`) on a requested
seat releases the show's dead holds before it takes the seats. Reads never wait for that: they count a
held seat as taken only while its hold lives (`live_ticket_condition`).
"""
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import tasks, tickets
from bookings.exceptions import (
    BookingCancelled,
    CheckedIn,
    HoldExpired,
    HoldLimitReached,
    InvalidSeats,
    SeatUnavailable,
    ShowNotFound,
    ShowStarted,
)
from bookings.models import Booking, Ticket
from core.cache import bump_after_commit
from core.db import run_with_retries
from movies.models import DEAD_HOLD, Show, active_seats
from movies.seating import seat_label

MAX_SEATS_PER_BOOKING = 10
# Across all of one user's live holds of one show; seats they confirmed do not count.
MAX_HELD_SEATS_PER_SHOW = 10


def book_seats(*, user, show, seat_numbers):
    """Book `seat_numbers` (distinct integers) of `show` for `user`, all or nothing.

    `show` is the Show as the caller read it (with its screen, to spare a query); it is read again under the
    show's lock, which decides. Returns the CONFIRMED Booking with its show, movie, screen and tickets loaded.
    Raises InvalidSeats (a seat that does not exist, none, duplicates or more than MAX_SEATS_PER_BOOKING),
    ShowNotFound, ShowStarted, SeatUnavailable (naming the taken seats; nothing is booked), or
    ServiceUnavailable when the database stays busy.
    """
    return _take_seats(user=user, show=show, seat_numbers=seat_numbers, hold=False)


def hold_seats(*, user, show, seat_numbers):
    """Hold `seat_numbers` of `show` for `user` for HOLD_SECONDS, all or nothing, until confirmed.

    Returns the HELD Booking with its `expires_at`. Raises what `book_seats` raises, and HoldLimitReached
    when the user's live holds of this show would pass MAX_HELD_SEATS_PER_SHOW seats.
    """
    return _take_seats(user=user, show=show, seat_numbers=seat_numbers, hold=True)


def confirm_booking(*, booking):
    """Turn a live hold into a CONFIRMED booking, its tickets getting their codes; confirming a confirmed booking
    returns it unchanged. The buyer's confirmation mail is queued for after commit.

    Raises BookingCancelled, HoldExpired (past its `expires_at`, released or not), or ShowStarted.
    """
    def confirm(show, now):
        # One conditional update decides: only a hold still alive becomes CONFIRMED, whatever ran before.
        live_hold = Booking.objects.filter(pk=booking.pk, status=Booking.Status.HELD, expires_at__gt=now)
        if show.starts_at > now and live_hold.update(status=Booking.Status.CONFIRMED):
            sold = list(Ticket.objects.filter(booking_id=booking.pk).only("pk"))
            for ticket in sold:
                ticket.held_until, ticket.code = None, tickets.new_ticket_code()
            Ticket.objects.bulk_update(sold, ["held_until", "code"])
            tasks.queue_confirmation_mail(booking.pk)
            booking.status = Booking.Status.CONFIRMED
            return booking
        current = Booking.objects.get(pk=booking.pk)
        status = current.status_at(now)
        if status == Booking.Status.CONFIRMED:
            return current
        if status == Booking.Status.CANCELLED:
            raise BookingCancelled()
        if status == Booking.Status.EXPIRED:
            raise HoldExpired()
        raise ShowStarted()

    return _with_show_locked(booking.show_id, confirm)


def cancel_booking(*, booking):
    """Cancel a booking or a hold: its seats are free at once; the booking stays, CANCELLED, as history.

    Idempotent: cancelling a cancelled booking returns it unchanged, and so does cancelling a hold that
    has expired (it stays EXPIRED). Raises ShowStarted once the show has started, CheckedIn once one of its
    tickets has been scanned at the door. The buyer's cancellation mail is queued for after commit.
    """
    def cancel(show, now):
        current = Booking.objects.get(pk=booking.pk)
        if current.status_at(now) in (Booking.Status.CANCELLED, Booking.Status.EXPIRED):
            return current
        if show.starts_at <= now:
            raise ShowStarted("This show has already started; its bookings can no longer be cancelled.")
        # Check-in does not take the show's lock: only tickets still unscanned are deactivated, and a scan
        # that won the race leaves one behind, which undoes the cancel.
        deactivated = current.tickets.filter(checked_in_at__isnull=True).update(is_active=False)
        if deactivated < current.tickets.count():
            raise CheckedIn()
        current.status = Booking.Status.CANCELLED
        current.cancelled_at = now
        current.save(update_fields=["status", "cancelled_at"])
        tasks.queue_cancellation_mail(current.pk)
        return current

    return _with_show_locked(booking.show_id, cancel)


def release_expired_holds(*, show_id):
    """Record the show's dead holds as EXPIRED and free their seats; returns how many it released.

    Nothing depends on it having run (reads and locked writes treat a dead hold as gone): it tidies the
    rows for a cron job (`manage.py expire_holds`).
    """
    return _with_show_locked(show_id, _release_expired_holds)


def shows_with_expired_holds():
    """Ids of the shows that have holds past their `expires_at` still recorded as HELD."""
    return list(
        Booking.objects.filter(status=Booking.Status.HELD, expires_at__lte=timezone.now())
        .order_by("show_id").values_list("show_id", flat=True).distinct()
    )


def _take_seats(*, user, show, seat_numbers, hold):
    seat_numbers = sorted(seat_numbers)
    if not 1 <= len(seat_numbers) <= MAX_SEATS_PER_BOOKING or len(set(seat_numbers)) != len(seat_numbers):
        raise InvalidSeats(f"Book between 1 and {MAX_SEATS_PER_BOOKING} distinct seats.")
    # In a rush most requests ask for seats already taken: refuse those without queueing for the show's
    # lock. This read decides nothing else; the check that guards the sale is the one inside the lock.
    taken = _taken_before_locking(show, seat_numbers)
    if taken:
        raise SeatUnavailable(seats=taken)

    def take(show, now):
        categories = {seat: show.screen.category_of(seat) for seat in seat_numbers}
        if None in categories.values():
            missing = ", ".join(seat_label(seat, show.screen.seats_per_row) if 1 <= seat <= show.screen.grid_size
                                else str(seat) for seat, category in categories.items() if category is None)
            raise InvalidSeats(f"This show has no seat {missing}.")
        if show.starts_at <= now:
            raise ShowStarted()
        blocked = {seat for seat, category in categories.items() if category == "blocked"}
        taken = sorted(blocked.union(_taken_releasing_dead_holds(show, seat_numbers, now)))
        if taken:
            raise SeatUnavailable(seats=_labels(show, taken))
        if hold and _seats_held_by(user, show, now) + len(seat_numbers) > MAX_HELD_SEATS_PER_SHOW:
            raise HoldLimitReached()
        held_until = now + timedelta(seconds=settings.HOLD_SECONDS) if hold else None
        prices = show.prices
        booking = Booking.objects.create(
            user=user, show=show, total_price=sum(prices[categories[seat]] for seat in seat_numbers), created_at=now,
            status=Booking.Status.HELD if hold else Booking.Status.CONFIRMED, expires_at=held_until,
        )
        sold = Ticket.objects.bulk_create(
            Ticket(booking=booking, show=show, seat_number=seat, held_until=held_until, category=categories[seat],
                   price=prices[categories[seat]], code=None if hold else tickets.new_ticket_code())
            for seat in seat_numbers
        )
        _remember_tickets(booking, sold)
        if not hold:
            tasks.queue_confirmation_mail(booking.pk)
        return booking

    try:
        return _with_show_locked(show.pk, take)
    except IntegrityError:
        # Only the live-ticket constraint can refuse these rows: a seat was taken under us.
        raise SeatUnavailable(seats=_taken_labels(show, seat_numbers) or _labels(show, seat_numbers)) from None


def _remember_tickets(booking, sold):
    """Load `booking.tickets` with the rows just written, as a prefetch would, so that the answer is built from
    memory instead of reading back (after commit, outside the lock) what this transaction wrote."""
    tickets = booking.tickets.all()
    tickets._result_cache, tickets._prefetch_done = sold, True
    booking._prefetched_objects_cache = {"tickets": tickets}


def _with_show_locked(show_id, work):
    """Run `work(show, now)` in one transaction that holds the show's row lock.

    Every write to a show's tickets goes through here, so they are ordered. Transient database errors
    are retried (core.db).
    """
    def locked():
        with transaction.atomic():
            try:
                show = Show.objects.select_for_update(of=("self",)).select_related("screen", "movie").get(pk=show_id)
            except Show.DoesNotExist:
                raise ShowNotFound() from None
            outcome = work(show, timezone.now())
            # What this show's seat map, its availability and every show list read is no longer current.
            bump_after_commit("seats", f"show:{show.pk}")
            return outcome

    return run_with_retries(locked)


def _taken_releasing_dead_holds(show, seat_numbers, now):
    """Under the show's lock: the requested seats that are sold or held by a live hold.

    When a dead hold still has an active ticket on one of them, the show's dead holds are released first,
    so the new tickets never meet the live-ticket constraint over a seat nobody holds any more.
    """
    states = active_seats(show.pk, now, seat_numbers)
    if any(state == DEAD_HOLD for _, state in states):
        _release_expired_holds(show, now)
    return _taken(states)


def _release_expired_holds(show, now):
    """Under the show's lock: mark its dead holds EXPIRED and deactivate their tickets."""
    released = Booking.objects.filter(show=show, status=Booking.Status.HELD, expires_at__lte=now).update(
        status=Booking.Status.EXPIRED
    )
    if released:
        Ticket.objects.filter(show=show, is_active=True, held_until__lte=now).update(is_active=False)
    return released


def _seats_held_by(user, show, now):
    return Ticket.objects.filter(show=show, booking__user=user, is_active=True, held_until__gt=now).count()


def _taken_before_locking(show, seat_numbers):
    """Labels of the requested seats already taken (sold, held, or blocked), read without a lock; [] leaves
    every answer to the lock.

    When the show has started or a seat is not one of its seats, the transaction gives that answer instead.
    """
    now = timezone.now()
    taken = _taken(active_seats(show.pk, now, seat_numbers))
    if not taken:
        return []
    categories = [show.screen.category_of(seat) for seat in seat_numbers]
    if show.starts_at <= now or None in categories:
        return []
    blocked = {seat for seat, category in zip(seat_numbers, categories, strict=True) if category == "blocked"}
    return _labels(show, sorted(blocked.union(taken)))


def _taken(states):
    """The seats of `states` (active_seats' rows) that are taken, sorted: sold, or held by a live hold."""
    return sorted(seat for seat, state in states if state != DEAD_HOLD)


def _taken_labels(show, seat_numbers):
    return _labels(show, _taken(active_seats(show.pk, timezone.now(), seat_numbers)))


def _labels(show, seat_numbers):
    return [seat_label(number, show.screen.seats_per_row) for number in seat_numbers]
