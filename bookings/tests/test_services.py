"""The booking rules, called directly."""
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from bookings import services
from bookings.exceptions import InvalidSeats, SeatUnavailable, ShowNotFound, ShowStarted
from bookings.models import Booking, Ticket
from bookings.tests.factories import booking_with_seats
from core.db import insert_rows
from core.exceptions import ServiceUnavailable
from movies.models import Show, active_seats
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def show(db):
    return ShowFactory(screen=ScreenFactory(rows=2, seats_per_row=5), price=Decimal("7.25"))


def test_book_seats_writes_a_booking_with_one_ticket_per_seat(show):
    user = UserFactory()

    booking = services.book_seats(user=user, show=show, seat_numbers=[3, 1])

    assert (booking.user, booking.show, booking.status) == (user, show, Booking.Status.CONFIRMED)
    assert booking.total_price == Decimal("14.50")
    assert list(booking.tickets.values_list("seat_number", "is_active", "show")) == [(1, True, show.id),
                                                                                    (3, True, show.id)]


@pytest.mark.parametrize("seats", [[], [0], [11], [1, 1], list(range(1, 12)), [-3]])
def test_invalid_seats(show, seats):
    with pytest.raises(InvalidSeats):
        services.book_seats(user=UserFactory(), show=show, seat_numbers=seats)
    assert not Booking.objects.exists()


def test_unknown_show():
    with pytest.raises(ShowNotFound):
        services.book_seats(user=UserFactory(), show=Show(pk=424242), seat_numbers=[1])


def test_started_show(show):
    show.starts_at = timezone.now()
    show.save()

    with pytest.raises(ShowStarted):
        services.book_seats(user=UserFactory(), show=show, seat_numbers=[1])


def test_taken_seats_are_named_and_nothing_is_booked(show):
    booking_with_seats(show, [2, 7])

    with pytest.raises(SeatUnavailable) as refused:
        services.book_seats(user=UserFactory(), show=show, seat_numbers=[1, 2, 7])

    assert refused.value.extra == {"seats": ["A2", "B2"]}
    assert Ticket.objects.count() == 2


def test_seats_already_sold_are_refused_without_taking_the_lock(show):
    booking_with_seats(show, [2])

    with mock.patch("bookings.services._with_show_locked") as locked, pytest.raises(SeatUnavailable) as refused:
        services.book_seats(user=UserFactory(), show=show, seat_numbers=[1, 2])

    assert refused.value.extra == {"seats": ["A2"]}
    locked.assert_not_called()


def test_the_check_inside_the_lock_decides_when_the_early_read_missed_a_sale(show):
    booking_with_seats(show, [5])

    with mock.patch("bookings.services._taken_before_locking", return_value=[]), \
            pytest.raises(SeatUnavailable) as refused:
        services.book_seats(user=UserFactory(), show=show, seat_numbers=[5, 6])

    assert refused.value.extra == {"seats": ["A5"]}
    assert sorted(Ticket.objects.values_list("seat_number", flat=True)) == [5]


def test_the_one_read_under_the_lock_answers_as_the_two_reads_it_replaces(show):
    buyer, other = UserFactory(), UserFactory()
    booking_with_seats(show, [1, 2], user=buyer)
    booking_with_seats(show, [3], user=other)
    booking_with_seats(show, [4], user=buyer, cancelled=True)
    services.hold_seats(user=buyer, show=show, seat_numbers=[5, 6])
    services.hold_seats(user=other, show=show, seat_numbers=[9])
    dead = services.hold_seats(user=buyer, show=show, seat_numbers=[7])
    Ticket.objects.filter(booking=dead).update(held_until=timezone.now() - timedelta(minutes=1))
    booking_with_seats(ShowFactory(), [1, 2, 3], user=buyer)
    now = timezone.now()

    for user in (buyer, other, UserFactory()):
        for seats in ([1], [3, 4], [5, 7, 8], [9], [8], list(range(1, 11))):
            states, counts = services._asked_seats_and_buyer_seats(user, show, now, seats)
            assert sorted(states) == sorted(active_seats(show.pk, now, seats))
            assert counts == services._live_seats_of(user, show, now)
    assert services._asked_seats_and_buyer_seats(buyer, show, now, [5, 7, 8])[1] == {"held": 2, "live": 4}


def test_the_database_constraint_is_the_last_guard(show):
    # Pretend the re-check inside the lock missed a sale: the unique constraint still refuses it.
    booking_with_seats(show, [4])

    with mock.patch("bookings.services._taken_before_locking", return_value=[]), \
            mock.patch("bookings.services._asked_seats_and_buyer_seats", return_value=([], {"held": 0, "live": 0})), \
            pytest.raises(SeatUnavailable) as refused:
        services.book_seats(user=UserFactory(), show=show, seat_numbers=[3, 4])

    assert refused.value.extra == {"seats": ["A4"]}
    assert sorted(Ticket.objects.values_list("seat_number", flat=True)) == [4]


def test_a_database_that_stays_locked_is_service_unavailable(show):
    with mock.patch("bookings.services.insert_rows", side_effect=OperationalError("database is locked")), \
            mock.patch("core.db.time.sleep"), pytest.raises(ServiceUnavailable):
        services.book_seats(user=UserFactory(), show=show, seat_numbers=[1])

    assert not Ticket.objects.exists()


def test_a_transient_error_is_retried(show):
    calls = iter([OperationalError("database is locked")])

    def flaky_insert(instances):
        error = next(calls, None)
        if error:
            raise error
        return insert_rows(instances)

    with mock.patch("bookings.services.insert_rows", side_effect=flaky_insert), \
            mock.patch("core.db.time.sleep"):
        booking = services.book_seats(user=UserFactory(), show=show, seat_numbers=[1])

    assert booking.tickets.count() == 1


def test_cancel_frees_seats_and_is_idempotent(show):
    booking = services.book_seats(user=UserFactory(), show=show, seat_numbers=[1, 2])

    cancelled = services.cancel_booking(booking=booking)
    again = services.cancel_booking(booking=booking)

    assert cancelled.status == again.status == Booking.Status.CANCELLED
    assert cancelled.cancelled_at == again.cancelled_at
    assert not Ticket.objects.filter(is_active=True).exists()
    assert services.book_seats(user=UserFactory(), show=show, seat_numbers=[1, 2])


def test_cancel_after_start_is_refused(show):
    booking = booking_with_seats(show, [1])
    show.starts_at = timezone.now() - timedelta(seconds=1)
    show.save()

    with pytest.raises(ShowStarted):
        services.cancel_booking(booking=booking)
    assert Ticket.objects.get().is_active
