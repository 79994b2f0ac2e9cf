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
from django.db.models import ProtectedError
from django.utils import timezone

from bookings import selectors, tasks, tickets
from bookings.exceptions import (
    BookingCancelled,
    BuyerLimitReached,
    CheckedIn,
    HoldExpired,
    HoldLimitReached,
    InvalidSeats,
    LonelySeat,
    NoSeatsTogether,
    SeatUnavailable,
    ShowNotFound,
    ShowStarted,
    VoucherInvalid,
)
from bookings.models import Booking, Payment, ProviderEvent, Refund, Ticket, Voucher
from bookings.payments.exceptions import (
    CancellationClosed,
    PaymentIncomplete,
    PaymentRequired,
    RefundExceedsPayment,
)
from core.cache import bump_after_commit
from core.db import database, insert_rows, once_per_database, run_with_retries
from core.exceptions import DomainError, ProtectedObject
from core.money import minor_units, percent_of
from movies import pricing, seating
from movies import selectors as catalogue
from movies.models import DEAD_HOLD, TicketType, active_seats, active_seats_sql
from movies.seating import seat_label

MAX_SEATS_PER_BOOKING = 10
# Across all of one user's live holds of one show; seats they confirmed do not count.
MAX_HELD_SEATS_PER_SHOW = 10


def book_seats(*, user, show, seat_numbers, ticket_types=None, voucher=None):
    """Book `seat_numbers` (distinct integers) of `show` for `user`, all or nothing.

    `show` is the Show as the caller read it (with its screen, to spare a query); it is read again under the
    show's lock, which decides. Returns the CONFIRMED Booking with its show, movie, screen and tickets loaded.
    Raises InvalidSeats (a seat that does not exist, none, duplicates or more than MAX_SEATS_PER_BOOKING),
    ShowNotFound, ShowStarted, SeatUnavailable (naming the taken seats; nothing is booked), BuyerLimitReached
    (the user's live seats of this show, held and confirmed, would pass MAX_SEATS_PER_BUYER; staff selling at
    the box office are exempt), VoucherInvalid, LonelySeat (on a screen with `no_lonely_seats`, naming the free
    seats the booking would leave alone; staff at the box office are exempt), or ServiceUnavailable when the
    database stays busy.

    `ticket_types` maps seat numbers to the code of the ticket type each is sold as; a seat left out is of the
    default type; a type the show does not sell is a DomainError on `tickets`. `voucher` is a voucher's code, in
    any case.
    """
    return _take_seats(user=user, show=show, seat_numbers=seat_numbers, ticket_types=ticket_types, voucher=voucher,
                       hold=False)


def hold_seats(*, user, show, seat_numbers, ticket_types=None, voucher=None):
    """Hold `seat_numbers` of `show` for `user` for HOLD_SECONDS, all or nothing, until confirmed.

    Returns the HELD Booking with its `expires_at`. Raises what `book_seats` raises, and HoldLimitReached
    when the user's live holds of this show would pass MAX_HELD_SEATS_PER_SHOW seats.
    """
    return _take_seats(user=user, show=show, seat_numbers=seat_numbers, ticket_types=ticket_types, voucher=voucher,
                       hold=True)


def book_best_seats(*, user, show, count, category="standard", ticket_types=None, voucher=None):
    """Book the best `count` free seats of `category` side by side, chosen under the show's lock with the seats
    read there (seating.best_block), so that buyers asking at the same instant each get a block of their own.

    `ticket_types` lists a type code (or None: the default type) per seat, for the chosen seats from left to
    right. Returns and raises what `book_seats` does, and NoSeatsTogether (with `available_seats`, the free
    seats of the category) when no such block is left; nothing is booked then.
    """
    return _take_best_seats(user=user, show=show, count=count, category=category, ticket_types=ticket_types,
                            voucher=voucher, hold=False)


def hold_best_seats(*, user, show, count, category="standard", ticket_types=None, voucher=None):
    """Hold the best `count` seats as `book_best_seats` chooses them; returns and raises what `hold_seats` does."""
    return _take_best_seats(user=user, show=show, count=count, category=category, ticket_types=ticket_types,
                            voucher=voucher, hold=True)


def sells_at_box_office(user):
    """Staff with bookings.sell_at_box_office: they sell priced seats without an online payment (the money is taken
    at the counter) and past MAX_SEATS_PER_BUYER (a school's class). The is_staff flag alone does neither."""
    return user.is_staff and user.has_perm("bookings.sell_at_box_office")


def payments_online():
    """Whether buyers pay online (PAYMENT_PROVIDER is not `none`): then only a payment confirms a priced hold."""
    return settings.PAYMENT_PROVIDER != "none"


def confirm_booking(*, booking):
    """Turn a live hold into a CONFIRMED booking, its tickets getting their codes; confirming a confirmed booking
    returns it unchanged. The buyer's confirmation mail is queued for after commit.

    With payments online a hold that costs something is confirmed by its payment (`settle_payment`), never
    here: PaymentIncomplete. Raises BookingCancelled, HoldExpired (past its `expires_at`, released or not), or
    ShowStarted.
    """
    def confirm(show, now):
        if payments_online() and booking.total_price > 0:
            return _refuse_confirm(booking, show, now, unpaid=True)
        if show.starts_at > now and _confirm_live_hold(booking.pk, now):
            booking.status, booking.confirmed_at = Booking.Status.CONFIRMED, now
            return booking
        return _refuse_confirm(booking, show, now)

    return _with_show_locked(booking.show_id, confirm)


def _confirm_live_hold(booking_id, now):
    """Under the show's lock: confirm the booking if it is a hold still alive, with ticket codes and the mail;
    whether it did. One conditional update decides, whatever ran before.

    In SQL, as movies.models.active_seats: every hold of a sale is confirmed here, where the ORM's building of
    the updates cost several times the database's answers."""
    connection = database()
    moment = connection.ops.adapt_datetimefield_value(now)
    confirm_sql, tickets_sql = _confirm_hold_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(confirm_sql, [Booking.Status.CONFIRMED, moment, booking_id, Booking.Status.HELD, moment])
        if not cursor.rowcount:
            return False
        cursor.execute(tickets_sql, [booking_id])
        codes = {ticket_id: tickets.new_ticket_code() for (ticket_id,) in cursor.fetchall()}
        cursor.execute(_codes_sql(connection, len(codes)),
                       [*(value for pair in codes.items() for value in pair), booking_id])
    tasks.queue_confirmation_mail(booking_id)
    return True


@once_per_database
def _confirm_hold_sql(connection):
    """The hold's confirmation, if it is alive; its tickets' ids."""
    quote = connection.ops.quote_name
    return (f"UPDATE {quote(Booking._meta.db_table)} SET status = %s, confirmed_at = %s "
            "WHERE id = %s AND status = %s AND expires_at > %s",
            f"SELECT id FROM {quote(Ticket._meta.db_table)} WHERE booking_id = %s")


@once_per_database
def _codes_sql(connection, tickets_count):
    """A booking's tickets sold, each given its code: (ticket id, code) pairs, then the booking's id."""
    return (f"UPDATE {connection.ops.quote_name(Ticket._meta.db_table)} SET held_until = NULL, code = CASE id "
            f"{' '.join(['WHEN %s THEN %s'] * tickets_count)} END WHERE booking_id = %s")


def _refuse_confirm(booking, show, now, unpaid=False):
    """The booking, when it is CONFIRMED already; else why this confirm does not confirm it (`unpaid`: a live hold
    waiting for its payment)."""
    current = Booking.objects.get(pk=booking.pk)
    status = current.status_at(now)
    if status == Booking.Status.CONFIRMED:
        return current
    if status == Booking.Status.CANCELLED:
        raise BookingCancelled()
    if status == Booking.Status.EXPIRED:
        raise HoldExpired()
    if unpaid and show.starts_at > now:
        raise PaymentIncomplete()
    raise ShowStarted()


def cancel_booking(*, booking):
    """Cancel a booking or a hold: its seats are free at once; the booking stays, CANCELLED, as history.

    Idempotent: cancelling a cancelled booking returns it unchanged, and so does cancelling a hold that
    has expired (it stays EXPIRED). A paid booking is refunded, less CANCELLATION_FEE_PERCENT: the refund is
    written here (an outbox row, `Refund`) and sent to the provider after commit, so it is never lost nor made
    twice; a hold whose payment is still pending has that payment cancelled at the provider after commit.
    Raises ShowStarted once the show has started, CancellationClosed within CANCEL_UNTIL_MINUTES of it (for a
    confirmed booking), CheckedIn once one of its tickets has been scanned at the door. The buyer's
    cancellation mail (for a confirmed booking, not a hold) is queued for after commit.
    """
    def cancel(show, now):
        current = Booking.objects.get(pk=booking.pk)
        status = current.status_at(now)
        if status in (Booking.Status.CANCELLED, Booking.Status.EXPIRED):
            return current
        if show.starts_at <= now:
            raise ShowStarted("This show has already started; its bookings can no longer be cancelled.")
        closes_at = show.starts_at - timedelta(minutes=settings.CANCEL_UNTIL_MINUTES)
        if status == Booking.Status.CONFIRMED and now >= closes_at:
            raise CancellationClosed(CancellationClosed.message.format(minutes=settings.CANCEL_UNTIL_MINUTES))
        # Check-in does not take the show's lock: only tickets still unscanned are deactivated, and a scan
        # that won the race leaves one behind, which undoes the cancel.
        deactivated = current.tickets.filter(checked_in_at__isnull=True).update(is_active=False)
        if deactivated < current.tickets.count():
            raise CheckedIn()
        current.status = Booking.Status.CANCELLED
        current.cancelled_at = now
        current.save(update_fields=["status", "cancelled_at"])
        fee = percent_of(current.total_price, settings.CANCELLATION_FEE_PERCENT)
        _refund(current, minor_units(current.total_price - fee), Refund.Reason.CANCELLATION)
        for pending in current.payments.filter(status=Payment.Status.PENDING, provider_id__isnull=False):
            tasks.queue_payment_cancel(pending.pk)
        if status == Booking.Status.CONFIRMED:  # a hold was never a purchase: its end is not news to mail
            tasks.queue_cancellation_mail(current.pk)
        return current

    return _with_show_locked(booking.show_id, cancel)


def refund_booking(*, booking, amount_cents=None):
    """Refund `amount_cents` (default: all that remains paid) of a booking's payment; the booking stays as it is
    (a goodwill refund). Raises RefundExceedsPayment when that is more than remains paid, or nothing does."""
    def refund(show, now):
        remaining = _refundable_cents(booking)
        if not remaining or (amount_cents or remaining) > remaining:
            raise RefundExceedsPayment()
        _refund(booking, amount_cents or remaining, Refund.Reason.GOODWILL)
        tasks.queue_refund_mail(booking.pk)
        return Booking.objects.get(pk=booking.pk)

    return _with_show_locked(booking.show_id, refund)


def _refundable_cents(booking):
    """Under the show's lock: what remains of the booking's paid payment once its refunds (sent or not) are
    taken off; 0 without a paid payment."""
    paid = booking.payments.filter(status=Payment.Status.PAID).order_by("pk").first()
    if paid is None:
        return 0
    refunds = paid.refunds.exclude(status=Refund.Status.FAILED).values_list("amount_cents", flat=True)
    return paid.amount_cents - sum(refunds)


def _refund(booking, amount_cents, reason):
    """Under the show's lock: write a refund of up to `amount_cents` of what remains paid, and queue it for the
    provider after commit (a box-office payment is paid back at the counter: settled at once)."""
    paid = booking.payments.filter(status=Payment.Status.PAID).order_by("pk").first()
    amount_cents = min(amount_cents, _refundable_cents(booking))
    if paid is None or amount_cents <= 0:
        return None
    if paid.provider == Payment.Provider.BOX_OFFICE:
        return Refund.objects.create(payment=paid, amount_cents=amount_cents, reason=reason,
                                     status=Refund.Status.SUCCEEDED, settled_at=timezone.now())
    refund = Refund.objects.create(payment=paid, amount_cents=amount_cents, reason=reason)
    tasks.queue_refund(refund.pk)
    return refund


def settle_payment(*, payment, event=None):
    """Apply a payment that the provider says has taken the money (the caller read that from the provider,
    outside the lock): the one place where money becomes tickets, for confirm, webhook and reconcile alike.

    Under the show's lock, exactly once (a payment already PAID changes nothing): a live hold is confirmed; a
    hold that died meanwhile (expired, or cancelled while paying) is confirmed if every one of its seats is
    still free, its seats taken again; otherwise, or once the show has started, or when the booking was paid
    already, the whole amount is refunded at once and the buyer told why. `event` (the provider's event id and
    type) is recorded in the same transaction, so a second delivery of it is refused (DuplicateEvent).
    Returns the booking.
    """
    def settle(show, now):
        if event is not None:
            ProviderEvent.record(*event)
        current = Payment.objects.select_related("booking__user").get(pk=payment.pk)
        booking = current.booking
        if current.status == Payment.Status.PAID:
            return booking
        Payment.objects.filter(pk=current.pk).update(status=Payment.Status.PAID, paid_at=now)
        already_paid = booking.payments.filter(status=Payment.Status.PAID).exclude(pk=current.pk).exists()
        if not already_paid and show.starts_at > now:
            if _confirm_live_hold(booking.pk, now) or booking.status == Booking.Status.CONFIRMED:
                return Booking.objects.get(pk=booking.pk)
            if _take_back_seats(booking, show, now):
                return Booking.objects.get(pk=booking.pk)
        # Money is never kept without tickets: all of it goes back.
        if booking.status == Booking.Status.HELD:
            Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.EXPIRED)
            booking.tickets.update(is_active=False)
        late = Refund.objects.create(payment=current, amount_cents=current.amount_cents,
                                     reason=Refund.Reason.LATE_PAYMENT)
        tasks.queue_refund(late.pk)
        tasks.queue_late_payment_mail(booking.pk)
        return Booking.objects.get(pk=booking.pk)

    return _with_show_locked(payment.booking.show_id, settle)


def _take_back_seats(booking, show, now):
    """Under the show's lock: confirm a dead hold (expired or cancelled) whose seats are all still free, taking
    them again, unless the buyer's other live seats of the show leave no room for them (MAX_SEATS_PER_BUYER) or
    its voucher has no use left; whether it did."""
    _release_expired_holds(show, now)
    seats = list(booking.tickets.values_list("seat_number", flat=True))
    # Released above, a dead hold has no live ticket left: what is still live on these seats is someone else's.
    if Ticket.objects.filter(show=show, seat_number__in=seats, is_active=True).exclude(booking=booking).exists():
        return False
    buyer = booking.user
    if not sells_at_box_office(buyer) and (_live_seats_of(buyer, show, now, excluding=booking)["live"] + len(seats)
                                           > settings.MAX_SEATS_PER_BUYER):
        return False
    if booking.voucher_id is not None:
        # Its use was given back when the hold died: others may have taken the voucher's last use since.
        voucher = Voucher.objects.select_for_update().get(pk=booking.voucher_id)
        if voucher.max_uses is not None and _voucher_uses(voucher, now, excluding=booking) >= voucher.max_uses:
            return False
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CONFIRMED, confirmed_at=now, cancelled_at=None)
    sold = list(booking.tickets.only("pk"))
    for ticket in sold:
        ticket.is_active, ticket.held_until, ticket.code = True, None, tickets.new_ticket_code()
    Ticket.objects.bulk_update(sold, ["is_active", "held_until", "code"])
    tasks.queue_confirmation_mail(booking.pk)
    return True


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


def _take_seats(*, user, show, seat_numbers, ticket_types, voucher, hold):
    seat_numbers = sorted(seat_numbers)
    if not 1 <= len(seat_numbers) <= MAX_SEATS_PER_BOOKING or len(set(seat_numbers)) != len(seat_numbers):
        raise InvalidSeats(f"Book between 1 and {MAX_SEATS_PER_BOOKING} distinct seats.")
    # In a rush most requests ask for seats already taken: refuse those without queueing for the show's
    # lock. This read decides nothing else; the check that guards the sale is the one inside the lock.
    taken = _taken_before_locking(show, seat_numbers)
    if taken:
        raise SeatUnavailable(seats=taken)
    ticket_types = _sold_as(show, seat_numbers, ticket_types or {})

    def take(show, now):
        categories = {seat: show.screen.category_of(seat) for seat in seat_numbers}
        if None in categories.values():
            missing = ", ".join(seat_label(seat, show.screen.seats_per_row) if 1 <= seat <= show.screen.grid_size
                                else str(seat) for seat, category in categories.items() if category is None)
            raise InvalidSeats(f"This show has no seat {missing}.")
        if show.starts_at <= now:
            raise ShowStarted()
        blocked = {seat for seat, category in categories.items() if category == "blocked"}
        states, buyer_seats = _asked_seats_and_buyer_seats(user, show, now, seat_numbers)
        if any(state == DEAD_HOLD for _, state in states):
            _release_expired_holds(show, now)  # its ticket would meet the live-ticket constraint
        taken = sorted(blocked.union(_taken(states)))
        if taken:
            raise SeatUnavailable(seats=_labels(show, taken))
        if show.screen.no_lonely_seats and not sells_at_box_office(user):
            _refuse_lonely_seats(show, now, seat_numbers)
        return _sell(user, show, now, seat_numbers, categories, ticket_types, voucher, hold, buyer_seats=buyer_seats)

    try:
        return _with_show_locked(show.pk, take)
    except IntegrityError:
        # Only the live-ticket constraint can refuse these rows: a seat was taken under us.
        raise SeatUnavailable(seats=_taken_labels(show, seat_numbers) or _labels(show, seat_numbers)) from None


def _take_best_seats(*, user, show, count, category, ticket_types, voucher, hold):
    if not 1 <= count <= MAX_SEATS_PER_BOOKING:
        raise InvalidSeats(f"Book between 1 and {MAX_SEATS_PER_BOOKING} seats.")
    # Types by place in the block, from left to right, checked before queueing for the lock.
    types_by_place = _sold_as(show, range(count), dict(enumerate(ticket_types or [])))

    def take(show, now):
        if show.starts_at <= now:
            raise ShowStarted()
        states = active_seats(show.pk, now)
        taken = set(_taken(states))
        screen = show.screen
        seat_numbers = seating.best_block(screen.plan, screen.seats_per_row, taken, count, category,
                                          screen.best_row_index)
        if seat_numbers is None:
            raise NoSeatsTogether(available_seats=seating.free_seat_count(screen.plan, screen.seats_per_row, taken,
                                                                          category))
        if any(state == DEAD_HOLD and seat in seat_numbers for seat, state in states):
            _release_expired_holds(show, now)
        types = {seat: types_by_place[place] for place, seat in enumerate(seat_numbers)}
        return _sell(user, show, now, seat_numbers, dict.fromkeys(seat_numbers, category), types, voucher, hold)

    return _with_show_locked(show.pk, take)


def _refuse_lonely_seats(show, now, seat_numbers):
    """Under the show's lock: LonelySeat when taking `seat_numbers` would leave a free seat lonely that another
    choice of as many seats in the same run of free seats would not."""
    screen = show.screen
    taken = set(_taken(active_seats(show.pk, now)))
    lonely = seating.lonely_seats_made(screen.plan, screen.seats_per_row, taken, seat_numbers)
    if lonely:
        raise LonelySeat(seats=_labels(show, lonely))


def _sell(user, show, now, seat_numbers, categories, ticket_types, voucher, hold, *, buyer_seats=None):
    """Under the show's lock, the seats being free: the booking or hold of `seat_numbers`, each of its category
    and ticket type, after the buyer's limits (on `buyer_seats`, _live_seats_of's answer, when read already),
    the voucher and the payment rule."""
    _check_buyer_limits(user, show, now, len(seat_numbers), hold=hold, counts=buyer_seats)
    redeemed, voucher_type_ids = (_redeem_voucher(voucher, show, now, ticket_types.values())
                                  if voucher else (None, ()))
    held_until = now + timedelta(seconds=settings.HOLD_SECONDS) if hold else None
    category_prices = show.prices
    prices = {seat: pricing.ticket_price(category_prices[categories[seat]], ticket_types[seat], redeemed,
                                         voucher_type_ids) for seat in seat_numbers}
    total_price = sum(prices.values())
    # Online, only staff at the box office sell priced seats without a payment; others hold, pay, confirm.
    paid_at_the_counter = not hold and total_price > 0 and payments_online()
    if paid_at_the_counter and not sells_at_box_office(user):
        raise PaymentRequired()
    (booking,) = insert_rows([Booking(
        user=user, show=show, total_price=total_price, created_at=now, voucher=redeemed,
        status=Booking.Status.HELD if hold else Booking.Status.CONFIRMED, confirmed_at=None if hold else now,
        expires_at=held_until,
    )])
    if paid_at_the_counter:
        Payment.objects.create(booking=booking, provider=Payment.Provider.BOX_OFFICE, status=Payment.Status.PAID,
                               amount_cents=minor_units(total_price), currency=settings.CURRENCY, paid_at=now)
    sold = insert_rows([
        Ticket(booking=booking, show=show, seat_number=seat, held_until=held_until, category=categories[seat],
               price=prices[seat], ticket_type=ticket_types[seat], code=None if hold else tickets.new_ticket_code())
        for seat in seat_numbers
    ])
    # The answer is built from the rows just written, not read back after commit, outside the lock.
    selectors.remember_tickets(booking, sold)
    if not hold:
        tasks.queue_confirmation_mail(booking.pk)
    return booking


def _with_show_locked(show_id, work):
    """Run `work(show, now)` in one transaction that holds the show's row lock.

    Every write to a show's tickets goes through here, so they are ordered. Transient database errors
    are retried (core.db).
    """
    def locked():
        with transaction.atomic():
            show = catalogue.show_with_screen(show_id, with_movie=True, lock=True)
            if show is None:
                raise ShowNotFound()
            outcome = work(show, timezone.now())
            # What this show's seat map, its availability and every show list read is no longer current.
            bump_after_commit("seats", f"show:{show.pk}")
            return outcome

    return run_with_retries(locked)


def _asked_seats_and_buyer_seats(user, show, now, seat_numbers):
    """Under the show's lock, in one statement: active_seats(show, now, seat_numbers) and _live_seats_of(user,
    show, now). The seats' states say whether they are free; when they are, the counts decide the buyer's limits.

    When a dead hold still has an active ticket on one of the seats, the caller releases the show's dead holds
    before writing, so the new tickets never meet the live-ticket constraint over a seat nobody holds any more.
    """
    connection = database()
    moment = connection.ops.adapt_datetimefield_value(now)
    params = [moment, show.pk, *seat_numbers, moment, moment, show.pk, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(_asked_seats_and_buyer_seats_sql(connection, len(seat_numbers)), params)
        rows = cursor.fetchall()
    (held, live), = [counts for seat, _, *counts in rows if seat is None]
    return [(seat, state) for seat, state, *_ in rows if seat is not None], {"held": held, "live": live}


@once_per_database
def _asked_seats_and_buyer_seats_sql(connection, seats_count):
    # The seats' rows first (their counts null), then the one row of counts (its seat null).
    return (f"SELECT *, NULL, NULL FROM ({active_seats_sql(connection, seats_count)}) seats UNION ALL "
            f"SELECT NULL, NULL, counts.* FROM ({_live_seats_sql(connection, False)}) counts")


def _release_expired_holds(show, now):
    """Under the show's lock: mark its dead holds EXPIRED and deactivate their tickets."""
    released = Booking.objects.filter(show=show, status=Booking.Status.HELD, expires_at__lte=now).update(
        status=Booking.Status.EXPIRED
    )
    if released:
        Ticket.objects.filter(show=show, is_active=True, held_until__lte=now).update(is_active=False)
    return released


def save_voucher(*, voucher, ticket_types=None):
    """Create or update a voucher; `ticket_types` (when given) are the types it takes off, none: every type.
    Raises DomainError on `code` when another voucher has the code, in any case."""
    try:
        with transaction.atomic():
            voucher.save()
            if ticket_types is not None:
                voucher.ticket_types.set(ticket_types)
    except IntegrityError as error:
        raise DomainError("A voucher with that code already exists.", field="code") from error
    return voucher


def delete_voucher(*, voucher):
    """Delete a voucher no booking used. Raises ProtectedObject otherwise (deactivate it instead)."""
    try:
        voucher.delete()
    except ProtectedError as error:
        raise ProtectedObject("Bookings used this voucher: deactivate it instead.") from error


def _sold_as(show, seat_numbers, codes):
    """{seat: TicketType} from {seat: code}, a seat left out being of the default type, each a type the show
    sells (one query, none when only the default is asked for and show_to_book read it). Raises DomainError on
    `tickets` naming the first type it does not sell."""
    read = getattr(show, "read_before_lock", None)
    if read is not None and all(code is None for code in codes.values()):
        offered, default = {}, read.default_type
    else:
        offered = {ticket_type.code: ticket_type for ticket_type in catalogue.offered_ticket_types(show.pk)}
        default = next((ticket_type for ticket_type in offered.values() if ticket_type.is_default), None)
    sold_as = {}
    for seat in seat_numbers:
        code = codes.get(seat)
        sold_as[seat] = default if code is None else offered.get(code)
        if sold_as[seat] is None:
            raise DomainError(_not_offered(code), field="tickets")
    return sold_as


def _not_offered(code):
    if code is None:
        return "This show does not sell the default ticket type: give each seat a type that it sells."
    if not TicketType.objects.filter(code=code).exists():
        return f"No ticket type has the code {code}."
    return f"This show does not sell {code} tickets."


def _redeem_voucher(code, show, now, ticket_types):
    """Under the show's lock: the voucher named `code` (any case), its row locked (always after the show's, so two
    bookings never wait on each other in a circle), and the ids of the ticket types it is limited to. Raises
    VoucherInvalid, saying why, when it may not be used for these tickets of this show now."""
    try:
        voucher = Voucher.objects.select_for_update().get(code__iexact=code)
    except Voucher.DoesNotExist:
        raise VoucherInvalid("No voucher has this code.") from None
    if not voucher.active:
        raise VoucherInvalid("This voucher is no longer active.")
    if voucher.valid_from is not None and now < voucher.valid_from:
        raise VoucherInvalid("This voucher is not valid yet.")
    if voucher.valid_until is not None and now >= voucher.valid_until:
        raise VoucherInvalid("This voucher has expired.")
    if voucher.movie_id is not None and voucher.movie_id != show.movie_id:
        raise VoucherInvalid("This voucher is not valid for this show.")
    type_ids = set(voucher.ticket_types.values_list("pk", flat=True))
    if not any(pricing.voucher_applies(ticket_type, type_ids) for ticket_type in ticket_types):
        raise VoucherInvalid("This voucher is not valid for any of the booking's ticket types.")
    if voucher.max_uses is not None and _voucher_uses(voucher, now) >= voucher.max_uses:
        raise VoucherInvalid("This voucher has been used up.")
    return voucher, type_ids


def _voucher_uses(voucher, now, *, excluding=None):
    """The live bookings that use the voucher: CONFIRMED, or HELD with the hold still alive."""
    uses = Booking.objects.filter(selectors.live_booking_condition(now), voucher=voucher)
    if excluding is not None:
        uses = uses.exclude(pk=excluding.pk)
    return uses.count()


def _check_buyer_limits(user, show, now, wanted, *, hold, counts=None):
    """Under the show's lock: refuse `wanted` more seats when the user's live holds would pass
    MAX_HELD_SEATS_PER_SHOW (for a hold), or their live seats, held and confirmed, MAX_SEATS_PER_BUYER (so that
    nobody takes a show off sale: hold, confirm, hold again stays bounded). Staff at the box office are exempt
    from the second. `counts`: _live_seats_of's answer, read under the same lock, when the caller has it."""
    exempt = sells_at_box_office(user)
    if exempt and not hold:
        return
    counts = counts if counts is not None else _live_seats_of(user, show, now)
    if hold and counts["held"] + wanted > MAX_HELD_SEATS_PER_SHOW:
        raise HoldLimitReached()
    if not exempt and counts["live"] + wanted > settings.MAX_SEATS_PER_BUYER:
        raise BuyerLimitReached(limit=settings.MAX_SEATS_PER_BUYER)


def _live_seats_of(user, show, now, *, excluding=None):
    """{"held", "live"}: the user's seats of the show held by a live hold, and those plus the confirmed ones.

    In SQL, as movies.models.active_seats: every booking runs it under the show's lock, where the ORM's building
    of the query cost ten times the database's answer. It starts from the user's bookings of the show (an index),
    not from the show's tickets: read from the tickets, its cost grew with every seat sold (65 us at 220 sold
    on SQLite, against 8 us from the bookings). A ticket's show is its booking's: _sell writes both."""
    connection = database()
    moment = connection.ops.adapt_datetimefield_value(now)
    params = [moment, moment, show.pk, user.pk, *([] if excluding is None else [excluding.pk])]
    with connection.cursor() as cursor:
        cursor.execute(_live_seats_sql(connection, excluding is not None), params)
        held, live = cursor.fetchone()
    return {"held": held, "live": live}


@once_per_database
def _live_seats_sql(connection, excluding):
    quote = connection.ops.quote_name
    return ("SELECT COUNT(CASE WHEN ticket.held_until > %s THEN 1 END), "
            "COUNT(CASE WHEN ticket.held_until IS NULL OR ticket.held_until > %s THEN 1 END) "
            f"FROM {quote(Booking._meta.db_table)} booking JOIN {quote(Ticket._meta.db_table)} ticket "
            "ON ticket.booking_id = booking.id WHERE booking.show_id = %s AND booking.user_id = %s AND ticket.is_active"
            + (" AND booking.id <> %s" if excluding else ""))


def _taken_before_locking(show, seat_numbers):
    """Labels of the requested seats already taken (sold, held, or blocked), read without a lock; [] leaves
    every answer to the lock.

    When the show has started or a seat is not one of its seats, the transaction gives that answer instead.
    """
    read = getattr(show, "read_before_lock", None)
    if read is not None and read.seats == tuple(seat_numbers):  # seat_numbers are sorted
        now, states = read.at, read.states
    else:
        now = timezone.now()
        states = active_seats(show.pk, now, seat_numbers)
    taken = _taken(states)
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
