"""Check-in at the door: a ticket opens the door exactly once, whatever the number of scanners.

One conditional UPDATE decides (`checked_in_at IS NULL AND is_active`): the row count says who won, so two
scanners sending the same code at the same instant never both succeed, and a refused scan writes nothing.
The door opens for a show CHECK_IN_OPENS_MINUTES before it starts and closes when it ends: an early scan of a
ticket for another day would let the wrong person in and then block its owner's cancel.
"""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from bookings.exceptions import (
    AlreadyCheckedIn,
    CheckInNotOpen,
    ShowEnded,
    TicketCancelled,
    TicketNotFound,
    WrongShow,
)
from bookings.models import Booking, Ticket
from core.serializers import utc_timestamp


def check_in_ticket(*, code, show_id=None):
    """Let the ticket with `code` in; returns it with its booking, show, movie and screen.

    Raises TicketNotFound, WrongShow (when `show_id` is given and the ticket is for another show),
    TicketCancelled, CheckInNotOpen (with `opens_at`), ShowEnded, or AlreadyCheckedIn (with the first scan's
    `checked_in_at`).
    """
    ticket = _ticket_with_details(code)
    if show_id is not None and ticket.show_id != show_id:
        raise WrongShow()
    if not ticket.is_active or ticket.booking.status != Booking.Status.CONFIRMED:
        raise TicketCancelled()
    now = timezone.now()
    opens_at = ticket.show.starts_at - timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES)
    if now < opens_at:
        raise CheckInNotOpen(opens_at=utc_timestamp(opens_at))
    if now >= ticket.show.ends_at:
        raise ShowEnded()
    if Ticket.objects.filter(pk=ticket.pk, checked_in_at__isnull=True, is_active=True).update(checked_in_at=now):
        ticket.checked_in_at = now
        return ticket
    # Another scan (or a cancel) got there first: say which.
    ticket = _ticket_with_details(code)
    if ticket.checked_in_at is None:
        raise TicketCancelled()
    raise AlreadyCheckedIn(checked_in_at=utc_timestamp(ticket.checked_in_at))


def _ticket_with_details(code):
    try:
        return Ticket.objects.select_related("booking", "show__movie", "show__screen", "ticket_type").get(code=code)
    except Ticket.DoesNotExist:
        raise TicketNotFound() from None
