"""Many buyers at once, each a real thread with its own database connection.

These run against a file-backed SQLite database (and PostgreSQL in CI). Each one fails when the
show lock (or SQLite's BEGIN IMMEDIATE) and the live-ticket constraint are taken away.
"""
import random
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bookings import services
from bookings.exceptions import CheckedIn, HoldExpired, SeatUnavailable
from bookings.models import Booking, Ticket
from conftest import bearer_client
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(count, work):
    """Run work(i) in `count` threads released together; return each outcome or the exception raised."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def runner(index):
        try:
            barrier.wait()
            outcomes[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a buyer never finished"
    return outcomes


def live_seat_numbers(show):
    return list(Ticket.objects.filter(show=show, is_active=True).values_list("seat_number", flat=True))


def test_one_seat_many_buyers_exactly_one_wins():
    show = ShowFactory()
    buyers = UserFactory.create_batch(32)

    outcomes = run_at_once(32, lambda i: services.book_seats(user=buyers[i], show=show, seat_numbers=[7]))

    winners = [outcome for outcome in outcomes if isinstance(outcome, Booking)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, SeatUnavailable)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 31, outcomes
    assert all(loser.extra == {"seats": ["A7"]} for loser in losers)
    assert live_seat_numbers(show) == [7]
    assert Booking.objects.count() == 1


def test_random_overlapping_sets_never_sell_a_seat_twice():
    show = ShowFactory(screen=ScreenFactory(rows=4, seats_per_row=5))  # 20 seats
    buyers = UserFactory.create_batch(56)
    wishes = [random.Random(index).sample(range(1, 21), random.Random(-index).randint(1, 4)) for index in range(56)]

    outcomes = run_at_once(56, lambda i: services.book_seats(user=buyers[i], show=show,
                                                             seat_numbers=wishes[i]))

    assert all(isinstance(outcome, Booking | SeatUnavailable) for outcome in outcomes), outcomes
    sold = live_seat_numbers(show)
    assert len(sold) == len(set(sold)), "a seat was sold twice"
    # Every confirmed booking holds exactly the seats it asked for, and nothing else is sold.
    booked = sorted(seat for i, outcome in enumerate(outcomes) if isinstance(outcome, Booking) for seat in wishes[i])
    assert sorted(sold) == booked
    seat_map = bearer_client(buyers[0]).get(f"/api/shows/{show.id}/seats/").json()
    assert seat_map["available_seats"] + len(sold) == 20
    assert sum(not seat["available"] for row in seat_map["rows"] for seat in row["seats"]) == len(sold)


def test_cancel_racing_rebooks_of_the_same_seat_stays_consistent():
    show = ShowFactory()
    owner, *rivals = UserFactory.create_batch(21)
    original = services.book_seats(user=owner, show=show, seat_numbers=[1])

    def act(index):
        if index == 0:
            return services.cancel_booking(booking=original)
        return services.book_seats(user=rivals[index - 1], show=show, seat_numbers=[1])

    outcomes = run_at_once(21, act)

    assert outcomes[0].status == Booking.Status.CANCELLED
    rebooked = [outcome for outcome in outcomes[1:] if isinstance(outcome, Booking)]
    assert all(isinstance(outcome, Booking | SeatUnavailable) for outcome in outcomes[1:]), outcomes
    assert len(rebooked) <= 1
    assert live_seat_numbers(show) == [1] * len(rebooked)
    for booking in Booking.objects.prefetch_related("tickets"):
        active = {ticket.is_active for ticket in booking.tickets.all()}
        assert active == ({False} if booking.status == Booking.Status.CANCELLED else {True})


def test_http_buyers_racing_for_one_seat_get_one_201_and_409s():
    show = ShowFactory()
    clients = [bearer_client(user) for user in UserFactory.create_batch(30)]

    responses = run_at_once(30, lambda i: clients[i].post(f"/api/shows/{show.id}/book/", {"seat_number": "A1"},
                                                          format="json"))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 29
    assert live_seat_numbers(show) == [1]


def test_http_buyers_of_the_best_two_seats_each_get_a_block_until_the_screen_is_full():
    show = ShowFactory(screen=ScreenFactory(rows=5, seats_per_row=10))
    clients = [bearer_client(user) for user in UserFactory.create_batch(26)]

    responses = run_at_once(25, lambda i: clients[i].post(f"/api/shows/{show.id}/book/", {"count": 2},
                                                          format="json"))

    assert [response.status_code for response in responses] == [201] * 25
    seats = [seat["number"] for response in responses for seat in response.json()["seats"]]
    assert sorted(seats) == list(range(1, 51))
    last = clients[25].post(f"/api/shows/{show.id}/book/", {"count": 2}, format="json")
    assert last.status_code == 409
    assert (last.json()["code"], last.json()["available_seats"]) == ("no_seats_together", 0)


def test_concurrent_retries_with_one_key_book_once_and_get_one_answer():
    show = ShowFactory()
    user = UserFactory()
    clients = [bearer_client(user) for _ in range(20)]

    def retry(index):
        return clients[index].post(f"/api/shows/{show.id}/book/", {"seat_numbers": [3, 4]}, format="json",
                               HTTP_IDEMPOTENCY_KEY="flaky-network-7")

    responses = run_at_once(20, retry)

    assert [response.status_code for response in responses] == [201] * 20
    assert len({response.content for response in responses}) == 1
    assert Booking.objects.count() == 1
    assert sorted(live_seat_numbers(show)) == [3, 4]


def test_holds_bookings_confirms_and_expiry_racing_never_sell_twice_nor_lose_a_seat(settings):
    settings.HOLD_SECONDS = 0.3  # real expiry during the race; the hold limit never binds with 1-3 seats
    show = ShowFactory(screen=ScreenFactory(rows=4, seats_per_row=5))  # 20 seats
    buyers = UserFactory.create_batch(48)
    plans = [random.Random(index) for index in range(48)]
    wishes = [plan.sample(range(1, 21), plan.randint(1, 3)) for plan in plans]
    pauses = [plan.uniform(0, 0.6) for plan in plans]  # before confirming: about half the holds die first

    def act(index):
        kind = index % 3
        if kind == 0:
            return services.book_seats(user=buyers[index], show=show, seat_numbers=wishes[index])
        held = services.hold_seats(user=buyers[index], show=show, seat_numbers=wishes[index])
        if kind == 2:
            return held  # abandoned
        time.sleep(pauses[index])
        return services.confirm_booking(booking=held)

    outcomes = run_at_once(48, act)

    assert all(isinstance(outcome, Booking | SeatUnavailable | HoldExpired) for outcome in outcomes), outcomes
    confirmed = Booking.objects.filter(status=Booking.Status.CONFIRMED).prefetch_related("tickets")
    confirmed_seats = []
    for booking in confirmed:
        tickets = booking.tickets.all()
        # No confirmed booking lost a seat: every ticket is live, sold (not held), and it has all it asked for.
        assert {(ticket.is_active, ticket.held_until) for ticket in tickets} == {(True, None)}, booking
        confirmed_seats += [ticket.seat_number for ticket in tickets]
        assert sorted(ticket.seat_number for ticket in tickets) == sorted(wishes[buyers.index(booking.user)])
    assert len(confirmed_seats) == len(set(confirmed_seats)), "a seat was sold twice"
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, Booking) and outcome.status == Booking.Status.CONFIRMED:
            assert Booking.objects.get(pk=outcome.pk).status == Booking.Status.CONFIRMED, index

    time.sleep(settings.HOLD_SECONDS)  # every hold still held is now dead
    free = sorted(set(range(1, 21)) - set(confirmed_seats))
    seat_map = bearer_client(buyers[0]).get(f"/api/shows/{show.id}/seats/").json()
    assert seat_map["available_seats"] == len(free)
    # No seat stays taken by a dead hold: every seat not sold can be bought now, with nothing run in between.
    late_buyer = UserFactory()
    for start in range(0, len(free), 10):
        services.book_seats(user=late_buyer, show=show, seat_numbers=free[start:start + 10])
    assert sorted(live_seat_numbers(show)) == list(range(1, 21))


def test_one_hold_confirmed_while_rivals_book_its_seat_at_the_deadline(settings):
    settings.HOLD_SECONDS = 0.2
    for _ in range(5):
        show = ShowFactory()
        owner, *rivals = UserFactory.create_batch(9)
        held = services.hold_seats(user=owner, show=show, seat_numbers=[1])

        def act(index, held=held, show=show, rivals=rivals):
            time.sleep(0.15 + index * 0.01)  # straddle the deadline
            if index == 0:
                return services.confirm_booking(booking=held)
            return services.book_seats(user=rivals[index - 1], show=show, seat_numbers=[1])

        outcomes = run_at_once(9, act)

        winners = [outcome for outcome in outcomes if isinstance(outcome, Booking)]
        assert len(winners) == 1, outcomes
        assert all(isinstance(outcome, SeatUnavailable | HoldExpired) for outcome in outcomes if outcome not in winners)
        assert live_seat_numbers(show) == [1]
        winner = Booking.objects.get(pk=winners[0].pk)
        assert winner.status == Booking.Status.CONFIRMED
        assert winner.tickets.get().is_active


def test_thirty_scanners_of_one_ticket_let_it_in_exactly_once():
    show = ShowFactory(starts_at=timezone.now() + timedelta(hours=1))  # its door is open
    booking = services.book_seats(user=UserFactory(), show=show, seat_numbers=[1])
    code = booking.tickets.get().code
    door = UserFactory(is_superuser=True)
    scanners = [bearer_client(door) for _ in range(30)]

    responses = run_at_once(30, lambda i: scanners[i].post("/api/check-in/", {"ticket_code": code}, format="json"))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * 29
    first_scan = Ticket.objects.get().checked_in_at
    assert {response.json()["checked_in_at"] for response in responses} == {
        first_scan.isoformat().replace("+00:00", "Z")}


def test_a_cancel_racing_scans_of_its_tickets_never_both_win():
    for _ in range(5):
        show = ShowFactory()
        booking = services.book_seats(user=UserFactory(), show=show, seat_numbers=[1, 2])
        codes = list(booking.tickets.values_list("code", flat=True))
        door = bearer_client(UserFactory(is_superuser=True))

        def act(index, booking=booking, codes=codes, door=door):
            if index == 0:
                return services.cancel_booking(booking=booking)
            return door.post("/api/check-in/", {"ticket_code": codes[index % 2]}, format="json")

        outcomes = run_at_once(9, act)

        booking.refresh_from_db()
        scanned = Ticket.objects.filter(booking=booking, checked_in_at__isnull=False).count()
        if booking.status == Booking.Status.CANCELLED:
            assert scanned == 0, "a ticket of a cancelled booking opened the door"
            assert not Ticket.objects.filter(booking=booking, is_active=True).exists()
        else:
            assert isinstance(outcomes[0], CheckedIn), outcomes[0]
            assert scanned >= 1
            assert Ticket.objects.filter(booking=booking, is_active=True).count() == 2
        assert all(response.status_code in (200, 409) for response in outcomes[1:])
