"""The buyer's mails: the confirmation (seats, ticket codes, a QR code per ticket, the show as an .ics event,
the amount paid), the cancellation (with what is refunded), a staff refund, and a payment that came too late.
Composing only; bookings/tasks.py sends them after commit."""
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from icalendar import Calendar, Event

from bookings import tickets
from bookings.models import Payment, Refund
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
        f"Total: {booking.total_price} {settings.CURRENCY}",
        *([f"Paid: {paid.amount} {paid.currency} ({paid.get_provider_display()})"] if (paid := _paid(booking)) else []),
    ]
    message = EmailMessage(_subject(f"Your tickets: {show.movie.title}, {_when(show)}"), "\n".join(lines) + "\n",
                           settings.DEFAULT_FROM_EMAIL, [booking.user.email])
    for ticket in booking.tickets.all():
        message.attach(f"ticket-{seat_label(ticket.seat_number, seats_per_row)}.png", tickets.qr_png(ticket.code),
                       "image/png")
    message.attach("show.ics", calendar_event(booking), "text/calendar")
    return message


def cancellation_message(booking):
    show = booking.show
    body = (f"Hello {booking.user.username},\n\nyour booking {booking.pk} for {_show_and_seats(booking)} is "
            f"cancelled. Its tickets no longer open the door.\n")
    refunded = sum(refund.amount for refund in _refunds(booking, Refund.Reason.CANCELLATION))
    if refunded:
        body += f"\nWe are refunding {refunded} {settings.CURRENCY} to the card you paid with.\n"
    return EmailMessage(_subject(f"Booking cancelled: {show.movie.title}, {_when(show)}"), body,
                        settings.DEFAULT_FROM_EMAIL, [booking.user.email])


def refund_message(booking):
    """A refund that staff made on a booking that stays as it is (a goodwill refund)."""
    show = booking.show
    refund = _refunds(booking, Refund.Reason.GOODWILL)[0]
    body = (f"Hello {booking.user.username},\n\nwe are refunding {refund.amount} {settings.CURRENCY} of your "
            f"booking {booking.pk} for {_show_and_seats(booking)} to the card you paid with. Your booking stays "
            f"as it is.\n")
    return EmailMessage(_subject(f"Refund: {show.movie.title}, {_when(show)}"), body, settings.DEFAULT_FROM_EMAIL,
                        [booking.user.email])


def late_payment_message(booking):
    """A payment that came in after the hold had ended and its seats were gone: refunded in full."""
    show = booking.show
    refunded = sum(refund.amount for refund in _refunds(booking, Refund.Reason.LATE_PAYMENT))
    body = (f"Hello {booking.user.username},\n\nyour payment for booking {booking.pk} ({_show_and_seats(booking)}) "
            f"arrived after your hold had ended, and its seats are no longer free. You have no tickets for it: "
            f"we are refunding the whole {refunded} {settings.CURRENCY} to the card you paid with.\n")
    return EmailMessage(_subject(f"Paid too late, refunded: {show.movie.title}, {_when(show)}"), body,
                        settings.DEFAULT_FROM_EMAIL, [booking.user.email])


def _subject(text):
    """One line: a title saved with a line break before titles refused them would make Django refuse the
    header, and every mail of that movie fail for good."""
    return " ".join(text.split())


def _show_and_seats(booking):
    show = booking.show
    seats = ", ".join(seat_label(ticket.seat_number, show.screen.seats_per_row) for ticket in booking.tickets.all())
    return f"{show.movie.title} ({_when(show)}, {show.screen.name}; seats {seats})"


def _paid(booking):
    return booking.payments.filter(status=Payment.Status.PAID).order_by("pk").first()


def _refunds(booking, reason):
    return list(Refund.objects.filter(payment__booking=booking, reason=reason).order_by("-pk"))


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
