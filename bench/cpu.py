"""CPU time per request, in-process: the real WSGI handler, no network, no other process's load in the figure.

    python -m bench.cpu SEED.json [--requests 300]     # the API's endpoints (DATABASE_URL etc. from the env)
    python -m bench.cpu --ceiling [--requests 300]     # the bare-Django ceiling view, under the same settings
    python -m bench.cpu SEED.json --throttle           # the booking throttle's cost on the cache of the env

Prints JSON: for each endpoint, the process CPU milliseconds per request (median of 5 batches). Reads are
measured as cache hits (the steady state) and as misses (the read cache's versions bumped before each
request, outside the measured time); booking as 201s (fresh seats), as 409s (a seat already sold) and as a hold
then its confirm, each beside its floor (bench/floor.py) in batches taken in turn, with SQL statement counts; and the
choice of the best seats that a `count` booking makes under the show's lock (movies.seating, no database), on a
screen of the seed's size with half its seats taken.
Load figures on a shared 2-core machine swing with whatever else runs; these do not.

`--throttle` measures core.throttling.BookingRateThrottle on the cache the environment configures (the
one-machine SQLite file, or Redis with REDIS_URL): the same refused booking (409) with THROTTLE_BOOKING off
and at a rate it never reaches, in alternating batches, and the throttle's check alone, in CPU time and in
wall-clock time (a Redis round trip waits on the socket, which CPU time does not count).
"""
import argparse
import io
import itertools
import json
import os
import statistics
import sys
import time
from types import SimpleNamespace

BATCHES = 5


def call(application, method, path, *, token=None, body=None):
    """One request through the WSGI application; returns the status code."""
    return call_for_body(application, method, path, token=token, body=body)[0]


def call_for_body(application, method, path, *, token=None, body=None):
    """One request through the WSGI application; returns the status code and the body's bytes."""
    payload = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(payload), "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(payload)), "CONTENT_TYPE": "application/json",
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    status = []
    chunks = application(environ, lambda line, headers, exc_info=None: status.append(line))
    content = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return int(status[0].split()[0]), content


def cpu_ms_per_batch(requests, send, *, before_each=None, expect):
    """The process CPU milliseconds per request over one batch; `before_each` runs outside the clock."""
    spent = 0.0
    for index in range(requests):
        if before_each:
            before_each()
        started = time.process_time()
        status = send(index)
        spent += time.process_time() - started
        if status != expect:
            raise SystemExit(f"expected {expect}, got {status}")
    return spent / requests * 1000


def cpu_ms_per_request(requests, send, *, before_each=None, expect):
    """Median over BATCHES of the process CPU milliseconds per request."""
    return round(statistics.median(cpu_ms_per_batch(requests, send, before_each=before_each, expect=expect)
                                   for _ in range(BATCHES)), 3)


def measure_api(seeded, requests):
    from core.cache import bump
    from movie_booking.wsgi import application

    reads = {
        "movies": "/api/movies/",
        "movie_shows": f"/api/movies/{seeded['movie_id']}/shows/",
        "seat_map": f"/api/shows/{seeded['seat_map_show_id']}/seats/",
    }
    results = {}
    for name, path in reads.items():
        for _ in range(20):
            call(application, "GET", path)  # warm: imports, connections, the first cache entry
        results[f"{name} (hit)"] = cpu_ms_per_request(requests, lambda _, path=path: call(application, "GET", path),
                                                      expect=200)
        results[f"{name} (miss)"] = cpu_ms_per_request(
            requests, lambda _, path=path: call(application, "GET", path), expect=200,
            before_each=lambda: bump("catalogue"))
    results.update(measure_booking(seeded, requests))
    results[f"choose the best 4 seats ({seeded['seats']} seats, half taken)"] = choosing_cpu_ms(seeded, requests)
    return results


def measure_booking(seeded, requests):
    """The booking path against its floor (bench/floor.py), in batches taken in turn so that a slow spell of the
    machine weighs on both alike: a 201, a 409, and a hold then its confirm; with the SQL statements of each.

    Each 201 books a fresh seat of a fresh 500-seat show (the CPU show for the API, the floor show for the floor),
    one seat per request, each by the next buyer in turn, as in a sale (one buyer alone would reach
    MAX_SEATS_PER_BUYER); a 409 asks for the seat booked first."""
    from django.test import override_settings

    from movie_booking.wsgi import application

    buyers = itertools.cycle(seeded["tokens"])
    real_show, floor_show = seeded["cpu_show_id"], seeded["floor_show_id"]
    real_seats, floor_seats = iter(range(1, seeded["seats"] + 1)), iter(range(1, seeded["seats"] + 1))

    def book(path, seats):
        return lambda _: call(application, "POST", path, token=next(buyers), body={"seat_number": next(seats)})

    def refused(path):
        return lambda _: call(application, "POST", path, token=next(buyers), body={"seat_number": 1})

    def hold_then_confirm(_):
        """The confirm's status (200), or the hold's when it was not a 201."""
        token = next(buyers)
        status, content = call_for_body(application, "POST", f"/api/shows/{real_show}/hold/", token=token,
                                        body={"seat_number": next(real_seats)})
        if status != 201:
            return status
        return call(application, "POST", f"/api/bookings/{json.loads(content)['id']}/confirm/", token=token)

    real, floor = f"/api/shows/{real_show}/book/", f"/floor/shows/{floor_show}/book/"
    # Seats for 3 warm-up requests and the batches of 201s, then (on the CPU show) of holds.
    batch = max(1, min(requests, (seeded["seats"] // 2 - 3) // BATCHES))
    kinds = {  # name: (send, requests per batch, the status each must answer)
        "book (201)": (book(real, real_seats), batch, 201),
        "floor book (201)": (book(floor, floor_seats), batch, 201),
        "book (409)": (refused(real), requests, 409),
        "floor book (409)": (refused(floor), requests, 409),
        "hold + confirm (pair)": (hold_then_confirm, batch, 200),
    }
    with override_settings(ROOT_URLCONF="bench.floor"):
        statements = {name: statements_of(send, expect) for name, (send, _, expect) in kinds.items()}
        spent = {name: [] for name in kinds}
        for _ in range(BATCHES):
            for name, (send, count, expect) in kinds.items():
                spent[name].append(cpu_ms_per_batch(count, send, expect=expect))
    results = {name: round(statistics.median(batches), 3) for name, batches in spent.items()}
    results["SQL statements"] = statements
    return results


def statements_of(send, expect):
    """The SQL statements of the third of three requests made by `send` (the first two warm caches and
    connections up), each expected to answer `expect`."""
    from django.db import connection

    executed = []
    for attempt in range(3):
        if attempt == 2:
            with connection.execute_wrapper(lambda execute, sql, *args: executed.append(sql) or execute(sql, *args)):
                status = send(attempt)
        else:
            status = send(attempt)
        if status != expect:
            raise SystemExit(f"expected {expect}, got {status} while counting statements")
    return len(executed)


def choosing_cpu_ms(seeded, requests):
    """CPU ms of one choice of the best 4 seats together (seating.best_block, lonely seats avoided), as the
    service makes it under the show's lock; the taken seats differ from one choice to the next."""
    import random

    from movies import seating

    seats_per_row = seeded["seats_per_row"]
    rows = seeded["seats"] // seats_per_row
    plan = seating.standard_layout(rows, seats_per_row)
    rng = random.Random(5)
    takens = [set(rng.sample(range(1, seeded["seats"] + 1), seeded["seats"] // 2)) for _ in range(20)]
    best_row = seating.default_best_row(rows)

    def batch():
        started = time.process_time()
        for index in range(requests):
            taken = takens[index % len(takens)]
            seating.best_block(plan, seats_per_row, taken, 4, "standard", best_row)
        return (time.process_time() - started) / requests * 1000

    return round(statistics.median(batch() for _ in range(BATCHES)), 3)


# A booking rate no bench run reaches: the throttle counts every request and refuses none.
THROTTLE_NEVER_REACHED = "1000000/minute"


def measure_throttle(seeded, requests):
    """The booking throttle's cost per request on this process's cache (see the module's docstring)."""
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.test import override_settings

    from core.throttling import BookingRateThrottle
    from movie_booking.wsgi import application

    # The CPU profile's show, seat 1: sold by the profile's 201s, or here the first time.
    show_id, token = seeded["cpu_show_id"], seeded["tokens"][-1]
    book = f"/api/shows/{show_id}/book/"

    def refused(_):
        return call(application, "POST", book, token=token, body={"seat_number": 1})

    with override_settings(THROTTLE_BOOKING=THROTTLE_NEVER_REACHED):
        for _ in range(20):
            refused(0)  # warm: imports, connections, the seat sold, the window's counter created
    # Small batches, off and on in turn: the difference of each pair is taken in the same spell of the machine.
    pairs = BATCHES * 4
    batch = max(1, requests // 4)
    per_batch = {"off": [], "on": []}
    for _ in range(pairs):
        for setting, rate in (("off", None), ("on", THROTTLE_NEVER_REACHED)):
            with override_settings(THROTTLE_BOOKING=rate):
                per_batch[setting].append(cpu_ms_per_batch(batch, refused, expect=409))
    off, on = (statistics.median(per_batch[setting]) for setting in ("off", "on"))
    difference = statistics.median(b - a for a, b in zip(per_batch["off"], per_batch["on"], strict=True))

    # The check alone, as DRF makes it for each request: a new throttle (its rate read), then the count.
    user = get_user_model().objects.order_by("pk").last()
    request = SimpleNamespace(user=user, META={"REMOTE_ADDR": "127.0.0.1"})
    cpu, wall = [], []
    with override_settings(THROTTLE_BOOKING=THROTTLE_NEVER_REACHED):
        for _ in range(BATCHES):
            checks = requests * 10
            cpu_started, wall_started = time.process_time(), time.perf_counter()
            for _ in range(checks):
                if not BookingRateThrottle().allow_request(request, None):
                    raise SystemExit("the booking throttle refused a request below its rate")
            cpu.append((time.process_time() - cpu_started) / checks * 1000)
            wall.append((time.perf_counter() - wall_started) / checks * 1000)
    return {
        "cache": type(caches["default"]).__name__,
        "book_409_off_ms": round(off, 3),
        "book_409_throttled_ms": round(on, 3),
        "difference_ms": round(difference, 3),
        "check_cpu_ms": round(statistics.median(cpu), 4),
        "check_wall_ms": round(statistics.median(wall), 4),
    }


def measure_ceiling(requests):
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.ceiling_settings"
    from bench.ceiling import application

    for _ in range(20):
        call(application, "GET", "/ceiling/")
    return {"ceiling": cpu_ms_per_request(requests, lambda _: call(application, "GET", "/ceiling/"), expect=200)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", nargs="?")
    parser.add_argument("--ceiling", action="store_true")
    parser.add_argument("--throttle", action="store_true")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    if args.ceiling:
        results = measure_ceiling(args.requests)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_booking.settings")
        with open(args.seed) as seed:
            seeded = json.load(seed)
        results = (measure_throttle if args.throttle else measure_api)(seeded, args.requests)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
