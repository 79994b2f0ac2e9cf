"""The booking path's read of a show before the lock (movies.selectors.show_to_book) gives, in one statement, what
the separate reads give: the show and its screen, the default ticket type the show sells, and the asked seats'
states."""
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Ticket
from bookings.services import hold_seats
from bookings.tests.factories import booking_with_seats
from movies import selectors
from movies.models import TicketType, active_seats
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def default_offered(show):
    return next((kind for kind in selectors.offered_ticket_types(show.pk) if kind.is_default), None)


@pytest.fixture
def show():
    """Seats 1 and 2 sold, 3 held, 4 held by a dead hold; 5 and 6 free."""
    show = ShowFactory(screen=ScreenFactory(rows=2, seats_per_row=5, layout=["ssppx", "aasss"]))
    booking_with_seats(show, [1, 2])
    hold_seats(user=UserFactory(), show=show, seat_numbers=[3], ticket_types={}, voucher=None)
    hold_seats(user=UserFactory(), show=show, seat_numbers=[4], ticket_types={}, voucher=None)
    Ticket.objects.filter(show=show, seat_number=4).update(held_until=timezone.now() - timedelta(seconds=1))
    return show


@pytest.mark.parametrize("seats", [[1], [6, 5], [2, 3, 4, 5], [4], None, []])
def test_the_show_screen_default_type_and_seat_states_as_the_separate_reads(show, seats,
                                                                             django_assert_num_queries):
    with django_assert_num_queries(1):
        read = selectors.show_to_book(show.pk, seats)

    alone = selectors.show_with_screen(show.pk)
    assert (fields(read), fields(read.screen)) == (fields(alone), fields(alone.screen))
    before_lock = read.read_before_lock
    assert fields(before_lock.default_type) == fields(default_offered(show))
    assert before_lock.seats == tuple(sorted(seats or ()))
    assert sorted(before_lock.states) == sorted(active_seats(show.pk, before_lock.at, seats) if seats else [])


def test_no_default_type_when_staff_limited_the_show_to_others(show):
    child = TicketType.objects.create(code="child", name="Child")
    show.ticket_types.set([child])

    assert selectors.show_to_book(show.pk, [5]).read_before_lock.default_type is None
    assert default_offered(show) is None

    show.ticket_types.add(TicketType.objects.get(is_default=True))
    assert fields(selectors.show_to_book(show.pk, [5]).read_before_lock.default_type) == fields(default_offered(show))


@pytest.mark.parametrize("key", [999_999_999, 10**20, "x", None])
def test_none_for_no_such_show(key):
    assert selectors.show_to_book(key, [1]) is None
