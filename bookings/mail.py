"""The buyer's mails: the confirmation (seats, ticket codes, a QR code per ticket, the show as an .ics event)
and the cancellation. Composing only; bookings/tasks.py sends them after commit."""
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from icalendar import Calendar, Event

from bookings import tickets
from movies.seating import seat_label


def confirmation_message(booking):
    """Expects a booking from `selectors.bookings_with_details()` with its user."""
    show = booking.show
    seats_per_row = show.screen.seats_per_row
    lines = [
        f"Hello {booking.user.username},",
        "",
        f"your booking {booking.pk} is confirmed.",
        "",
        f"{show.movie.title}",
        f"{_when(show)}, {show.screen.name}",
        "",
        "Your tickets (show the QR code attached for each at the door):",
        *(f"  {seat_label(ticket.seat_number, seats_per_row)} ({ticket.category}, {ticket.price}): {ticket.code}"
          for ticket in booking.tickets.all()),
        "",
        f"Total: {booking.total_price}",
    ]
    message = EmailMessage(f"Your tickets: {show.movie.title}, {_when(show)}", "\n".join(lines) + "\n",
                           settings.DEFAULT_FROM_EMAIL, [booking.user.email])
    for ticket in booking.tickets.all():
        message.attach(f"ticket-{seat_label(ticket.seat_number, seats_per_row)}.png", tickets.qr_png(ticket.code),
                       "image/png")
    message.attach("show.ics", calendar_event(booking), "text/calendar")
    return message


def cancellation_message(booking):
    show = booking.show
    seats = ", ".join(seat_label(ticket.seat_number, show.screen.seats_per_row) for ticket in booking.tickets.all())
    body = (f"Hello {booking.user.username},\n\nyour booking {booking.pk} for {show.movie.title} ({_when(show)}, "
            f"{show.screen.name}; seats {seats}) is cancelled. Its tickets no longer open the door.\n")
    return EmailMessage(f"Booking cancelled: {show.movie.title}, {_when(show)}", body, settings.DEFAULT_FROM_EMAIL,
                        [booking.user.email])


def calendar_event(booking):
    """The show as an iCalendar event, for the buyer's calendar."""
    show = booking.show
    seats_per_row = show.screen.seats_per_row
    event = Event()
    event.add("uid", f"booking-{booking.pk}@movie-booking")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", show.starts_at)
    event.add("dtend", show.ends_at)
    event.add("summary", show.movie.title)
    event.add("location", show.screen.name)
    event.add("description", "Seats: " + ", ".join(seat_label(ticket.seat_number, seats_per_row)
                                                     for ticket in booking.tickets.all()))
    calendar = Calendar()
    calendar.add("prodid", "-//Movie Booking//Tickets//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def _when(show):
    return timezone.localtime(show.starts_at).strftime("%a %d %b %Y, %H:%M %Z")
