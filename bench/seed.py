"""Bench data, written straight into the database with bulk_create (not through HTTP), and checks of it.

    python -m bench.seed create OUT.json [--movies 100 --shows 2000 --tickets 50000 --users 200 --flash-shows 3]
    python -m bench.seed verify SHOW_ID
    python -m bench.seed payments SHOW_ID [--settle-timeout 60]

`create` expects a freshly migrated, empty database (DATABASE_URL and the rest come from the environment,
as for the server) and writes the ids the load generator needs, with a valid access token per user.
`verify` prints, as JSON, what the database holds for one show's live tickets; `payments`, once the show's
payments and refunds have settled (or the timeout passed), what it holds of its money and confirmed seats.
"""
import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_booking.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from bookings.models import Booking, Ticket  # noqa: E402
from bookings.payments.models import Payment, Refund  # noqa: E402
from core.money import minor_units  # noqa: E402
from movies.models import Movie, Screen, Show  # noqa: E402

SHOWS_PER_SCREEN = 100
# Shows on one screen start 4 hours apart, longer than any bench movie (at most 180 minutes): no overlap.
SLOT = timedelta(hours=4)
GENRES = ["Drama", "Comedy", "Action", "Science Fiction", "Animation", "Thriller", "Romance", "Documentary"]
LANGUAGES = ["English", "French", "Spanish", "Hindi", "Japanese", "Italian"]
PAID_SHOW_PRICE = Decimal("9.95")  # with cents: the paid sale's money check is to the cent


def create(*, movies, shows, tickets, users, flash_shows, rows=20, seats_per_row=25, seed=1):
    """Every bench screen has rows * seats_per_row seats (500 by default)."""
    rng = random.Random(seed)
    first_start = (datetime.now(UTC) + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        password = make_password("bench-pass-1234")
        user_model = get_user_model()
        people = user_model.objects.bulk_create(
            # Verified, as real customers are: their bookings are mailed, and that work is measured too.
            user_model(username=f"bench{i:04d}", email=f"bench{i:04d}@example.com", password=password,
                       email_verified=True)
            for i in range(users)
        )
        catalogue = Movie.objects.bulk_create(
            Movie(title=f"Bench Movie {i:03d}", description="A film made for measuring.",
                  duration_minutes=90 + (i * 7) % 91, genre=GENRES[i % len(GENRES)],
                  language=LANGUAGES[i % len(LANGUAGES)], release_date=datetime(2026, 1 + i % 12, 1).date())
            for i in range(movies)
        )
        screen_count = -(-shows // SHOWS_PER_SCREEN)
        screens = Screen.objects.bulk_create(
            Screen(name=f"Bench Screen {i:02d}", rows=rows, seats_per_row=seats_per_row) for i in range(screen_count)
        )
        # Each movie gets shows spread over the screens and the days, like a real programme.
        catalogue_shows = Show.objects.bulk_create(
            Show(movie=catalogue[i % movies], screen=screens[i // SHOWS_PER_SCREEN],
                 starts_at=first_start + SLOT * (i % SHOWS_PER_SCREEN), price=Decimal("9.50"))
            for i in range(shows)
        )
        # Tickets: spread evenly over the shows, five seats a booking, random distinct seats per show.
        per_show = tickets // shows
        seat_plan = {show.pk: rng.sample(range(1, rows * seats_per_row + 1), per_show) for show in catalogue_shows}
        booking_rows = []
        booking_seats = []
        for show in catalogue_shows:
            seats = seat_plan[show.pk]
            for start in range(0, len(seats), 5):
                chunk = seats[start:start + 5]
                booking_rows.append(Booking(user=people[len(booking_rows) % users], show=show,
                                            total_price=show.price * len(chunk), confirmed_at=datetime.now(UTC)))
                booking_seats.append((show, chunk))
        bookings = Booking.objects.bulk_create(booking_rows, batch_size=2000)
        Ticket.objects.bulk_create(
            (Ticket(booking=booking, show=show, seat_number=seat, price=show.price)
             for booking, (show, chunk) in zip(bookings, booking_seats, strict=True) for seat in chunk),
            batch_size=5000,
        )
        # Fresh 500-seat shows for the flash sales, the hold-then-confirm sale, the in-process CPU profile, the
        # paid sale, the best-available sale, the CPU floor and the one-seat hammer, each on a screen of its own.
        special_screens = Screen.objects.bulk_create(
            Screen(name=f"Bench Flash {i:02d}", rows=rows, seats_per_row=seats_per_row) for i in range(flash_shows + 6)
        )
        paid = flash_shows + 2
        special_shows = Show.objects.bulk_create(
            Show(movie=catalogue[0], screen=screen, starts_at=first_start,
                 price=PAID_SHOW_PRICE if i == paid else Decimal("12.00"))
            for i, screen in enumerate(special_screens)
        )
    # The seat-map show: a catalogue show with its share of sold seats; the movie: one with upcoming shows.
    return {
        "movie_id": catalogue[0].pk,
        "movie_upcoming_shows": Show.objects.filter(movie=catalogue[0]).count(),
        "seat_map_show_id": catalogue_shows[0].pk,
        "seat_map_sold": per_show,
        "flash_show_ids": [show.pk for show in special_shows[:flash_shows]],
        "hold_show_id": special_shows[flash_shows].pk,
        "cpu_show_id": special_shows[flash_shows + 1].pk,  # bench/cpu.py books it seat by seat
        "paid_show_id": special_shows[paid].pk,
        "best_show_id": special_shows[paid + 1].pk,
        "floor_show_id": special_shows[paid + 2].pk,  # bench/cpu.py books it through bench/floor.py
        "hammer_show_id": special_shows[-1].pk,
        "seats": rows * seats_per_row,
        "seats_per_row": seats_per_row,
        "counts": {"movies": Movie.objects.count(), "shows": Show.objects.count(),
                   "tickets": Ticket.objects.count(), "bookings": Booking.objects.count(),
                   "users": user_model.objects.count()},
        # Minted here rather than through the login endpoint: logins are not what is measured.
        "tokens": [str(AccessToken.for_user(person)) for person in people],
    }


def verify(show_id):
    """What the database says about one show's seats: every live ticket, and any seat held twice."""
    show = Show.objects.select_related("screen").get(pk=show_id)
    live = Ticket.objects.filter(show_id=show_id, is_active=True)
    doubles = list(live.values("seat_number").annotate(n=Count("id")).filter(n__gt=1).values_list("seat_number", "n"))
    seats = sorted(live.values_list("seat_number", flat=True))
    return {
        "show": show_id,
        "capacity": show.screen.capacity,
        "live_tickets": len(seats),
        "distinct_seats": len(set(seats)),
        "seats": seats,
        "seats_held_twice": doubles,
        "confirmed_bookings": Booking.objects.filter(show_id=show_id, status=Booking.Status.CONFIRMED).count(),
    }


def payments(show_id, *, settle_timeout):
    """One paid show's money and seats, once no payment of it is pending and no refund is pending or sent (or
    `settle_timeout` seconds passed): every payment with its booking and refunds, and the seats and prices of the
    CONFIRMED bookings' live tickets. Amounts are integer cents."""
    of_show = Payment.objects.filter(booking__show_id=show_id)
    refunds = Refund.objects.filter(payment__booking__show_id=show_id)
    started = time.monotonic()
    while True:
        unsettled = {
            "payments_pending": of_show.filter(status=Payment.Status.PENDING).count(),
            "refunds_unsettled": refunds.filter(status__in=[Refund.Status.PENDING, Refund.Status.SENT]).count(),
        }
        if not any(unsettled.values()) or time.monotonic() - started > settle_timeout:
            break
        time.sleep(0.5)
    sold = Ticket.objects.filter(show_id=show_id, is_active=True, booking__status=Booking.Status.CONFIRMED)
    live = Ticket.objects.filter(show_id=show_id, is_active=True)
    refunds_of = {}
    for refund in refunds.order_by("pk"):
        refunds_of.setdefault(refund.payment_id, []).append(
            {"id": refund.pk, "amount_cents": refund.amount_cents, "status": refund.status,
             "provider_id": refund.provider_id})
    return {
        "waited_s": round(time.monotonic() - started, 1),
        **unsettled,
        "confirmed_bookings": Booking.objects.filter(show_id=show_id, status=Booking.Status.CONFIRMED).count(),
        # A confirmed booking with a ticket that is not live: a seat paid for and not held.
        "confirmed_bookings_missing_seats": Booking.objects.filter(
            show_id=show_id, status=Booking.Status.CONFIRMED, tickets__is_active=False).distinct().count(),
        "sold_seats": sorted(sold.values_list("seat_number", flat=True)),
        "sold_cents": sum(minor_units(price) for price in sold.values_list("price", flat=True)),
        "seats_held_twice": list(live.values("seat_number").annotate(n=Count("id")).filter(n__gt=1)
                                 .values_list("seat_number", "n")),
        "payments": [
            {"id": payment.pk, "provider_id": payment.provider_id, "status": payment.status,
             "amount_cents": payment.amount_cents, "booking": payment.booking_id,
             "booking_status": payment.booking.status, "refunds": refunds_of.get(payment.pk, [])}
            for payment in of_show.select_related("booking").order_by("pk")
        ],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("create")
    make.add_argument("out")
    make.add_argument("--movies", type=int, default=100)
    make.add_argument("--shows", type=int, default=2000)
    make.add_argument("--tickets", type=int, default=50000)
    make.add_argument("--users", type=int, default=200)
    make.add_argument("--flash-shows", type=int, default=3)
    make.add_argument("--rows", type=int, default=20)
    make.add_argument("--seats-per-row", type=int, default=25)
    check = commands.add_parser("verify")
    check.add_argument("show_id", type=int)
    money = commands.add_parser("payments")
    money.add_argument("show_id", type=int)
    money.add_argument("--settle-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    if args.command == "create":
        data = create(movies=args.movies, shows=args.shows, tickets=args.tickets, users=args.users,
                      flash_shows=args.flash_shows, rows=args.rows, seats_per_row=args.seats_per_row)
        with open(args.out, "w") as out:
            json.dump(data, out)
        print(json.dumps(data["counts"]))
    elif args.command == "payments":
        json.dump(payments(args.show_id, settle_timeout=args.settle_timeout), sys.stdout)
    else:
        json.dump(verify(args.show_id), sys.stdout)


if __name__ == "__main__":
    main()
