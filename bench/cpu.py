"""CPU time per request, in-process: the real WSGI handler, no network, no other process's load in the figure.

    python -m bench.cpu SEED.json [--requests 300]     # the API's endpoints (DATABASE_URL etc. from the env)
    python -m bench.cpu --ceiling [--requests 300]     # the bare-Django ceiling view, under the same settings

Prints JSON: for each endpoint, the process CPU milliseconds per request (median of 5 batches). Reads are
measured as cache hits (the steady state) and as misses (the read cache's versions bumped before each
request, outside the measured time); booking as 201s (fresh seats) and as 409s (a seat already sold).
Load figures on a shared 2-core machine swing with whatever else runs; these do not.
"""
import argparse
import io
import json
import os
import statistics
import sys
import time

BATCHES = 5


def call(application, method, path, *, token=None, body=None):
    """One request through the WSGI application; returns the status code."""
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
    for _ in chunks:
        pass
    getattr(chunks, "close", lambda: None)()
    return int(status[0].split()[0])


def cpu_ms_per_request(requests, send, *, before_each=None, expect):
    """Median over BATCHES of the process CPU milliseconds per request; `before_each` runs outside the clock."""
    per_batch = []
    for _ in range(BATCHES):
        spent = 0.0
        for index in range(requests):
            if before_each:
                before_each()
            started = time.process_time()
            status = send(index)
            spent += time.process_time() - started
            if status != expect:
                raise SystemExit(f"expected {expect}, got {status}")
        per_batch.append(spent / requests * 1000)
    return round(statistics.median(per_batch), 3)


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
    # Booking: a fresh 500-seat show (the hold-sale show, unused until the sales), one seat per request.
    show_id, token = seeded["cpu_show_id"], seeded["tokens"][0]
    seats = iter(range(1, seeded["seats"] + 1))
    book = f"/api/shows/{show_id}/book/"
    batch = max(1, min(requests, seeded["seats"] // BATCHES - 1))
    results["book (201)"] = cpu_ms_per_request(
        batch, lambda _: call(application, "POST", book, token=token, body={"seat_number": next(seats)}), expect=201)
    results["book (409)"] = cpu_ms_per_request(
        requests, lambda _: call(application, "POST", book, token=token, body={"seat_number": 1}), expect=409)
    return results


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
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    if args.ceiling:
        results = measure_ceiling(args.requests)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_booking.settings")
        with open(args.seed) as seed:
            results = measure_api(json.load(seed), args.requests)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
