"""The sales reports over a season (issue #24): 200 shows, 100,000 tickets; each report page timed in-process.

    python -m bench.reports measure [--shows 200 --tickets 100000 --repeats 15]

`measure` expects a freshly migrated, empty database (DATABASE_URL and the rest come from the environment, as for
the server). It writes a season straight into it with bulk_create: shows over eight weeks, tickets of four types,
some with a voucher, sold at the box office and online, cancelled bookings refunded less a fee, dead holds, goodwill
refunds. Then it asks for each report page through Django's whole request path (middleware, JWT, permissions, the
view, rendering), as an accountant with bookings.view_sales, and prints, as JSON, the median and slowest of the
timed runs and the queries of one. That is the server's time: what a request costs before the network.
bench/run.py runs it as the "reports" scenario, on each database.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

TARGET_MS = 300  # each report page, server time (issue #24)
ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "shows": "/api/reports/shows/",
    "shows, 100 a page": "/api/reports/shows/?page_size=100",
    "shows as CSV (every show)": "/api/reports/shows/?format=csv",
    "daily": "/api/reports/daily/",
    "daily as CSV (every day)": "/api/reports/daily/?format=csv",
}
ADMIN_PAGE = "admin Sales page (the whole season)"
SEASON_DAYS = 56


def seed(*, shows, tickets, seed=24):
    """A season written with bulk_create; returns what it wrote, counted."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from bookings.models import Booking, Payment, Refund, Ticket, Voucher
    from bookings.tickets import new_ticket_code
    from core.money import minor_units, percent_of
    from movies import pricing
    from movies.models import Movie, Screen, Show, TicketType

    rng = random.Random(seed)
    start = (datetime.now(UTC) - timedelta(days=SEASON_DAYS - 14)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows, seats_per_row = 25, 30
    per_show = tickets // shows
    with transaction.atomic():
        people = get_user_model().objects.bulk_create(
            get_user_model()(username=f"season{i:04d}", email=f"season{i:04d}@example.com",
                             password=make_password(None)) for i in range(400))
        movies = Movie.objects.bulk_create(
            Movie(title=f"Season Movie {i:02d}", description="A film of the season.", duration_minutes=110,
                  genre="Drama", language="English", release_date=start.date()) for i in range(20))
        layout = ["s" * seats_per_row] * (rows - 5) + ["p" * seats_per_row] * 5
        screens = Screen.objects.bulk_create(Screen(name=f"Season Screen {i}", rows=rows, seats_per_row=seats_per_row,
                                                    layout=layout) for i in range(4))
        # Each screen shows one film an evening, its shows spread evenly over the season: no overlap.
        gap = timedelta(days=SEASON_DAYS) / (shows // len(screens))
        season = Show.objects.bulk_create(
            Show(movie=movies[i % len(movies)], screen=screens[i % len(screens)],
                 starts_at=start + gap * (i // len(screens)) + timedelta(hours=18), price=Decimal("9.50"),
                 premium_price=Decimal("12.90")) for i in range(shows))
        types = [TicketType.objects.get(is_default=True), *TicketType.objects.bulk_create([
            TicketType(code="child", name="Child", discount_percent=Decimal("40")),
            TicketType(code="senior", name="Senior", discount_amount=Decimal("2.15")),
            TicketType(code="student", name="Student", discount_percent=Decimal("15")),
        ])]
        voucher = Voucher.objects.create(code="SEASON10", discount_percent=Decimal("10"))
        bookings, booking_tickets = [], []
        for show in season:
            seats = rng.sample(range(1, rows * seats_per_row + 1), per_show)
            while seats:
                size = rng.randint(1, 4)
                group, seats = seats[:size], seats[size:]
                made = show.starts_at - timedelta(minutes=rng.randint(30, 30 * 24 * 60))
                state = rng.random()
                status = ("CONFIRMED" if state < 0.86 else "CANCELLED" if state < 0.94 else "EXPIRED")
                with_voucher = rng.random() < 0.1
                sold = []
                for seat in group:
                    category = "premium" if seat > (rows - 5) * seats_per_row else "standard"
                    ticket_type = rng.choice(types)
                    price = pricing.ticket_price(show.prices[category], ticket_type, voucher if with_voucher else None,
                                                 set())
                    sold.append((seat, category, ticket_type, price))
                bookings.append(Booking(
                    user=rng.choice(people), show=show, status=status, total_price=sum(line[3] for line in sold),
                    created_at=made, voucher=voucher if with_voucher else None,
                    confirmed_at=made if status != "EXPIRED" else None,
                    cancelled_at=made + timedelta(days=1) if status == "CANCELLED" else None,
                    expires_at=made + timedelta(minutes=10) if status == "EXPIRED" else None))
                booking_tickets.append(sold)
        Booking.objects.bulk_create(bookings, batch_size=2000)
        Ticket.objects.bulk_create(
            (Ticket(booking=booking, show_id=booking.show_id, seat_number=seat, category=category,
                    ticket_type=ticket_type, price=price, is_active=booking.status == "CONFIRMED",
                    code=new_ticket_code() if booking.status == "CONFIRMED" else None)
             for booking, sold in zip(bookings, booking_tickets, strict=True)
             for seat, category, ticket_type, price in sold), batch_size=5000)
        payments, refunds = [], []
        for booking in bookings:
            if booking.status == "EXPIRED" or booking.total_price == 0:
                continue
            online = rng.random() < 0.6
            payments.append(Payment(
                booking=booking, provider="stripe" if online else "box_office",
                provider_id=f"pi_season_{booking.pk}" if online else None,
                amount_cents=minor_units(booking.total_price), currency="EUR", status="paid",
                created_at=booking.created_at, paid_at=booking.created_at))
        Payment.objects.bulk_create(payments, batch_size=5000)
        for payment in payments:
            booking = payment.booking
            if booking.status == "CANCELLED":
                back = minor_units(booking.total_price - percent_of(booking.total_price, 10))
                reason = "cancellation"
            elif rng.random() < 0.01:
                back, reason = min(500, payment.amount_cents), "goodwill"
            else:
                continue
            if back:
                refunds.append(Refund(payment=payment, amount_cents=back, reason=reason, status="succeeded",
                                      created_at=booking.cancelled_at or booking.created_at + timedelta(days=2),
                                      settled_at=booking.cancelled_at or booking.created_at + timedelta(days=2)))
        Refund.objects.bulk_create(refunds, batch_size=5000)
    # The planner's statistics, as PostgreSQL's autovacuum gathers them within a minute of a bulk load: without
    # them it takes each table for a few rows and joins the season's tickets row by row.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"shows": len(season), "bookings": len(bookings), "tickets": sum(map(len, booking_tickets)),
            "payments": len(payments), "refunds": len(refunds)}


def measure(*, repeats):
    """Each report page, `repeats` timed runs after two untimed ones: {page: {median_ms, max_ms, queries}}."""
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.test import Client
    from rest_framework_simplejwt.tokens import AccessToken

    from users.models import User

    accountant = User.objects.create(username="season-accountant", email="accounts@example.com", is_staff=True)
    accountant.user_permissions.add(Permission.objects.get(content_type__app_label="bookings", codename="view_sales"))
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(accountant)}")
    admin = Client(HTTP_HOST="localhost")
    admin.force_login(accountant)
    first_day = datetime.now(UTC).date() - timedelta(days=SEASON_DAYS)
    season = f"?from={first_day}&to={first_day + timedelta(days=2 * SEASON_DAYS)}"
    pages = {name: (api, path) for name, path in PAGES.items()}
    pages[ADMIN_PAGE] = (admin, f"/admin/bookings/booking/sales/{season}")
    measured = {}
    for name, (client, path) in pages.items():
        for _ in range(2):
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code, answer.content[:300])
        queries = []

        def counted(execute, sql, *rest, seen=queries):
            seen.append(sql)
            return execute(sql, *rest)

        # Counted as they run: Django empties its own query log at the start of each request.
        with connection.execute_wrapper(counted):
            client.get(path)
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        measured[name] = {"median_ms": statistics.median(timings), "max_ms": max(timings),
                          "queries": len(queries), "path": path}
    return measured


def run(env, *, repeats=15):
    """bench.reports in a process of its own, against the (migrated, emptied) database of `env`."""
    done = subprocess.run([sys.executable, "-m", "bench.reports", "measure", "--repeats", str(repeats)], cwd=ROOT,
                          env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def markdown(databases):
    """The results table, for bench/run.py; nothing when the scenario did not run."""
    if not any(result.get("reports") for result in databases):
        return []
    lines = ["", "## Sales reports over a season", "",
             "Each page asked for in-process through Django's whole request path (JWT, permissions, the view, "
             f"rendering) as staff with bookings.view_sales; median and slowest of the timed runs. Target: each "
             f"report page under {TARGET_MS} ms of server time.", "",
             "| database | season | page | median ms | slowest ms | queries | target |",
             "|---|---|---|---:|---:|---:|---|"]
    for result in databases:
        reports = result.get("reports")
        if not reports:
            continue
        counts = reports["season"]
        season = f"{counts['shows']} shows, {counts['tickets']:,} tickets, {counts['bookings']:,} bookings"
        for name, page in reports["pages"].items():
            target = "met" if page["median_ms"] < TARGET_MS else f"**missed** (target {TARGET_MS} ms)"
            if name == ADMIN_PAGE:
                target = "–"
            lines.append(f"| {result['database']} | {season} | {name} | {page['median_ms']:.0f} | "
                         f"{page['max_ms']:.0f} | {page['queries']} | {target} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["measure"])
    parser.add_argument("--shows", type=int, default=200)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_booking.settings")
    import django

    django.setup()
    started = time.monotonic()
    season = seed(shows=args.shows, tickets=args.tickets)
    season["seeded_s"] = round(time.monotonic() - started, 1)
    print(json.dumps({"season": season, "pages": measure(repeats=args.repeats)}))


if __name__ == "__main__":
    main()
