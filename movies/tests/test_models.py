from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from bookings.models import Ticket
from bookings.tests.factories import booking_with_seats
from movies.models import DEAD_HOLD, HELD, SOLD, Show, active_seats, live_ticket_condition
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory

pytestmark = pytest.mark.django_db


def test_ends_at_is_start_plus_running_time():
    show = ShowFactory(movie=MovieFactory(duration_minutes=95))

    assert show.ends_at == show.starts_at + timedelta(minutes=95)


def test_clean_refuses_an_overlapping_show_on_the_same_screen():
    existing = ShowFactory()
    overlapping = Show(movie=MovieFactory(), screen=existing.screen, price=1,
                       starts_at=existing.starts_at - timedelta(minutes=30))

    with pytest.raises(ValidationError) as error:
        overlapping.full_clean()

    assert "starts_at" in error.value.message_dict


@pytest.mark.parametrize("offset_minutes", [120, -120])
def test_clean_accepts_touching_shows(offset_minutes):
    existing = ShowFactory()  # 120 minutes long
    touching = Show(movie=MovieFactory(duration_minutes=120), screen=existing.screen, price=1,
                    starts_at=existing.starts_at + timedelta(minutes=offset_minutes))

    touching.full_clean()


def test_same_time_on_another_screen_is_fine():
    existing = ShowFactory()

    Show(movie=MovieFactory(), screen=ScreenFactory(), price=1, starts_at=existing.starts_at).full_clean()


def test_a_day_long_show_still_overlaps_the_next_day():
    long_show = ShowFactory(movie=MovieFactory(duration_minutes=1440))
    overlapping = Show(movie=MovieFactory(), screen=long_show.screen, price=1,
                       starts_at=long_show.starts_at + timedelta(minutes=1439))

    with pytest.raises(ValidationError):
        overlapping.full_clean()


@pytest.mark.parametrize(
    ("factory", "values"),
    [(MovieFactory, {"duration_minutes": 0}), (ScreenFactory, {"rows": 53}),
     (ScreenFactory, {"seats_per_row": 0}), (ShowFactory, {"price": -1})],
)
def test_database_constraints_back_the_ranges(factory, values):
    with pytest.raises(IntegrityError):
        factory(**values)


def test_active_seats_agrees_with_the_live_ticket_condition():
    show = ShowFactory()
    now = timezone.now()
    booking_with_seats(show, [1, 2])
    booking_with_seats(show, [3], cancelled=True)
    live_hold, dead_hold = booking_with_seats(show, [4]), booking_with_seats(show, [5, 6])
    Ticket.objects.filter(booking=live_hold).update(held_until=now + timedelta(seconds=1), code=None)
    Ticket.objects.filter(booking=dead_hold).update(held_until=now, code=None)  # ends at `now`: dead
    booking_with_seats(ShowFactory(), [7])  # another show's

    states = active_seats(show.id, now)

    assert sorted(states) == [(1, SOLD), (2, SOLD), (4, HELD), (5, DEAD_HOLD), (6, DEAD_HOLD)]
    live = show.tickets.filter(live_ticket_condition(now)).values_list("seat_number", flat=True)
    assert sorted(seat for seat, state in states if state != DEAD_HOLD) == sorted(live)
    assert sorted(active_seats(show.id, now, [2, 3, 5, 9])) == [(2, SOLD), (5, DEAD_HOLD)]
    assert active_seats(show.id, now - timedelta(seconds=1), [5]) == [(5, HELD)]
