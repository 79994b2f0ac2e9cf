"""README's walk-through, run with the Python client that openapi-python-client generated from the served document.

Usage: walkthrough.py http://127.0.0.1:PORT (the server, with the demo catalogue). The generated code is used as
generated. Each step checks the status and reads the answer through the generated models, which fail on a body
without a field the document requires, on a value outside a documented enum and (raise_on_unexpected_status) on
an undocumented status: any drift between the document and the server fails the run.
"""
import secrets
import sys

from movie_booking_client import AuthenticatedClient, Client
from movie_booking_client.api.auth import auth_login, auth_logout, auth_me_read, auth_signup, auth_token_refresh
from movie_booking_client.api.bookings import bookings_cancel, bookings_read
from movie_booking_client.api.health import health
from movie_booking_client.api.movies import movies_list, movies_shows
from movie_booking_client.api.my_bookings import my_bookings
from movie_booking_client.api.screens import screens_list
from movie_booking_client.api.shows import shows_book, shows_list, shows_read, shows_seats
from movie_booking_client.models import (
    Booking,
    BookingRequest,
    BookingStatus,
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
    RefreshTokenRequest,
    SeatMap,
    SeatUnavailable,
    Show,
    SignupRequest,
    TokenPair,
    User,
)


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

    # 3. Browse: movies, screens, upcoming shows, one show, one movie's shows
    movies = answer("movies", movies_list.sync_detailed(
        client=anonymous, search="orbit", ordering=MoviesListOrdering("-release_date")), 200, PaginatedMovieList)
    check([movie.title for movie in movies.results] == ["Orbit of Ashes"], "search finds the movie")
    check(answer("screens", screens_list.sync_detailed(client=anonymous), 200, PaginatedScreenList).count == 3,
          "three screens")
    shows = answer("shows", shows_list.sync_detailed(client=anonymous, page_size=5), 200, PaginatedShowList)
    check(len(shows.results) == 5 and shows.next_ is not None and shows.previous is None, "a first page of 5")
    show = answer("one show", shows_read.sync_detailed(shows.results[0].id, client=anonymous), 200, Show)
    check(show.available_seats <= show.total_seats, "available seats are counted")
    movie_shows = answer("one movie's shows", movies_shows.sync_detailed(show.movie.id, client=anonymous),
                         200, PaginatedShowList)
    check(show.id in [listed.id for listed in movie_shows.results], "the show is among its movie's shows")

    # 4. The seat map
    seat_map = answer("seat map", shows_seats.sync_detailed(show.id, client=anonymous), 200, SeatMap)
    check(seat_map.show == show.id and seat_map.available_seats == show.available_seats, "the seat map counts alike")
    seats = two_free_seats(seat_map)

    # 5. Book two seats; one of them again is a 409 naming it
    booked = shows_book.sync_detailed(show.id, client=client, body=BookingRequest(seat_numbers=seats))
    booking = answer("book", booked, 201, Booking)
    check(booked.headers["Location"] == f"{api}/bookings/{booking.id}/", "Location is the booking")
    check(booking.status == BookingStatus.CONFIRMED and [seat.label for seat in booking.seats] == seats,
          "the booking holds both seats")
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

    # 9. Refresh: a new pair; the old refresh token stops working
    fresh = answer("refresh", auth_token_refresh.sync_detailed(
        client=anonymous, body=RefreshTokenRequest(refresh=tokens.refresh)), 200, TokenPair)
    answer("refresh with the used token", auth_token_refresh.sync_detailed(
        client=anonymous, body=RefreshTokenRequest(refresh=tokens.refresh)), 401, Error)
    client = AuthenticatedClient(base_url=api, token=fresh.access, raise_on_unexpected_status=True)

    # 10. Log out: 205, no body; the refresh token is blacklisted
    logout = auth_logout.sync_detailed(client=client, body=RefreshTokenRequest(refresh=fresh.refresh))
    check(logout.status_code == 205 and logout.content == b"", f"log out answers 205 and no body ({logout!r})")
    print("  log out: 205")
    answer("refresh after logging out", auth_token_refresh.sync_detailed(
        client=anonymous, body=RefreshTokenRequest(refresh=fresh.refresh)), 401, Error)

    # Health
    up = answer("health", health.sync_detailed(client=anonymous), 200, Health)
    check(up.database == "ok", "the database answers")


if __name__ == "__main__":
    print("Python client (openapi-python-client):")
    walk_through(sys.argv[1])
    print("Python client: the whole walk-through passed")
