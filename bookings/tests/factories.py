from decimal import Decimal

import factory
from django.utils import timezone

from bookings.models import Booking, Ticket
from bookings.tickets import new_ticket_code
from movies.tests.factories import ShowFactory
from users.tests.factories import UserFactory


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    user = factory.SubFactory(UserFactory)
    show = factory.SubFactory(ShowFactory)
    total_price = Decimal("0")
    confirmed_at = factory.LazyFunction(timezone.now)


def booking_with_seats(show, seats, user=None, cancelled=False):
    """A booking of `seats` written straight to the database (no service), for arranging tests."""
    booking = BookingFactory(
        show=show,
        user=user or UserFactory(),
        total_price=show.price * len(seats),
        **({"status": Booking.Status.CANCELLED, "cancelled_at": timezone.now()} if cancelled else {}),
    )
    Ticket.objects.bulk_create(
        Ticket(booking=booking, show=show, seat_number=seat, is_active=not cancelled, price=show.price,
               code=new_ticket_code())
        for seat in seats
    )
    return booking


def booked_seat(number, label, category="standard", price="9.50", ticket_code=None, ticket_type="adult"):
    """One entry of a booking's `seats` as the API answers it."""
    return {"number": number, "label": label, "category": category, "ticket_type": ticket_type, "price": price,
            "ticket_code": ticket_code}


def ticket_code(show, seat):
    """The code of the live ticket for `seat` of `show`."""
    return Ticket.objects.get(show=show, seat_number=seat, is_active=True).code
