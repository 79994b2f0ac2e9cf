"""Booking rules that refuse valid input."""
from core.exceptions import DomainError


class SeatUnavailable(DomainError):
    """Some requested seats already have live tickets; `seats` lists them as labels."""

    status_code = 409
    code = "seat_unavailable"
    message = "Some of the requested seats are already taken; nothing was booked."


class ShowStarted(DomainError):
    code = "show_started"
    message = "This show has already started."


class InvalidSeats(DomainError):
    code = "invalid_seats"
    message = "Some of the requested seats do not exist in this show."


class ShowNotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = "No such show."


class HoldLimitReached(DomainError):
    code = "hold_limit"
    message = "You may hold at most 10 seats of one show at once; confirm or cancel a hold first."


class BuyerLimitReached(DomainError):
    """`limit` (extra field) is MAX_SEATS_PER_BUYER."""

    code = "buyer_limit"
    message = "You have as many seats of this show as one buyer may have; nothing was booked."


class HoldExpired(DomainError):
    status_code = 409
    code = "hold_expired"
    message = "This hold has expired and its seats were released; hold them again."


class BookingCancelled(DomainError):
    status_code = 409
    code = "booking_cancelled"
    message = "This booking was cancelled."


class CheckedIn(DomainError):
    code = "checked_in"
    message = "A ticket of this booking has been checked in at the door; it can no longer be cancelled."


class TicketNotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = "No ticket has this code."


class TicketCancelled(DomainError):
    status_code = 409
    code = "ticket_cancelled"
    message = "This ticket's booking was cancelled: it does not open the door."


class WrongShow(DomainError):
    status_code = 409
    code = "wrong_show"
    message = "This ticket is for another show."


class AlreadyCheckedIn(DomainError):
    """`checked_in_at` (extra field) says when the first scan let the ticket in."""

    status_code = 409
    code = "already_checked_in"
    message = "This ticket has already been checked in."


class CheckInNotOpen(DomainError):
    """`opens_at` (extra field) says when the door opens for this ticket's show."""

    status_code = 409
    code = "not_open"
    message = "The door does not open for this show yet."


class ShowEnded(DomainError):
    status_code = 409
    code = "show_ended"
    message = "This ticket's show has ended: it no longer opens the door."


class VoucherInvalid(DomainError):
    """The message says which: unknown, inactive, not yet valid, expired, another movie's, not for these
    ticket types, or used up."""

    code = "voucher_invalid"
    message = "This voucher cannot be used for this booking."


class NoSeatsTogether(DomainError):
    """`available_seats` (extra field) counts the free seats of the category asked for."""

    status_code = 409
    code = "no_seats_together"
    message = "No block of that many free seats side by side is left in this category; nothing was booked."


class LonelySeat(DomainError):
    """`seats` lists, as labels, the free seats the booking would leave with no free neighbour."""

    status_code = 409
    code = "lonely_seat"
    message = "These seats would leave a single free seat alone; choose seats beside it or another block."
