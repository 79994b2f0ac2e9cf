"""Rules of the catalogue that refuse valid input."""
from core.exceptions import DomainError


class ShowOverlap(DomainError):
    code = "show_overlap"
    message = "This show overlaps another show on the same screen."


class ShowHasBookings(DomainError):
    code = "show_has_bookings"
    message = "This show has live tickets: its screen and start time can no longer change."


class ScreenHasBookings(DomainError):
    code = "screen_has_bookings"
    message = ("A show on this screen has live tickets or holds: its rows, seats per row and layout can no "
               "longer change.")


class DefaultTicketTypeChanged(DomainError):
    status_code = 409
    code = "conflict"
    message = "Another ticket type was made the default at the same moment; read the types again and retry."
