"""README's walk-through, then its payment flow, run with the Python client that openapi-python-client generated
from the served document.

Usage: walkthrough.py SERVER PAID_SERVER STRIPE: the URLs (http://127.0.0.1:PORT) of the server, of one with
PAYMENT_PROVIDER=stripe (both with the demo catalogue), and of the localstripe that one pays through. The generated
code is used as generated. Each step checks the status and reads the answer through the generated models, which
fail on a body without a field the document requires, on a value outside a documented enum and
(raise_on_unexpected_status) on an undocumented status: any drift between the document and the server fails the
run. The exception is a field that may be null (a booking's `payment`): a value that does not parse is kept as it
came, so payment_of checks that it is the model.
"""
import re
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import httpx
from movie_booking_client import AuthenticatedClient, Client
from movie_booking_client.api.auth import auth_login, auth_logout, auth_me_read, auth_signup, auth_token_refresh
from movie_booking_client.api.bookings import (
    bookings_cancel,
    bookings_confirm,
    bookings_pay,
    bookings_read,
    bookings_ticket_qr,
)
from movie_booking_client.api.check_in import check_in
from movie_booking_client.api.health import health
from movie_booking_client.api.movies import movies_list, movies_shows
from movie_booking_client.api.my_bookings import my_bookings
from movie_booking_client.api.screens import screens_list
from movie_booking_client.api.shows import shows_book, shows_hold, shows_list, shows_read, shows_seats
from movie_booking_client.models import (
    Booking,
    BookingRequest,
    BookingRequestTicketRequest,
    BookingStatus,
    CheckIn,
    CheckInRequestRequest,
    Error,
    Health,
    LoginRequest,
    Me,
    MoviesListOrdering,
    MyBookingsStatus,
    PaginatedBookingList,
    PaginatedMovieList,
    PaginatedScreenList,
    PaginatedShowList,
    PayAnswer,
    PayAnswerProvider,
    PaymentType0,
    PaymentType0Provider,
    PaymentType0Status,
    RefreshTokenRequest,
    SeatCategory,
    SeatMap,
    SeatUnavailable,
    Show,
    SignupRequest,
    TokenPair,
    User,
)
from movie_booking_client.types import File

TICKET_CODE = re.compile(r"[A-Za-z0-9_-]{16,}")
STRIPE_SECRET_KEY = "sk_test_clients"
STRIPE_PUBLISHABLE_KEY = "pk_test_clients"


class WalkThroughFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise WalkThroughFailed(f"not so: {what}")


def answer(step, response, status, model):
    """The parsed answer of one step, after checking its status and its documented shape."""
    check(response.status_code == status, f"{step} answers {status} (HTTP {response.status_code} "
                                          f"{response.content[:300]!r})")
    check(isinstance(response.parsed, model), f"{step} answers a {model.__name__} ({response.parsed!r})")
    print(f"  {step}: {status}")
    return response.parsed


def two_free_seats(seat_map):
    """Two neighbouring seats that are still free, as labels."""
    for row in seat_map.rows:
        for left, right in zip(row.seats, row.seats[1:], strict=False):
            if left.available and right.available:
                return [left.label, right.label]
    raise WalkThroughFailed("no two neighbouring seats are free")


def walk_through(server):
    api = f"{server}/api"
    anonymous = Client(base_url=api, raise_on_unexpected_status=True)
    username, password = f"py-{secrets.token_hex(4)}", f"s3cret-{secrets.token_hex(8)}"

    # 1. Sign up, then log in
    signup = auth_signup.sync_detailed(client=anonymous, body=SignupRequest(
        username=username, email=f"{username}@example.com", password=password))
    account = answer("sign up", signup, 201, User)
    check(signup.headers["Location"] == f"{api}/auth/me/", "signup's Location is the account")
    tokens = answer("log in", auth_login.sync_detailed(
        client=anonymous, body=LoginRequest(username=username, password=password)), 200, TokenPair)
    client = AuthenticatedClient(base_url=api, token=tokens.access, raise_on_unexpected_status=True)

    # 2. Who am I?
    me = answer("who am I", auth_me_read.sync_detailed(client=client), 200, Me)
    check((me.id, me.username, me.email) == (account.id, username, f"{username}@example.com"), "me is the new account")
    unauthorized = answer("who am I, with a bad token", auth_me_read.sync_detailed(
        client=AuthenticatedClient(base_url=api, token="not-a-token", raise_on_unexpected_status=True)), 401, Error)
    check(unauthorized.code == "token_not_valid", "a bad token is token_not_valid")

    # 3. Browse: movies, screens, upcoming shows, one show (with its price per category), one movie's shows
    movies = answer("movies", movies_list.sync_detailed(
        client=anonymous, search="orbit", ordering=MoviesListOrdering("-release_date")), 200, PaginatedMovieList)
    check([movie.title for movie in movies.results] == ["Orbit of Ashes"], "search finds the movie")
    check(answer("screens", screens_list.sync_detailed(client=anonymous), 200, PaginatedScreenList).count == 4,
          "four screens")
    shows = answer("shows", shows_list.sync_detailed(client=anonymous, page_size=5), 200, PaginatedShowList)
    check(len(shows.results) == 5 and shows.next_ is not None and shows.previous is None, "a first page of 5")
    show = answer("one show", shows_read.sync_detailed(shows.results[0].id, client=anonymous), 200, Show)
    check(show.available_seats <= show.total_seats, "available seats are counted")
    check(show.prices.standard == show.price, "the standard price is the show's price")
    movie_shows = answer("one movie's shows", movies_shows.sync_detailed(show.movie.id, client=anonymous),
                         200, PaginatedShowList)
    check(show.id in [listed.id for listed in movie_shows.results], "the show is among its movie's shows")

    # 4. The seat map: each seat's label, column, category, price and availability; blocked seats never sell
    seat_map = answer("seat map", shows_seats.sync_detailed(show.id, client=anonymous), 200, SeatMap)
    check(seat_map.show == show.id and seat_map.available_seats == show.available_seats, "the seat map counts alike")
    listed_seats = [(row.row, seat) for row in seat_map.rows for seat in row.seats]
    check(all(seat.label == f"{row}{seat.column}" for row, seat in listed_seats), "a label is row and column")
    check(all(seat.price is None and not seat.available if seat.category == SeatCategory.BLOCKED
              else seat.price == getattr(show.prices, seat.category.value) for _, seat in listed_seats),
          "a seat costs its category's price; a blocked one nothing")
    check(sum(seat.category != SeatCategory.BLOCKED for _, seat in listed_seats) == seat_map.total_seats
          and sum(seat.available for _, seat in listed_seats) == seat_map.available_seats,
          "the seat map counts its seats")
    price_of = {seat.label: seat.price for _, seat in listed_seats}
    seats = two_free_seats(seat_map)

    # A conditional read: the same ETag answers 304 with no body, until something on the seat map changes.
    def seat_map_if_changed(etag):
        return shows_seats.sync_detailed(show.id, client=Client(
            base_url=api, headers={"If-None-Match": etag}, raise_on_unexpected_status=True))

    etag = shows_seats.sync_detailed(show.id, client=anonymous).headers["ETag"]
    unchanged = seat_map_if_changed(etag)
    check(unchanged.status_code == 304 and unchanged.content == b"", "the same ETag answers 304, no body")
    print("  seat map, if changed: 304")

    # 5. Book two seats, each at its category's price; one of them again is a 409 naming it
    booked = shows_book.sync_detailed(show.id, client=client, body=BookingRequest(seat_numbers=seats))
    booking = answer("book", booked, 201, Booking)
    check(booked.headers["Location"] == f"{api}/bookings/{booking.id}/", "Location is the booking")
    check(booking.status == BookingStatus.CONFIRMED and [seat.label for seat in booking.seats] == seats,
          "the booking holds both seats")
    check(all(seat.price == price_of[seat.label] for seat in booking.seats)
          and Decimal(booking.total_price) == sum(Decimal(seat.price) for seat in booking.seats),
          "each seat is sold at the seat map's price; the total is their sum")
    check(booking.expires_at is None, "a booking that was never a hold does not expire")
    codes = [seat.ticket_code for seat in booking.seats]
    check(all(TICKET_CODE.fullmatch(code or "") for code in codes) and len(set(codes)) == len(codes),
          "each seat of a confirmed booking is a ticket with its own code")
    changed = answer("seat map, if changed", seat_map_if_changed(etag), 200, SeatMap)
    check(changed.available_seats == seat_map.available_seats - 2, "the seat map shows the booking")
    check(seat_map_if_changed(etag).headers["ETag"] != etag, "a booking changes the seat map's ETag")
    taken = answer("book a taken seat", shows_book.sync_detailed(
        show.id, client=client, body=BookingRequest(seat_numbers=seats[1:])), 409, SeatUnavailable)
    check(taken.seats == seats[1:], "the 409 names the taken seat")

    # 6. My bookings, then one of them
    mine = answer("my bookings", my_bookings.sync_detailed(client=client, status=MyBookingsStatus.CONFIRMED),
                  200, PaginatedBookingList)
    check([listed.id for listed in mine.results] == [booking.id], "my bookings list it")
    check(answer("one booking", bookings_read.sync_detailed(booking.id, client=client), 200, Booking) == booking,
          "the booking reads back")

    # 7. Cancel; cancelling again answers the same booking
    cancelled = answer("cancel", bookings_cancel.sync_detailed(booking.id, client=client), 200, Booking)
    check(cancelled.status == BookingStatus.CANCELLED and cancelled.cancelled_at is not None, "it is cancelled")
    check(all(seat.ticket_code is None for seat in cancelled.seats), "a cancelled booking shows no ticket code")
    check(answer("cancel again", bookings_cancel.sync_detailed(booking.id, client=client), 200, Booking) == cancelled,
          "the same booking")

    # 8. Book again with an Idempotency-Key: the retry replays the first answer and books nothing more
    key = f"py-order-{secrets.token_hex(8)}"
    first, retry = (shows_book.sync_detailed(show.id, client=client, body=BookingRequest(seat_numbers=seats),
                                             idempotency_key=key) for _ in range(2))
    check(answer("book with a key", first, 201, Booking) == answer("retry it", retry, 201, Booking), "the same booking")
    check("Idempotent-Replayed" not in first.headers and retry.headers.get("Idempotent-Replayed") == "true",
          "the retry says it is replayed")
    check(retry.headers["Location"] == first.headers["Location"], "the replay has the same Location")

    # 9. Who sits in each seat, and a voucher: a seat costs its type's price in the show's offer, less DEMO10's 10 %
    offer = {offered.code: offered for offered in show.ticket_types}
    check({"adult", "child", "senior", "student"} <= set(offer), "the show sells the demo's ticket types")
    typed_seats = two_free_seats(answer("seat map before typed seats", shows_seats.sync_detailed(
        show.id, client=anonymous), 200, SeatMap))
    typed = answer("book with ticket types and a voucher", shows_book.sync_detailed(show.id, client=client, body=(
        BookingRequest(tickets=[BookingRequestTicketRequest(seat=typed_seats[0], type_="student"),
                                BookingRequestTicketRequest(seat=typed_seats[1], type_="senior")],
                       voucher="demo10"))), 201, Booking)
    check([seat.ticket_type for seat in typed.seats] == ["student", "senior"] and typed.voucher == "DEMO10",
          "each seat has its ticket type, the booking its voucher")

    def less_the_voucher(price):
        return price - (price * Decimal("0.10")).quantize(Decimal("0.01"), ROUND_HALF_UP)

    check([Decimal(seat.price) for seat in typed.seats]
          == [less_the_voucher(Decimal(getattr(offer[seat.ticket_type].prices, seat.category.value)))
              for seat in typed.seats]
          and Decimal(typed.total_price) == sum(Decimal(seat.price) for seat in typed.seats),
          "each seat costs its type's offered price less the voucher's 10 %; the total is their sum")

    # 10. Hold two seats while paying, then confirm; confirming again answers the same booking
    to_hold = two_free_seats(answer("seat map before holding", shows_seats.sync_detailed(show.id, client=anonymous),
                                    200, SeatMap))
    holding = shows_hold.sync_detailed(show.id, client=client, body=BookingRequest(seat_numbers=to_hold))
    hold = answer("hold", holding, 201, Booking)
    check(holding.headers["Location"] == f"{api}/bookings/{hold.id}/", "Location is the hold")
    check(hold.status == BookingStatus.HELD and [seat.label for seat in hold.seats] == to_hold, "the seats are held")
    check(hold.expires_at is not None and hold.expires_at > datetime.now(UTC), "the hold expires later")
    check(all(seat.ticket_code is None for seat in hold.seats), "a held seat is no ticket yet")
    while_held = answer("seat map while held", shows_seats.sync_detailed(show.id, client=anonymous), 200, SeatMap)
    check(not any(seat.available for row in while_held.rows for seat in row.seats if seat.label in to_hold),
          "held seats are taken for everyone else")
    not_yet = answer("QR code of a held seat", bookings_ticket_qr.sync_detailed(
        hold.id, hold.seats[0].number, client=client), 404, Error)
    check(not_yet.code == "not_found", "a hold has no QR code")
    confirmed = answer("confirm", bookings_confirm.sync_detailed(hold.id, client=client), 200, Booking)
    check(confirmed.status == BookingStatus.CONFIRMED and confirmed.expires_at == hold.expires_at,
          "the hold is confirmed")
    check(all(TICKET_CODE.fullmatch(seat.ticket_code or "") for seat in confirmed.seats),
          "confirmed seats are tickets with codes")
    check(answer("confirm again", bookings_confirm.sync_detailed(hold.id, client=client), 200, Booking) == confirmed,
          "confirming again answers the same booking")

    # 11. Tickets: each seat's QR code, an SVG image
    ticket = confirmed.seats[0]
    qr_code = bookings_ticket_qr.sync_detailed(hold.id, ticket.number, client=client)
    check(b"<svg" in answer("QR code", qr_code, 200, File).payload.read()
          and qr_code.headers["Content-Type"] == "image/svg+xml", "the QR code is an SVG image")

    # 12. At the door: door staff check a ticket in exactly once; its booking can no longer be cancelled
    not_staff = answer("check in, not door staff", check_in.sync_detailed(
        client=client, body=CheckInRequestRequest(ticket_code=ticket.ticket_code)), 403, Error)
    check(not_staff.code == "permission_denied", "a buyer is no door staff")
    door_tokens = answer("log in as door staff", auth_login.sync_detailed(
        client=anonymous, body=LoginRequest(username="admin", password="admin-pass-1234")), 200, TokenPair)
    door = AuthenticatedClient(base_url=api, token=door_tokens.access, raise_on_unexpected_status=True)
    admitted = answer("check in", check_in.sync_detailed(
        client=door, body=CheckInRequestRequest(ticket_code=ticket.ticket_code, show=show.id)), 200, CheckIn)
    check((admitted.ticket_code, admitted.booking, admitted.show.id, admitted.seat.label, admitted.seat.category.value)
          == (ticket.ticket_code, hold.id, show.id, ticket.label, ticket.category.value),
          "the scan names the ticket's booking, show and seat")
    rescan = answer("check in again", check_in.sync_detailed(
        client=door, body=CheckInRequestRequest(ticket_code=ticket.ticket_code)), 409, Error)
    check(rescan.code == "already_checked_in"
          and datetime.fromisoformat(rescan["checked_in_at"]) == admitted.checked_in_at,
          "a second scan says when the first one let the ticket in")
    refused = answer("cancel a checked-in booking", bookings_cancel.sync_detailed(hold.id, client=client), 400, Error)
    check(refused.code == "checked_in", "a booking with a checked-in ticket stays")

    # 13. Refresh: a new pair; the old refresh token stops working
    fresh = answer("refresh", auth_token_refresh.sync_detailed(
        client=anonymous, body=RefreshTokenRequest(refresh=tokens.refresh)), 200, TokenPair)
    answer("refresh with the used token", auth_token_refresh.sync_detailed(
        client=anonymous, body=RefreshTokenRequest(refresh=tokens.refresh)), 401, Error)
    client = AuthenticatedClient(base_url=api, token=fresh.access, raise_on_unexpected_status=True)

    # 14. Log out: 205, no body; the refresh token is blacklisted
    logout = auth_logout.sync_detailed(client=client, body=RefreshTokenRequest(refresh=fresh.refresh))
    check(logout.status_code == 205 and logout.content == b"", f"log out answers 205 and no body ({logout!r})")
    print("  log out: 205")
    answer("refresh after logging out", auth_token_refresh.sync_detailed(
        client=anonymous, body=RefreshTokenRequest(refresh=fresh.refresh)), 401, Error)

    # Health
    up = answer("health", health.sync_detailed(client=anonymous), 200, Health)
    check(up.database == "ok", "the database answers")


def pay_at_stripe(stripe, payment_intent):
    """What Stripe.js does in the buyer's browser: attach a card to the PaymentIntent, then confirm it. (Stripe.js
    sends the publishable key and the client secret; localstripe is asked with the secret key, as README's curl
    does.)"""
    intent, auth = f"{stripe}/v1/payment_intents/{payment_intent}", (STRIPE_SECRET_KEY, "")
    card = httpx.post(intent, data={"payment_method": "pm_card_visa"}, auth=auth)
    check(card.status_code == 200, f"Stripe takes the card (HTTP {card.status_code} {card.content[:300]!r})")
    paid = httpx.post(f"{intent}/confirm", auth=auth)
    check(paid.status_code == 200 and paid.json()["status"] == "succeeded",
          f"Stripe takes the money (HTTP {paid.status_code} {paid.content[:300]!r})")
    print("  the buyer pays at Stripe: succeeded")


def payment_of(booking):
    """The booking's payment, which must parse as the documented model."""
    check(isinstance(booking.payment, PaymentType0), f"the booking has a payment ({booking.payment!r})")
    return booking.payment


def ticketed(booking):
    return all(TICKET_CODE.fullmatch(seat.ticket_code or "") for seat in booking.seats)


def pay_through(server, stripe):
    """README's "Payments with Stripe": hold, pay, the buyer pays at Stripe, confirm; cancel refunds; a hold paid
    and never confirmed by the app is confirmed by Stripe's webhook."""
    api = f"{server}/api"
    anonymous = Client(base_url=api, raise_on_unexpected_status=True)
    tokens = answer("log in as demo", auth_login.sync_detailed(
        client=anonymous, body=LoginRequest(username="demo", password="demo-pass-1234")), 200, TokenPair)
    client = AuthenticatedClient(base_url=api, token=tokens.access, raise_on_unexpected_status=True)

    # A show that starts well after this run, so that its bookings can still be cancelled at the end
    show = answer("a show in 10 minutes or later", shows_list.sync_detailed(
        client=anonymous, from_=datetime.now(UTC) + timedelta(minutes=10), page_size=1), 200,
        PaginatedShowList).results[0]

    def free_seats(step):
        return two_free_seats(answer(step, shows_seats.sync_detailed(show.id, client=client), 200, SeatMap))

    def hold_seats(step, seats):
        return answer(step, shows_hold.sync_detailed(show.id, client=client, body=BookingRequest(seat_numbers=seats)),
                      201, Booking)

    def pay(step, booking_id):
        return answer(step, bookings_pay.sync_detailed(booking_id, client=client), 200, PayAnswer)

    # 1. Priced seats are no longer booked at once: 402, hold them and pay first
    seats = free_seats("seat map")
    refused = answer("book priced seats", shows_book.sync_detailed(
        show.id, client=client, body=BookingRequest(seat_numbers=seats)), 402, Error)
    check(refused.code == "payment_required", "priced seats must be paid for")

    # 2. Hold them and pay: the PaymentIntent is for the hold's total, computed by the server
    hold = hold_seats("hold", seats)
    check(hold.status == BookingStatus.HELD and hold.payment is None and Decimal(hold.total_price) > 0,
          "a priced hold not yet paid for has no payment")
    paying = pay("pay", hold.id)
    check(paying.provider == PayAnswerProvider.STRIPE and paying.payment_intent.startswith("pi_")
          and paying.client_secret.startswith(f"{paying.payment_intent}_secret_")
          and paying.publishable_key == STRIPE_PUBLISHABLE_KEY, "the answer is what Stripe.js needs")
    check((paying.amount, paying.currency) == (hold.total_price, "EUR"), "the amount is the hold's total price")
    check(pay("pay again", hold.id).payment_intent == paying.payment_intent,
          "asking again answers the same PaymentIntent")
    pending = payment_of(answer("one booking", bookings_read.sync_detailed(hold.id, client=client), 200, Booking))
    check((pending.provider, pending.status, pending.amount)
          == (PaymentType0Provider.STRIPE, PaymentType0Status.PENDING, hold.total_price),
          "the booking's payment is pending")

    # 3. Confirm: refused until Stripe says the money was taken
    not_yet = answer("confirm before paying", bookings_confirm.sync_detailed(hold.id, client=client), 409, Error)
    check(not_yet.code == "payment_incomplete", "no ticket before the money")
    pay_at_stripe(stripe, paying.payment_intent)
    confirmed = answer("confirm", bookings_confirm.sync_detailed(hold.id, client=client), 200, Booking)
    check(confirmed.status == BookingStatus.CONFIRMED and ticketed(confirmed),
          "the paid hold is confirmed, with ticket codes")
    paid = payment_of(confirmed)
    check((paid.provider, paid.status, paid.amount, Decimal(paid.amount_refunded), paid.currency)
          == (PaymentType0Provider.STRIPE, PaymentType0Status.PAID, hold.total_price, 0, "EUR"),
          "its payment is paid, in full")

    # 4. Cancel a paid booking: its price is refunded (localstripe settles a refund at once)
    cancelled = answer("cancel", bookings_cancel.sync_detailed(hold.id, client=client), 200, Booking)
    check(cancelled.status == BookingStatus.CANCELLED and all(seat.ticket_code is None for seat in cancelled.seats),
          "it is cancelled")
    refunded = payment_of(cancelled)
    check((refunded.status, refunded.amount_refunded) == (PaymentType0Status.REFUNDED, cancelled.total_price),
          "all of its price is refunded")

    # 5. A hold paid at Stripe whose app never comes back: Stripe's webhook confirms it
    unconfirmed = hold_seats("hold again", free_seats("seat map before holding again"))
    pay_at_stripe(stripe, pay("pay for it", unconfirmed.id).payment_intent)
    started = time.monotonic()
    booking = unconfirmed
    while booking.status != BookingStatus.CONFIRMED and time.monotonic() - started < 15:
        time.sleep(0.2)
        read = bookings_read.sync_detailed(unconfirmed.id, client=client)
        check(read.status_code == 200 and isinstance(read.parsed, Booking), f"the booking reads ({read!r})")
        booking = read.parsed
    check(booking.status == BookingStatus.CONFIRMED and ticketed(booking)
          and payment_of(booking).status == PaymentType0Status.PAID,
          "within 15 s the webhook has confirmed the paid hold, with ticket codes")
    print(f"  confirmed by the webhook: after {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    server, paid_server, stripe = sys.argv[1:]
    print("Python client (openapi-python-client):")
    walk_through(server)
    print("Python client, paying (PAYMENT_PROVIDER=stripe, localstripe):")
    pay_through(paid_server, stripe)
    print("Python client: the whole walk-through passed")
