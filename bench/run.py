"""Run every benchmark against real gunicorn servers and print the results as a Markdown table.

    python -m bench.run [--databases sqlite,postgres] [--postgres-url URL] [--out bench/results/latest.md]
    python -m bench.run --smoke        # seconds: a tiny show, SQLite only, proves the harness works
    python -m bench.run --databases sqlite --scenarios reads --table   # a part, as Markdown; no file written

For each database: a fresh database is migrated and seeded (bench/seed.py), then two gunicorn servers
start with the same settings on loopback: the API (`movie_booking.wsgi`) and the bare-Django ceiling
(`bench.ceiling`). The read path is measured with wrk (one thread) when it is installed, else with the
asyncio client, each read twice: as read-cache hits (one URL over and over) and as misses (a URL never asked
before on each request: bench/fresh_urls.lua, or `read_load(fresh_urls=...)`), the misses checked by counting
the answers the server stored in its cache while measured. The flash sale, the best-available sale (seats chosen for
the buyer), the hold-then-confirm sale and the one-seat hammer run with the asyncio client (bench/load.py), one
process. The database is checked after every sale. Exits non-zero when a correctness check fails.

Before the servers start, bench/cpu.py measures CPU per request in-process, the booking path against its floor
(bench/floor.py, the same decisions in the fewest statements) with real ÷ floor, and the booking throttle's cost
on each cache backend: the one-machine SQLite file and a throwaway Redis (skipped without redis-server).

On PostgreSQL the "nginx" scenario then measures the same reads (cache hits) and sales against deploy/'s
topology on loopback (bench/topology.py): two app servers, each with half the workers, behind nginx, sharing
Redis.

The "paid" scenario last sells a fresh show through Stripe's payment flow against localstripe (bench/localstripe.py):
an API server of its own with PAYMENT_PROVIDER=stripe and a short HOLD_SECONDS, the task worker beside it (it
sends refunds), the buyers of `load.paid_sale` (a quarter of them pay after their hold died), then
reconcile_payments once, as its timer would. Once every payment and refund has settled, the database and
localstripe's own records are checked: each seat sold once or free, each late payment confirmed or refunded in
full, and the money Stripe kept equal to the confirmed tickets' prices, to the cent.

The "reports" scenario last times the sales reports over a season of their own (bench/reports.py: 200 shows,
100,000 tickets), in the database emptied again; `--scenarios reports` runs it alone, with its own table.

The Targets table checks issue #14's targets in the same run: each read at least 50 % of the ceiling's req/s,
hits and misses apart; the seat map's p99 (hits) at most twice the ceiling's; the flash sale sold out in at most
2 s on SQLite and 3 s on PostgreSQL (median of the runs) with 0 double, 0 lost, 0 5xx; booking req/s at least
30 % of the ceiling's. A missed target's cell gives the figure beside the target.
"""
import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bench import load, localstripe, reports, topology
from core.cache import ENTRY_KEY

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "bench" / "var"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
GRANIAN = str(Path(sys.executable).with_name("granian"))
FRESH_URLS_SCRIPT = ROOT / "bench" / "fresh_urls.lua"

# Targets (issue #14, "Fast by design"): same run, same machine, loopback; shares are of the ceiling's req/s.
READ_SHARE_TARGET = 0.50  # every read endpoint, cache hits and cache misses alike
SEAT_MAP_P99_TARGET_RATIO = 2.0  # the seat map's p99 (cache hits) at most twice the bare view's
SELL_OUT_TARGET_S = {"sqlite": 2.0, "postgres": 3.0}  # the flash sale of 500 seats, 200 buyers, median of runs
BOOKING_SHARE_TARGET = 0.30
DATABASE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}

READS = ("movies", "movie_shows", "seat_map")
MISS = " miss"  # suffix of a read measured as read-cache misses: "seat_map miss"

SCENARIOS = "reads,flash,best,holds,nginx,paid,reports"
SMOKE_SCENARIOS = "reads,flash,best,holds,paid"
FLASH_SALES = 3  # per topology


def server_env(database_url, *, secret_key, hold_seconds):
    """The environment of a production-like server on plain-HTTP loopback, with throttles off."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "movie_booking.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "SECRET_KEY": secret_key,
        # .miss.localhost: each cache-miss request names a host of its own (bench/fresh_urls.lua).
        "ALLOWED_HOSTS": "127.0.0.1,localhost,.miss.localhost",
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_PROXY_SSL_HEADER": "off",
        "THROTTLE_AUTH": "off",
        "THROTTLE_BOOKING": "off",
        "JWT_ACCESS_MINUTES": "120",
        # Abandoned holds of the hold-then-confirm sale give their seats back within the run.
        "HOLD_SECONDS": str(hold_seconds),
        "CACHE_DIR": str(VAR / "cache"),
        # The miss runs prove each answer was a miss by the entries it added to the cache file: none may be culled.
        "CACHE_MAX_ENTRIES": "1000000",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


class Gunicorn:
    """One app server on loopback, started and stopped by the bench: gunicorn, or with `server="granian"` granian
    (a Rust HTTP server, its WSGI interface) with as many workers and `threads` blocking threads each."""

    def __init__(self, app, port, env, *, workers, worker_class, threads, name, server="gunicorn"):
        self.url = f"http://127.0.0.1:{port}"
        self.log = VAR / f"{server}-{name}.log"
        if server == "granian":
            self.args = [GRANIAN, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                         "--workers", str(workers), "--blocking-threads", str(threads), "--backlog", "2048",
                         "--no-ws", "--log-level", "warning", app]
        else:
            self.args = [GUNICORN, app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                         "--worker-class", worker_class, "--threads", str(threads), "--no-control-socket",
                         "--log-level", "warning", "--error-logfile", str(self.log), "--backlog", "2048"]
        self.env = env
        self.process = None

    def __enter__(self):
        with open(self.log, "ab") as log:  # gunicorn writes its own; granian logs to stderr
            self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                            stderr=log, start_new_session=True)
        return self

    def wait_ready(self, path, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app server exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the app server did not answer {path} within {timeout} s; see {self.log}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_wrk(output):
    def ms(text):
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
        return float(number) * WRK_UNITS[unit]

    result = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for percent, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE):
        result[f"p{percent}_ms"] = ms(value)
    result["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    distinct_urls = re.search(r"^Distinct URLs: (\d+)", output, re.MULTILINE)  # bench/fresh_urls.lua
    result["distinct_urls"] = int(distinct_urls.group(1)) if distinct_urls else None
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["client_errors"] = sum(map(int, socket_errors.groups())) if socket_errors else 0
    return result


def read_cache_keys(cache_file):
    """The keys of the rendered answers in the one-machine cache's SQLite file (core.cache_backends), or None."""
    if cache_file is None or not Path(cache_file).exists():
        return None
    with closing(sqlite3.connect(f"file:{cache_file}?mode=ro", uri=True, timeout=10)) as connection:
        rows = connection.execute("SELECT key FROM cache WHERE key LIKE ? AND (expires IS NULL OR expires > ?)",
                                  (f"%:{ENTRY_KEY.format(digest='')}%", time.time())).fetchall()
    return {key for (key,) in rows}


def measure_read(url, *, driver, concurrency, duration, warmup, fresh_urls=False, cache_file=None):
    """One read measurement, after a warm-up of its own; with `fresh_urls`, a URL never asked before each time.

    With `cache_file` (the server's one-machine cache), it also counts the answers stored in the read cache
    while measured: the middleware stores an answer on a miss only, before the response leaves, so when every
    answer counted was a miss, at least as many entries are new (a few more: requests still in flight when a
    run stopped). A run of cache hits stores none.
    """
    def run(seconds, latency):
        run_id = secrets.token_hex(4) if fresh_urls else None
        if driver == "wrk":
            # One thread: the load generator stays on one core whatever the concurrency.
            script = ["-s", str(FRESH_URLS_SCRIPT)] if fresh_urls else []
            done = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{seconds:.0f}s", *(["--latency"] * latency),
                                   *script, url, *(["--", run_id] if fresh_urls else [])],
                                  check=True, capture_output=True, text=True)
            return parse_wrk(done.stdout) if latency else None
        return asyncio.run(load.read_load(url, concurrency=concurrency, duration=seconds, warmup=0,
                                          fresh_urls=run_id))

    run(warmup, latency=False)
    before = read_cache_keys(cache_file)
    measured = run(duration, latency=True)
    after = read_cache_keys(cache_file)
    measured["cache_entries_stored"] = None if before is None or after is None else len(after - before)
    return measured


def read_urls(base, seeded):
    """The three public reads, by name (READS)."""
    return {
        "movies": f"{base}/api/movies/",
        "movie_shows": f"{base}/api/movies/{seeded['movie_id']}/shows/",
        "seat_map": f"{base}/api/shows/{seeded['seat_map_show_id']}/seats/",
    }


def check_reads(runs):
    """Every read answered 2xx; every miss run sent distinct URLs only and stored an entry per answer."""
    problems = []
    for name, measured in runs.items():
        for repeat, m in enumerate(measured, 1):
            if m["non_2xx"]:
                problems.append(f"read {name} #{repeat}: {m['non_2xx']} answers not 2xx")
            if not name.endswith(MISS):
                continue
            if m["distinct_urls"] is not None and m["distinct_urls"] < m["requests"]:
                problems.append(f"read {name} #{repeat}: {m['distinct_urls']} distinct URLs for "
                                f"{m['requests']} answers")
            if m["cache_entries_stored"] is not None and m["cache_entries_stored"] < m["requests"]:
                problems.append(f"read {name} #{repeat}: only {m['cache_entries_stored']} new cache entries for "
                                f"{m['requests']} answers, so not every answer was a miss")
    return problems


def verify_in_database(env, show_id):
    done = subprocess.run([PYTHON, "-m", "bench.seed", "verify", str(show_id)], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def check_flash_sale(sale, database, capacity):
    """Every seat sold exactly once, by the responses and by the database; no 5xx, no connection error."""
    sold = sale.pop("seats_sold_by_responses")
    problems = []
    if database["live_tickets"] != capacity or database["distinct_seats"] != capacity:
        problems.append(f"database holds {database['live_tickets']} live tickets for "
                        f"{database['distinct_seats']} distinct seats, expected {capacity}")
    if database["seats_held_twice"]:
        problems.append(f"seats held twice: {database['seats_held_twice']}")
    if database["seats"] != list(range(1, capacity + 1)):
        problems.append("the live tickets are not exactly seats 1..capacity")
    if len(sold) != len(set(sold)):
        problems.append(f"{len(sold) - len(set(sold))} seats confirmed to two buyers")
    if sorted(sold) != database["seats"]:
        problems.append("the seats confirmed by 201s differ from the database's live tickets")
    if database["confirmed_bookings"] != sale["bookings"]:
        problems.append(f"{sale['bookings']} answers 201 but {database['confirmed_bookings']} bookings")
    if sale["server_errors"]:
        problems.append(f"{sale['server_errors']} responses 5xx")
    if sale["client_errors"]:
        problems.append(f"client errors: {sale['client_errors']}")
    sale["sold_in_database"] = database["live_tickets"]
    sale["double_sales"] = len(database["seats_held_twice"]) + len(sold) - len(set(sold))
    sale["lost_seats"] = capacity - len(set(database["seats"]))
    sale["problems"] = problems
    return sale


def run_database(label, database_url, args, secret_key):
    env = server_env(database_url, secret_key=secret_key, hold_seconds=args.hold_seconds)
    if args.scenarios == "reports":  # alone: its season in an emptied database, and nothing else
        return {"database": label, "reports": run_reports(env, label)}
    started = time.monotonic()
    manage(env, "migrate", "--noinput")
    manage(env, "flush", "--noinput")  # a database left by an earlier run starts empty again
    seeded_file = VAR / f"seed-{label}.json"
    subprocess.run([PYTHON, "-m", "bench.seed", "create", str(seeded_file), *args.seed_args], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    seeded = json.loads(seeded_file.read_text())
    print(f"[{label}] migrated and seeded in {time.monotonic() - started:.1f} s: {seeded['counts']}", file=sys.stderr)
    result = {"database": label, "seed": seeded["counts"]}
    result["cpu"] = cpu_per_request(env, seeded_file, requests=args.cpu_requests)
    print(f"[{label}] CPU per request (ms): {result['cpu']}", file=sys.stderr)
    result["throttle"] = throttle_cost(env, seeded_file, requests=args.cpu_requests, redis_port=args.redis_port)
    print(f"[{label}] booking throttle's cost (ms): {result['throttle']}", file=sys.stderr)
    gunicorn = {"workers": args.workers, "worker_class": args.worker_class, "threads": args.threads,
                "server": args.server}
    with Gunicorn("bench.ceiling:application", args.port, env, name=f"{label}-ceiling", **gunicorn) as ceiling, \
            Gunicorn("movie_booking.wsgi:application", args.port + 1, env, name=f"{label}-api", **gunicorn) as api:
        ceiling.wait_ready("/ceiling/")
        api.wait_ready("/api/health/")
        reads = read_urls(api.url, seeded)
        targets = {"ceiling": f"{ceiling.url}/ceiling/", **reads, **{name + MISS: url for name, url in reads.items()}}
        cache_file = Path(env["CACHE_DIR"]) / "cache.sqlite3"  # where movie_booking.settings puts it
        # Interleaved repeats: a slow phase of the machine hits every endpoint alike; medians are kept.
        runs = {name: [] for name in targets}
        for repeat in range(args.repeats if "reads" in args.scenarios else 0):
            for name, url in targets.items():
                measured = measure_read(url, driver=args.read_driver, concurrency=args.read_clients,
                                        duration=args.duration, warmup=args.warmup, fresh_urls=name.endswith(MISS),
                                        cache_file=None if name == "ceiling" else cache_file)
                runs[name].append(measured)
                print(f"[{label}] read {name} #{repeat + 1}: {measured['requests_per_s']:.0f} req/s, "
                      f"p99 {measured['p99_ms']:.1f} ms, {measured['requests']} answers, "
                      f"{measured['cache_entries_stored']} new cache entries", file=sys.stderr)
        result["read"] = {name: summarise_reads(measured) for name, measured in runs.items() if measured}
        for name, measured in runs.items():
            if measured:
                # Each endpoint against the ceiling run just before it: a busy spell of the machine
                # that slows one repeat slows both, so the median of these ratios is the steadier figure.
                result["read"][name]["share"] = statistics.median(
                    m["requests_per_s"] / c["requests_per_s"] for m, c in zip(measured, runs["ceiling"], strict=True))
                result["read"][name]["p99_ratio"] = statistics.median(
                    m["p99_ms"] / c["p99_ms"] for m, c in zip(measured, runs["ceiling"], strict=True))
        result["read_problems"] = check_reads(runs)

        tokens = seeded["tokens"][:args.clients]
        sales = []
        for show_id in seeded["flash_show_ids"][:FLASH_SALES] if "flash" in args.scenarios else []:
            sale = asyncio.run(load.flash_sale(api.url, show_id=show_id, tokens=tokens, seats=seeded["seats"],
                                               seats_per_row=seeded["seats_per_row"]))
            sale = check_flash_sale(sale, verify_in_database(env, show_id), seeded["seats"])
            sales.append(sale)
            print(f"[{label}] flash sale of show {show_id}: sold out in {sale['sell_out_s']:.2f} s, "
                  f"{sale['statuses']}, problems: {sale['problems'] or 'none'}", file=sys.stderr)
        result["flash_sales"] = sales

        if "best" in args.scenarios:
            result["best_sale"] = run_best_sale(env, api.url, tokens, seeded, label)

        if "holds" in args.scenarios:
            sale = asyncio.run(load.hold_sale(api.url, show_id=seeded["hold_show_id"], tokens=tokens,
                                              seats=seeded["seats"], seats_per_row=seeded["seats_per_row"]))
            sale = check_flash_sale(sale, verify_in_database(env, seeded["hold_show_id"]), seeded["seats"])
            if sale["abandoned_seats_resold"] != sale["abandoned_distinct_seats"]:
                sale["problems"].append(f"only {sale['abandoned_seats_resold']} of the "
                                        f"{sale['abandoned_distinct_seats']} abandoned seats were sold again")
            result["hold_sale"] = sale
            print(f"[{label}] hold-then-confirm sale: sold out in {fmt(sale['sell_out_s'], 2)} s, "
                  f"{sale['abandoned_seats']} seats abandoned, {sale['statuses']}, "
                  f"problems: {sale['problems'] or 'none'}", file=sys.stderr)

        hammered = asyncio.run(load.hammer(api.url, show_id=seeded["hammer_show_id"], tokens=tokens))
        in_database = verify_in_database(env, seeded["hammer_show_id"])
        hammered["live_tickets"] = in_database["live_tickets"]
        hammered["problems"] = []
        if hammered["statuses"] != {201: 1, 409: len(tokens) - 1} or in_database["live_tickets"] != 1:
            hammered["problems"].append("not exactly one 201 and the rest 409 with one live ticket")
        if hammered["client_errors"]:
            hammered["problems"].append(f"client errors: {hammered['client_errors']}")
        print(f"[{label}] hammer: {hammered['statuses']}, problems: {hammered['problems'] or 'none'}",
              file=sys.stderr)
        result["hammer"] = hammered
    if "nginx" in args.scenarios and label == "postgres":
        result["nginx"] = run_behind_nginx(env, args, seeded, label)
    if "paid" in args.scenarios:
        result["paid_sale"] = run_paid_sale(env, args, seeded, label)
    if "reports" in args.scenarios:  # last: its season replaces the other scenarios' data
        result["reports"] = run_reports(env, label)
    result["elapsed_s"] = time.monotonic() - started
    return result


def run_best_sale(env, base_url, tokens, seeded, label):
    """The flash sale again with seats chosen for the buyer (`count`): checked as the flash sale, and every 409
    must be no_seats_together (the server chose under the show's lock, so no two buyers met on a seat)."""
    show_id = seeded["best_show_id"]
    sale = asyncio.run(load.best_sale(base_url, show_id=show_id, tokens=tokens))
    sale = check_flash_sale(sale, verify_in_database(env, show_id), seeded["seats"])
    other = {code: n for code, n in sale["refusals"].items() if not code or not code.startswith("no_seats_together")}
    if other:
        sale["problems"].append(f"409s other than no_seats_together: {other}")
    sale["refused_with_seats_free"] = sale["refusals"].get("no_seats_together while seats were free", 0)
    print(f"[{label}] best-available sale of show {show_id}: sold out in {fmt(sale['sell_out_s'], 2)} s, "
          f"{sale['statuses']}, {sale['refused_with_seats_free']} asked more seats together than any block left, "
          f"problems: {sale['problems'] or 'none'}", file=sys.stderr)
    return sale


def run_paid_sale(env, args, seeded, label):
    """The paid sale: localstripe, an API server taking payments through it, and the task worker deploy/ runs beside
    the app servers; the buyers, then reconcile_payments once; then, once the show's payments and refunds have
    settled, the checks against the database and localstripe's records."""
    show_id = seeded["paid_show_id"]
    with localstripe.LocalStripe(args.localstripe_port, VAR / f"localstripe-{label}.log") as stripe:
        # TASKS_BACKEND: a queue the worker takes from, as deployed. EMAIL_PORT: nothing listens there, so each
        # mail is composed, fails, and is queued again for later, as with a mail server down; nothing leaves.
        paid_env = {**env, **stripe.server_env(), "HOLD_SECONDS": str(args.paid_hold_seconds),
                    "TASKS_BACKEND": "database", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(unused_port())}
        worker = topology.launch_worker(paid_env, VAR / f"worker-{label}.log")
        try:
            with Gunicorn("movie_booking.wsgi:application", args.paid_port, paid_env, name=f"{label}-paid",
                          workers=args.workers, worker_class=args.worker_class, threads=args.threads) as api:
                api.wait_ready("/api/health/")
                stripe.register_webhook(f"{api.url}/api/payments/stripe/webhook/")
                sale = asyncio.run(load.paid_sale(
                    api.url, stripe.url, stripe_key=localstripe.SECRET_KEY, show_id=show_id,
                    tokens=seeded["tokens"][:args.clients], seats=seeded["seats"],
                    seats_per_row=seeded["seats_per_row"]))
                sale["reconcile"] = reconcile(paid_env)
                done = subprocess.run([PYTHON, "-m", "bench.seed", "payments", str(show_id), "--settle-timeout",
                                       str(args.settle_timeout)], cwd=ROOT, env=paid_env, check=True,
                                      capture_output=True, text=True)
                database = json.loads(done.stdout)
                with urllib.request.urlopen(f"{api.url}/api/shows/{show_id}/seats/", timeout=30) as response:
                    seat_map = json.load(response)
            at_stripe = {"intents": stripe.list_all("/v1/payment_intents"), "refunds": stripe.list_all("/v1/refunds"),
                         "webhooks": stripe.webhook_deliveries()}
        finally:
            topology.stop(worker)
    free = {seat["number"] for row in seat_map["rows"] for seat in row["seats"] if seat["available"]}
    sale = check_paid_sale(sale, database, at_stripe, free, seeded["seats"])
    print(f"[{label}] paid sale: sold out in {fmt(sale['sell_out_s'], 2)} s, {sale['payments']} payments "
          f"({sale['late_confirmed']} late confirmed, {sale['late_refunded']} late refunded), kept "
          f"{cents(sale['kept_cents'])} for {cents(sale['sold_cents'])} of tickets, {sale['statuses']}, "
          f"problems: {sale['problems'] or 'none'}", file=sys.stderr)
    return sale


def run_reports(env, label):
    """The sales reports over a season (bench/reports.py), in the database emptied and migrated."""
    manage(env, "migrate", "--noinput")
    manage(env, "flush", "--noinput")
    measured = reports.run(env)
    print(f"[{label}] sales reports over {measured['season']}: " + ", ".join(
        f"{name} {page['median_ms']:.0f} ms" for name, page in measured["pages"].items()), file=sys.stderr)
    return measured


def unused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reconcile(env):
    """`manage.py reconcile_payments` for everything still open, as its timer runs it: its summary line."""
    done = subprocess.run([PYTHON, "manage.py", "reconcile_payments", "--older-than-minutes", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    return {"returncode": done.returncode, "summary": (done.stdout.strip() or done.stderr.strip()[-500:])}


def check_paid_sale(sale, database, at_stripe, free_seats, capacity):
    """The paid sale against the database and localstripe, once settled: the show sold out, each seat once; every
    payment Stripe took confirmed its booking or went back in full, the late ones included; what Stripe kept
    (received less refunded) is the confirmed tickets' prices to the cent, as the database's own payments say
    too; nothing pending, no 5xx (webhooks included), no connection error."""
    problems = []
    sold = sale.pop("seats_sold_by_responses")
    late = set(sale.pop("late_bookings"))
    in_database = database["sold_seats"]
    if len(in_database) != len(set(in_database)) or database["seats_held_twice"]:
        problems.append(f"seats held twice: {database['seats_held_twice']}")
    if len(sold) != len(set(sold)):
        problems.append(f"{len(sold) - len(set(sold))} seats confirmed to two buyers")
    if set(sold) - set(in_database):
        problems.append(f"seats confirmed to buyers, not sold in the database: {sorted(set(sold) - set(in_database))}")
    lost = set(range(1, capacity + 1)) - set(in_database) - free_seats
    if lost:
        problems.append(f"seats neither sold nor free: {sorted(lost)}")
    if len(set(in_database)) != capacity:
        problems.append(f"{len(set(in_database))} of {capacity} seats sold")
    if database["confirmed_bookings_missing_seats"]:
        problems.append(f"{database['confirmed_bookings_missing_seats']} confirmed bookings without all their seats")
    if database["payments_pending"] or database["refunds_unsettled"]:
        problems.append(f"after {database['waited_s']} s: {database['payments_pending']} payments pending, "
                        f"{database['refunds_unsettled']} refunds not settled")

    received = {intent["id"]: intent.get("amount_received", intent["amount"])
                for intent in at_stripe["intents"] if intent["status"] == "succeeded"}
    refunded = Counter()
    for refund in at_stripe["refunds"]:
        if refund["status"] == "succeeded":
            refunded[refund["payment_intent"]] += refund["amount"]
    sent_twice = [key for key, n in Counter(refund["metadata"].get("refund") for refund in at_stripe["refunds"]).items()
                  if n > 1]
    if sent_twice:
        problems.append(f"refunds sent to Stripe more than once: {sent_twice}")
    payments = {payment["provider_id"]: payment for payment in database["payments"]}
    outcomes = Counter()
    for intent_id, amount in received.items():
        payment = payments.get(intent_id)
        if payment is None or payment["status"] != "paid" or payment["amount_cents"] != amount:
            problems.append(f"Stripe took {cents(amount)} with {intent_id}, which the database has as "
                            f"{payment and (payment['status'], cents(payment['amount_cents']))}")
            continue
        confirmed = payment["booking_status"] == "CONFIRMED"
        ours = sum(refund["amount_cents"] for refund in payment["refunds"] if refund["status"] == "succeeded")
        if refunded[intent_id] != ours:
            problems.append(f"{intent_id}: Stripe refunded {cents(refunded[intent_id])}, the database {cents(ours)}")
        if confirmed and refunded[intent_id]:
            problems.append(f"booking {payment['booking']} is confirmed and refunded {cents(refunded[intent_id])}")
        elif not confirmed and refunded[intent_id] != amount:
            problems.append(f"booking {payment['booking']} is {payment['booking_status']}: Stripe kept "
                            f"{cents(amount - refunded[intent_id])} of its {cents(amount)}")
        outcomes["late" if payment["booking"] in late else "on time", "confirmed" if confirmed else "refunded"] += 1
    unpaid_late = late - {payments[intent_id]["booking"] for intent_id in received if intent_id in payments}
    if unpaid_late:
        problems.append(f"late payments Stripe has no money for: bookings {sorted(unpaid_late)}")
    kept = sum(received.values()) - sum(refunded.values())
    if kept != database["sold_cents"]:
        problems.append(f"Stripe kept {cents(kept)} (received {cents(sum(received.values()))}, refunded "
                        f"{cents(sum(refunded.values()))}) for {cents(database['sold_cents'])} of confirmed tickets")
    paid_in_database = sum(payment["amount_cents"] for payment in database["payments"] if payment["status"] == "paid")
    refunded_in_database = sum(refund["amount_cents"] for payment in database["payments"]
                               for refund in payment["refunds"] if refund["status"] == "succeeded")
    if paid_in_database - refunded_in_database != database["sold_cents"]:
        problems.append(f"the database has {cents(paid_in_database)} paid, {cents(refunded_in_database)} refunded "
                        f"for {cents(database['sold_cents'])} of confirmed tickets")

    refused = {status: n for status, n in sale["stripe_statuses"].items() if status != 200}
    if refused:
        problems.append(f"Stripe refused buyers' payment calls (by status): {refused}")
    if len(received) != sale["payments"]:
        problems.append(f"buyers paid {sale['payments']} PaymentIntents, Stripe has {len(received)} succeeded")
    webhooks = at_stripe["webhooks"]
    webhook_errors = sum(n for status, n in webhooks.items() if status.isdigit() and int(status) >= 500)
    if sale["server_errors"] or webhook_errors:
        problems.append(f"{sale['server_errors']} answers 5xx to buyers, {webhook_errors} to webhooks")
    undelivered = {status: n for status, n in webhooks.items() if status != "delivered"}
    if undelivered:
        problems.append(f"webhook posts not delivered (by status, or no answer): {undelivered}")
    if sale["client_errors"]:
        problems.append(f"client errors: {sale['client_errors']}")
    if any(outcome.endswith("no outcome") for outcome in sale["outcomes"]):
        problems.append(f"buyers who never saw their booking confirmed or refunded: {sale['outcomes']}")
    if sale["reconcile"]["returncode"]:
        problems.append(f"reconcile_payments failed: {sale['reconcile']['summary']}")
    sale.update({
        "settle_s": database["waited_s"], "sold_in_database": len(set(in_database)),
        "double_sales": len(in_database) - len(set(in_database)) + len(sold) - len(set(sold)),
        "lost_seats": len(lost), "late_payments": len(late),
        "late_confirmed": outcomes["late", "confirmed"], "late_refunded": outcomes["late", "refunded"],
        "on_time_refunded": outcomes["on time", "refunded"],
        "received_cents": sum(received.values()), "refunded_cents": sum(refunded.values()), "kept_cents": kept,
        "sold_cents": database["sold_cents"], "webhooks": webhooks, "webhook_errors": webhook_errors,
        "problems": problems,
    })
    return sale


def cents(amount):
    """Integer cents as an amount: 99500 is 995.00."""
    return f"{amount // 100:,}.{amount % 100:02d}"


def run_behind_nginx(env, args, seeded, label):
    """The reads and flash sales again, through nginx in front of two app servers sharing Redis.

    Each app server gets half the single server's workers, so both topologies use the same processes on
    this one machine: what is measured is the cost of the hop through nginx and of Redis, and that the
    sale stays exact when its requests land on two servers.
    """
    folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    folder.chmod(0o755)  # nginx's workers buffer below it
    app_ports = [int(port) for port in args.app_ports.split(",")]
    shared = {**env, "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0", "NUM_PROXIES": "1",
              "GUNICORN_WORKERS": str(max(1, args.workers // len(app_ports))), "GUNICORN_THREADS": str(args.threads)}
    redis = nginx = None
    servers = []
    try:
        redis = topology.start_redis(folder, args.redis_port)
        for port in app_ports:
            log = VAR / f"gunicorn-{label}-behind-nginx-{port}.log"
            server_env = {**shared, "GUNICORN_BIND": f"127.0.0.1:{port}", "CACHE_DIR": str(folder / f"cache-{port}")}
            servers.append((topology.launch_app_server(server_env, log), port, log))
        for process, port, log in servers:
            topology.wait_app_server_ready(process, port, log)
        nginx = topology.start_nginx(folder, app_ports, args.nginx_port)
        base = f"http://127.0.0.1:{args.nginx_port}"
        targets = read_urls(base, seeded)
        runs = {name: [] for name in targets}
        for repeat in range(args.repeats):
            for name, url in targets.items():
                measured = measure_read(url, driver=args.read_driver, concurrency=args.read_clients,
                                        duration=args.duration, warmup=args.warmup)
                runs[name].append(measured)
                print(f"[{label} behind nginx] read {name} #{repeat + 1}: {measured['requests_per_s']:.0f} req/s, "
                      f"p99 {measured['p99_ms']:.1f} ms", file=sys.stderr)
        tokens = seeded["tokens"][:args.clients]
        sales = []
        for show_id in seeded["flash_show_ids"][FLASH_SALES:]:
            sale = asyncio.run(load.flash_sale(base, show_id=show_id, tokens=tokens, seats=seeded["seats"],
                                               seats_per_row=seeded["seats_per_row"]))
            sale = check_flash_sale(sale, verify_in_database(env, show_id), seeded["seats"])
            sales.append(sale)
            print(f"[{label} behind nginx] flash sale of show {show_id}: sold out in {sale['sell_out_s']:.2f} s, "
                  f"{sale['statuses']}, problems: {sale['problems'] or 'none'}", file=sys.stderr)
    finally:
        topology.stop_nginx(nginx)
        for process, _, _ in servers:
            process.send_signal(signal.SIGTERM)
        for process, _, _ in servers:
            topology.stop(process, signal_number=None)
        topology.stop(redis)
        shutil.rmtree(folder, ignore_errors=True)
    return {"app_servers": len(app_ports), "workers_each": int(shared["GUNICORN_WORKERS"]),
            "read": {name: summarise_reads(measured) for name, measured in runs.items()}, "flash_sales": sales}


def cpu_per_request(env, seeded_file, *, requests):
    """bench/cpu.py in a process of its own: the ceiling view's CPU per request, then every API endpoint's."""
    measured = {}
    for args in (["--ceiling"], [str(seeded_file)]):
        done = subprocess.run([PYTHON, "-m", "bench.cpu", *args, "--requests", str(requests)], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"bench.cpu {' '.join(args)} failed: {done.stderr.strip()}")
        measured.update(json.loads(done.stdout))
    return measured


def throttle_cost(env, seeded_file, *, requests, redis_port):
    """bench/cpu.py --throttle on each cache backend: the one-machine SQLite file (the default) and Redis.

    Redis is a throwaway redis-server on loopback; where none is installed, its figures are None.
    """
    backends = {"SQLite file": env}
    measured = {"SQLite file": None, "Redis": None}
    folder = Path(tempfile.mkdtemp(prefix="bench-throttle-"))
    redis = None
    try:
        if topology.find_program("redis-server"):
            redis = topology.start_redis(folder, redis_port)
            backends["Redis"] = {**env, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
        for name, backend_env in backends.items():
            done = subprocess.run([PYTHON, "-m", "bench.cpu", str(seeded_file), "--throttle", "--requests",
                                   str(requests)], cwd=ROOT, env=backend_env, check=True, capture_output=True,
                                  text=True)
            measured[name] = json.loads(done.stdout)
    finally:
        topology.stop(redis)
        shutil.rmtree(folder, ignore_errors=True)
    return measured


def summarise_reads(measured):
    return {
        "requests_per_s": statistics.median(m["requests_per_s"] for m in measured),
        "p50_ms": statistics.median(m["p50_ms"] for m in measured),
        "p99_ms": statistics.median(m["p99_ms"] for m in measured),
        "runs_requests_per_s": [round(m["requests_per_s"]) for m in measured],
        "requests": sum(m["requests"] for m in measured),
        "non_2xx": sum(m["non_2xx"] for m in measured),
        "client_errors": sum(m["client_errors"] for m in measured),
        "cache_entries_stored": None if any(m.get("cache_entries_stored") is None for m in measured)
        else sum(m["cache_entries_stored"] for m in measured),
    }


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE)
    versions = {}
    for package in ("django", "djangorestframework", "gunicorn", "granian", "psycopg", "aiohttp"):
        try:
            from importlib.metadata import version
            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "ram_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def fmt(value, digits=0):
    return "–" if value is None else f"{value:,.{digits}f}"


def percent(fraction):
    return "–" if fraction is None else f"{fraction * 100:.0f} %"


def met(detail):
    return f"met ({detail})"


def missed(figure, target):
    """A missed target's cell: by how much, as the figure beside the target."""
    return f"**missed** ({figure}; target {target})"


READ_NAMES = {"ceiling": "bare Django view (ceiling)", "movies": "GET /api/movies/",
              "movie_shows": "GET /api/movies/{id}/shows/", "seat_map": "GET /api/shows/{id}/seats/ (500 seats)"}


def endpoint_and_cache(name):
    """A read's endpoint and how the read cache answered it: "hit", "miss", or "–" for the ceiling."""
    if name.endswith(MISS):
        return READ_NAMES[name.removesuffix(MISS)], "miss"
    return READ_NAMES[name], "–" if name == "ceiling" else "hit"


def markdown(report):
    """The report as Markdown; a section whose scenario did not run is left out (its targets say "not run")."""
    m = report["machine"]
    settings = report["settings"]
    lines = [
        f"# Benchmark results ({report['finished_at']})",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, {m['os']}, Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        f"Command: `{settings['command']}` ({report['elapsed_s']:.0f} s in all).",
        f"Server: {server_line(settings)}, DEBUG off, on 127.0.0.1, throttles off (on only in the booking "
        f"throttle's CPU profile). "
        f"Load: {settings['read_driver']} with 1 thread and {settings['read_clients']} connections for reads "
        f"({settings['repeats']} interleaved runs of {settings['duration']} s each, medians), "
        f"one asyncio process with {settings['clients']} clients for the flash sale and the hammer.",
    ]
    databases = report["databases"]
    lines += read_markdown(databases)
    lines += flash_markdown(databases)
    lines += best_markdown(databases)
    lines += cpu_markdown(databases)
    lines += hold_markdown(databases, settings)
    lines += paid_markdown(databases, settings)
    lines += reports.markdown(databases)
    lines += ["", "## One seat, all clients at once", "",
              "| database | clients | statuses | live tickets for the seat |", "|---|---:|---|---:|"]
    for result in databases:
        hammered = result["hammer"]
        statuses = " ".join(f"{code}×{n}" for code, n in hammered["statuses"].items())
        lines.append(f"| {result['database']} | {hammered['clients']} | {statuses} | {hammered['live_tickets']} |")
    lines += nginx_markdown(report)
    lines += targets_markdown(databases, settings)
    return "\n".join(lines) + "\n"


def read_markdown(databases):
    if not any(result.get("read") for result in databases):
        return []
    lines = [
        "",
        "## Read path",
        "",
        "Cache hits ask for one URL over and over. Cache misses ask for a URL never asked before on each request: "
        "the read cache keys an answer by its absolute URL with only the query parameters the view reads, so each "
        "request names a host of its own (`Host: <run>-<n>.miss.localhost`), and the view runs and its answer is "
        "stored every time. New read-cache entries are counted in the cache's file while measured: the middleware "
        "stores an answer on a miss only, so a miss run stores at least one per answer (a few more: requests in "
        "flight when a run stopped) and a hit run none.",
        "",
        "| database | endpoint | cache | req/s | p50 ms | p99 ms | share of ceiling (per-run median) | "
        "new read-cache entries (answers) | runs (req/s) |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for result in databases:
        for name, read in result.get("read", {}).items():
            endpoint, cached = endpoint_and_cache(name)
            stored = read.get("cache_entries_stored")
            entries = "–" if stored is None else f"{fmt(stored)} ({fmt(read['requests'])})"
            lines.append(f"| {result['database']} | {endpoint} | {cached} | {fmt(read['requests_per_s'])} | "
                         f"{fmt(read['p50_ms'], 1)} | {fmt(read['p99_ms'], 1)} | {percent(read['share'])} | "
                         f"{entries} | {', '.join(map(str, read['runs_requests_per_s']))} |")
    return lines


def ceiling_requests_per_s(result):
    return result.get("read", {}).get("ceiling", {}).get("requests_per_s")


def flash_markdown(databases):
    if not any(result["flash_sales"] for result in databases):
        return []
    lines = [
        "",
        "## Flash sale (one show of 500 seats)",
        "",
        "| database | run | sold out in s | bookings | bookings/s | booking req/s | share of ceiling | "
        "p50 ms | p95 ms | p99 ms | statuses | seats sold (DB) | double sales | lost seats | 5xx | conn. errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for result in databases:
        ceiling = ceiling_requests_per_s(result)
        for index, sale in enumerate(result["flash_sales"], 1):
            statuses = " ".join(f"{code}×{n}" for code, n in sale["statuses"].items())
            lines.append(
                f"| {result['database']} | {index} | {fmt(sale['sell_out_s'], 2)} | {sale['bookings']} | "
                f"{fmt(sale['bookings_per_s'])} | {fmt(sale['booking_requests_per_s'])} | "
                f"{percent(sale['booking_requests_per_s'] / ceiling if ceiling else None)} | "
                f"{fmt(sale['p50_ms'], 1)} | {fmt(sale['p95_ms'], 1)} | {fmt(sale['p99_ms'], 1)} | {statuses} | "
                f"{sale['sold_in_database']} | {sale['double_sales']} | {sale['lost_seats']} | "
                f"{sale['server_errors']} | {sum(sale['client_errors'].values())} |")
    return lines


def best_markdown(databases):
    sales = [(result, result["best_sale"]) for result in databases if result.get("best_sale")]
    if not sales:
        return []
    lines = [
        "",
        "## Best-available flash sale (one show of 500 seats, each buyer asks for the best 1-4 seats together)",
        "",
        "Beside the pick-your-seat flash sale above. The server chooses under the show's lock, so buyers never meet "
        "on a seat; a 409 `no_seats_together` with seats still free answers a buyer asking for more seats together "
        "than any block left (it then asks for one fewer).",
        "",
        "| database | sold out in s | bookings | bookings/s | booking req/s | share of ceiling | p50 ms | p99 ms | "
        "statuses | 409 with seats free | seats sold (DB) | double sales | lost seats | 5xx | conn. errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result, sale in sales:
        ceiling = ceiling_requests_per_s(result)
        statuses = " ".join(f"{code}×{n}" for code, n in sale["statuses"].items())
        lines.append(
            f"| {result['database']} | {fmt(sale['sell_out_s'], 2)} | {sale['bookings']} | "
            f"{fmt(sale['bookings_per_s'])} | {fmt(sale['booking_requests_per_s'])} | "
            f"{percent(sale['booking_requests_per_s'] / ceiling if ceiling else None)} | "
            f"{fmt(sale['p50_ms'], 1)} | {fmt(sale['p99_ms'], 1)} | {statuses} | {sale['refused_with_seats_free']} | "
            f"{sale['sold_in_database']} | {sale['double_sales']} | {sale['lost_seats']} | "
            f"{sale['server_errors']} | {sum(sale['client_errors'].values())} |")
    return lines


def server_line(settings):
    if settings.get("server") == "granian":
        return (f"granian `--interface wsgi --workers {settings['workers']} --blocking-threads "
                f"{settings['threads']}`")
    return (f"gunicorn `--workers {settings['workers']} --worker-class {settings['worker_class']} "
            f"--threads {settings['threads']}`")


def cpu_markdown(databases):
    lines = ["", "## CPU per request (in-process, the real WSGI handler; median of 5 batches)", "",
             "| database | endpoint | CPU ms per request | ceiling's CPU as a share of it |", "|---|---|---:|---:|"]
    for result in databases:
        ceiling_ms = result["cpu"]["ceiling"]
        for name, ms in result["cpu"].items():
            if isinstance(ms, float):
                lines.append(f"| {result['database']} | {name} | {ms:.3f} | {percent(ceiling_ms / ms)} |")
    lines += floor_markdown(databases)
    lines += [
        "",
        "## The booking throttle's cost, per cache backend (in-process CPU)",
        "",
        "The same refused booking (409) with THROTTLE_BOOKING off and at a rate it never reaches, in 20 alternating "
        "pairs of small batches (medians; the difference is the median of the pairs' differences, so it is close "
        "to the machine's noise); and the throttle's check alone (a new core.throttling.BookingRateThrottle and "
        "its count), timed in a loop, in CPU and in wall-clock time: a Redis round trip waits on the socket, which "
        "CPU time does not count (nor Redis's own CPU).",
        "",
        "| database | cache | 409, throttle off: CPU ms | 409, throttled: CPU ms | difference | "
        "the check alone: CPU ms | the check alone: wall-clock ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for result in databases:
        for cache, cost in result.get("throttle", {}).items():
            if cost is None:
                lines.append(f"| {result['database']} | {cache} | not measured: no redis-server installed "
                             "| | | | |")
                continue
            lines.append(
                f"| {result['database']} | {cache} | {cost['book_409_off_ms']:.3f} | "
                f"{cost['book_409_throttled_ms']:.3f} | {cost['difference_ms']:+.3f} | "
                f"{cost['check_cpu_ms']:.3f} | {cost['check_wall_ms']:.3f} |")
    return lines


def floor_markdown(databases):
    """The booking path against its floor (bench/floor.py: the same decisions in the fewest statements, as SQL),
    measured in turn in the same process."""
    lines = ["", "## Booking against its floor (in-process CPU, batches in turn; bench/floor.py)", "",
             "| database | request | real: CPU ms | floor: CPU ms | real ÷ floor | SQL statements, real / floor |",
             "|---|---|---:|---:|---:|---:|"]
    for result in databases:
        cpu = result["cpu"]
        statements = cpu["SQL statements"]
        floor_201 = cpu["floor book (201)"]
        for name, floor_ms, floor_statements in (
                ("book (201)", floor_201, statements["floor book (201)"]),
                ("book (409)", cpu["floor book (409)"], statements["floor book (409)"]),
                ("hold + confirm (pair)", 2 * floor_201, 2 * statements["floor book (201)"])):
            lines.append(f"| {result['database']} | {name} | {cpu[name]:.3f} | {floor_ms:.3f} | "
                         f"{cpu[name] / floor_ms:.2f} | {statements[name]} / {floor_statements} |")
    lines += ["", "The floor of a hold then its confirm is two floor 201s."]
    return lines


def hold_markdown(databases, settings):
    if not any(result.get("hold_sale") for result in databases):
        return []
    lines = [
        "",
        f"## Hold then confirm (one show of 500 seats; a quarter of the holds abandoned, "
        f"HOLD_SECONDS={settings['hold_seconds']})",
        "",
        "| database | sold out in s | confirmed bookings | seats abandoned (distinct) | abandoned seats sold again | "
        "requests/s | p50 ms | p99 ms | statuses | seats sold (DB) | double sales | lost seats | 5xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for result in databases:
        sale = result.get("hold_sale")
        if not sale:
            continue
        statuses = " ".join(f"{key}×{n}" for key, n in sale["statuses"].items())
        lines.append(
            f"| {result['database']} | {fmt(sale['sell_out_s'], 2)} | {sale['bookings']} | "
            f"{sale['abandoned_seats']} ({sale['abandoned_distinct_seats']}) | {sale['abandoned_seats_resold']} | "
            f"{fmt(sale['booking_requests_per_s'])} | {fmt(sale['p50_ms'], 1)} | {fmt(sale['p99_ms'], 1)} | "
            f"{statuses} | {sale['sold_in_database']} | {sale['double_sales']} | {sale['lost_seats']} | "
            f"{sale['server_errors']} |")
    return lines


def paid_markdown(databases, settings):
    if not any(result.get("paid_sale") for result in databases):
        return []
    lines = [
        "",
        "## Paid sale (one show of 500 seats; PAYMENT_PROVIDER=stripe against localstripe, confirmed by its "
        f"webhooks; a quarter of the payments made after the hold died, HOLD_SECONDS={settings['paid_hold_seconds']})",
        "",
        "Each buyer holds 1–4 seats, asks the API to pay, pays the PaymentIntent at localstripe and reads its booking "
        "until the webhook has confirmed it or its payment is refunded; a late buyer pays only once its hold has "
        "expired, while others may take its seats. reconcile_payments runs once after the sale; the money is "
        "localstripe's: received by succeeded PaymentIntents, less its refunds.",
        "",
        "| database | sold out in s | confirmed bookings | bookings/s | payments | late: confirmed / refunded | "
        "on time, refunded | received − refunded (Stripe) | confirmed tickets | webhooks | reconcile | "
        "settled after s | requests/s | p50 ms | p99 ms | double sales | lost seats | 5xx |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in databases:
        sale = result.get("paid_sale")
        if not sale:
            continue
        webhooks = " ".join(f"{status}×{n}" for status, n in sale["webhooks"].items())
        lines.append(
            f"| {result['database']} | {fmt(sale['sell_out_s'], 2)} | {sale['bookings']} | "
            f"{fmt(sale['bookings_per_s'], 1)} | {sale['payments']} | {sale['late_confirmed']} / "
            f"{sale['late_refunded']} | {sale['on_time_refunded']} | "
            f"{cents(sale['received_cents'])} − {cents(sale['refunded_cents'])} = {cents(sale['kept_cents'])} | "
            f"{cents(sale['sold_cents'])} | {webhooks} | {sale['reconcile']['summary']} | {sale['settle_s']} | "
            f"{fmt(sale['requests_per_s'])} | {fmt(sale['p50_ms'], 1)} | {fmt(sale['p99_ms'], 1)} | "
            f"{sale['double_sales']} | {sale['lost_seats']} | {sale['server_errors'] + sale['webhook_errors']} |")
    return lines


def targets_markdown(databases, settings):
    """Issue #14's targets, one row each, one cell per database: met, missed by how much, or not run."""
    sell_out_targets = ", ".join(f"{seconds:g} s on {DATABASE_NAMES.get(name, name)}"
                                 for name, seconds in SELL_OUT_TARGET_S.items())
    rows = {
        "flash sale: 0 double sales, 0 lost seats, 0 5xx, 0 connection errors": flash_sale_cell,
        "best-available sale: sold out, 0 double, 0 lost, 0 5xx, every 409 no_seats_together": best_sale_cell,
        "hold then confirm: sold out, every abandoned seat sold again, 0 double, 0 lost, 0 5xx": hold_sale_cell,
        "paid sale: sold out, 0 double, 0 lost, every late payment confirmed or refunded, Stripe's received − "
        "refunded = the confirmed tickets' prices to the cent, 0 5xx": paid_sale_cell,
        f"flash sale sold out in at most {sell_out_targets} (median of runs)": sell_out_cell,
        "one seat: exactly one 201": hammer_cell,
        f"each read endpoint at least {percent(READ_SHARE_TARGET)} of the ceiling's req/s, cache hits":
            lambda result: read_share_cell(result, ""),
        f"each read endpoint at least {percent(READ_SHARE_TARGET)} of the ceiling's req/s, cache misses":
            lambda result: read_share_cell(result, MISS),
        f"seat map p99 (cache hits) at most {SEAT_MAP_P99_TARGET_RATIO:g}× the ceiling's p99 at "
        f"{settings['read_clients']} clients (median of per-run ratios)": seat_map_p99_cell,
        f"booking req/s at least {percent(BOOKING_SHARE_TARGET)} of the ceiling's (median of runs)": booking_share_cell,
    }
    lines = ["", "## Targets", "", "| target | " + " | ".join(r["database"] for r in databases) + " |",
             "|---|" + "---|" * len(databases)]
    for target, cell in rows.items():
        lines.append(f"| {target} | " + " | ".join(cell(result) for result in databases) + " |")
    return lines


NOT_RUN = "not run"


def flash_sale_cell(result):
    sales = result["flash_sales"]
    if not sales:
        return NOT_RUN
    figure = (f"{sum(s['double_sales'] for s in sales)} double, {sum(s['lost_seats'] for s in sales)} lost, "
              f"{sum(s['server_errors'] for s in sales)} 5xx, "
              f"{sum(sum(s['client_errors'].values()) for s in sales)} connection errors")
    return missed(figure, "0 each") if any(s["problems"] for s in sales) else met(figure)


def best_sale_cell(result):
    sale = result.get("best_sale")
    if not sale:
        return NOT_RUN
    figure = (f"sold out in {fmt(sale['sell_out_s'], 2)} s; {sale['double_sales']} double, {sale['lost_seats']} "
              f"lost, {sale['server_errors']} 5xx")
    if not sale["problems"]:
        return met(figure)
    return missed(f"{figure}; {len(sale['problems'])} problems, the first: {sale['problems'][0]}",
                  "sold out, 0 each, only no_seats_together")


def hold_sale_cell(result):
    sale = result.get("hold_sale")
    if not sale:
        return NOT_RUN
    figure = f"{sale['abandoned_seats_resold']} of {sale['abandoned_distinct_seats']} abandoned seats sold again"
    if not sale["problems"]:
        return met(figure)
    return missed(f"{figure}, {sale['double_sales']} double, {sale['lost_seats']} lost, "
                  f"{sale['server_errors']} 5xx", "every abandoned seat sold again, 0 double, 0 lost, 0 5xx")


def paid_sale_cell(result):
    sale = result.get("paid_sale")
    if not sale:
        return NOT_RUN
    figure = (f"{sale['late_confirmed']} late payments confirmed, {sale['late_refunded']} refunded; "
              f"{cents(sale['kept_cents'])} kept for {cents(sale['sold_cents'])} of tickets")
    if not sale["problems"]:
        return met(figure)
    return missed(f"{figure}; {sale['double_sales']} double, {sale['lost_seats']} lost, "
                  f"{sale['server_errors'] + sale['webhook_errors']} 5xx; {len(sale['problems'])} problems, the "
                  f"first: {sale['problems'][0]}",
                  "sold out, 0 double, 0 lost, every late payment confirmed or refunded, equal to the cent, 0 5xx")


def sell_out_cell(result):
    sales = result["flash_sales"]
    target = SELL_OUT_TARGET_S.get(result["database"])
    if not sales:
        return NOT_RUN
    sell_out = statistics.median(s["sell_out_s"] or float("inf") for s in sales)
    figure = f"{sell_out:.2f} s" if sell_out != float("inf") else "not sold out"
    if target is None:
        return f"no target ({figure})"
    return met(figure) if sell_out <= target else missed(figure, f"{target:g} s")


def hammer_cell(result):
    sold = result["hammer"]["statuses"].get(201, 0)
    figure = f"{sold} × 201"
    return missed(figure, "exactly one") if result["hammer"]["problems"] else met(figure)


def read_share_cell(result, cache):
    read = result.get("read", {})
    shares = {name: read[name + cache]["share"] for name in READS if name + cache in read}
    if not shares:
        return NOT_RUN
    short = [name for name in sorted(shares, key=shares.get) if shares[name] < READ_SHARE_TARGET]
    if short:
        return missed(", ".join(f"{READ_NAMES[name]} {percent(shares[name])}" for name in short),
                      percent(READ_SHARE_TARGET))
    lowest = min(shares, key=shares.get)
    return met(f"lowest: {READ_NAMES[lowest]} {percent(shares[lowest])}")


def seat_map_p99_cell(result):
    read = result.get("read", {})
    if "seat_map" not in read or "ceiling" not in read:
        return NOT_RUN
    ratio = read["seat_map"]["p99_ratio"]
    figure = (f"{ratio:.1f}× the ceiling's: {read['seat_map']['p99_ms']:.1f} ms against "
              f"{read['ceiling']['p99_ms']:.1f} ms")
    return met(figure) if ratio <= SEAT_MAP_P99_TARGET_RATIO else missed(figure, f"{SEAT_MAP_P99_TARGET_RATIO:g}×")


def booking_share_cell(result):
    ceiling = ceiling_requests_per_s(result)
    sales = result["flash_sales"]
    if not sales or not ceiling:
        return NOT_RUN
    share = statistics.median(s["booking_requests_per_s"] for s in sales) / ceiling
    return met(percent(share)) if share >= BOOKING_SHARE_TARGET else missed(percent(share),
                                                                            percent(BOOKING_SHARE_TARGET))


def nginx_markdown(report):
    """One app server beside two behind nginx, for each database that ran the nginx scenario."""
    lines = []
    for result in report["databases"]:
        behind = result.get("nginx")
        if not behind:
            continue
        lines += [
            "",
            f"## Two app servers behind nginx ({result['database']}, Redis)",
            "",
            f"deploy/'s topology on loopback: nginx (deploy/nginx/movie-booking.conf) in front of "
            f"{behind['app_servers']} app servers (deploy/systemd/movie-booking.service, deploy/gunicorn.conf.py, "
            f"{behind['workers_each']} workers × {report['settings']['threads']} threads each: the same processes "
            f"as the one server above), sharing one Redis (REDIS_URL) and the database. Same machine, same load.",
            "",
            "| read | one app server req/s | p50 ms | p99 ms | two behind nginx req/s | p50 ms | p99 ms | "
            "runs behind nginx (req/s) |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name, read in behind["read"].items():
            single = result["read"].get(name, {})
            lines.append(f"| {READ_NAMES[name]}, cache hits | {fmt(single.get('requests_per_s'))} | "
                         f"{fmt(single.get('p50_ms'), 1)} | {fmt(single.get('p99_ms'), 1)} | "
                         f"{fmt(read['requests_per_s'])} | {fmt(read['p50_ms'], 1)} | {fmt(read['p99_ms'], 1)} | "
                         f"{', '.join(map(str, read['runs_requests_per_s']))} |")
        lines += [
            "",
            "| flash sale, 500 seats | sold out in s (median) | bookings/s | booking req/s | p50 ms | p99 ms | "
            "double sales | lost seats | 5xx | conn. errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for topology_name, sales in (("one app server", result["flash_sales"]), ("two behind nginx",
                                                                               behind["flash_sales"])):
            if not sales:
                continue

            def median(key, sales=sales):
                return statistics.median(s[key] or float("inf") for s in sales)

            lines.append(
                f"| {topology_name} ({len(sales)} sales) | {fmt(median('sell_out_s'), 2)} | "
                f"{fmt(median('bookings_per_s'))} | {fmt(median('booking_requests_per_s'))} | "
                f"{fmt(median('p50_ms'), 1)} | {fmt(median('p99_ms'), 1)} | "
                f"{sum(s['double_sales'] for s in sales)} | {sum(s['lost_seats'] for s in sales)} | "
                f"{sum(s['server_errors'] for s in sales)} | {sum(sum(s['client_errors'].values()) for s in sales)} |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", ""))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.md"))
    # deploy/gunicorn.conf.py's formula, measured on 2 cores by bench/sizing.py (bench/results/sizing.md).
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--server", choices=["gunicorn", "granian"], default="gunicorn",
                        help="the app server of the reads and sales (the nginx and paid scenarios keep deploy/'s)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument("--clients", type=int, default=200, help="flash-sale and hammer buyers")
    parser.add_argument("--read-clients", type=int, default=50)
    parser.add_argument("--duration", type=int, default=8, help="seconds of each read measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--read-driver", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--smoke", action="store_true", help="a tiny run in seconds: SQLite, 20 seats, 20 clients")
    parser.add_argument("--scenarios", default=SCENARIOS,
                        help="any of reads, flash, best, holds, nginx, paid, reports (the hammer always runs, but "
                        "with reports alone; nginx: PostgreSQL only)")
    parser.add_argument("--table", action="store_true",
                        help="with a partial --scenarios: print the Markdown of what ran instead of JSON")
    parser.add_argument("--cpu-requests", type=int, default=300, help="requests per batch of the CPU profile")
    parser.add_argument("--hold-seconds", type=int, default=10,
                        help="the server's HOLD_SECONDS: abandoned holds give their seats back within the run")
    parser.add_argument("--app-ports", default="8790,8791", help="nginx scenario: the two app servers' ports")
    parser.add_argument("--nginx-port", type=int, default=8792)
    parser.add_argument("--redis-port", type=int, default=8793)
    parser.add_argument("--paid-port", type=int, default=8794, help="paid sale: the API taking payments")
    parser.add_argument("--localstripe-port", type=int, default=8795)
    parser.add_argument("--paid-hold-seconds", type=int, default=10,
                        help="paid sale: the server's HOLD_SECONDS, which late buyers wait out before paying")
    parser.add_argument("--settle-timeout", type=float, default=60.0,
                        help="paid sale: seconds to wait, after reconcile_payments, for payments and refunds to settle")
    parser.add_argument("--command", default="make bench", help="the command named in the results")
    args = parser.parse_args(argv)
    args.seed_args = ["--flash-shows", str(2 * FLASH_SALES)]  # fresh shows for each topology's sales
    args.warmup = 1.0
    if args.smoke:
        args.scenarios = SMOKE_SCENARIOS
        args.databases, args.clients, args.read_clients, args.duration, args.repeats = "sqlite", 20, 5, 1, 1
        args.workers, args.threads, args.read_driver, args.warmup, args.hold_seconds = 2, 2, "python", 0.2, 3
        args.paid_hold_seconds, args.settle_timeout = 3, 20.0
        args.cpu_requests = 20
        args.seed_args = ["--movies", "3", "--shows", "6", "--tickets", "12", "--users", "20", "--flash-shows", "1",
                          "--rows", "4", "--seats-per-row", "5"]
    if args.read_driver == "auto":
        args.read_driver = "wrk" if shutil.which("wrk") else "python"

    started = time.monotonic()
    VAR.mkdir(parents=True, exist_ok=True)
    secret_key = secrets.token_urlsafe(50)
    sqlite_file = VAR / "bench.sqlite3"
    urls = {"sqlite": f"sqlite:///{sqlite_file}", "postgres": args.postgres_url}
    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if "postgres" in databases and not args.postgres_url:
        parser.error("postgres needs --postgres-url (or BENCH_POSTGRES_URL); `make bench` starts a throwaway server")

    if not args.smoke:  # the API serves no static files; the docs pages need them in a real deployment
        manage(server_env(urls["sqlite"], secret_key=secret_key, hold_seconds=args.hold_seconds), "collectstatic",
               "--noinput", "-v", "0")
    results = []
    for label in databases:
        if label == "sqlite":
            for leftover in VAR.glob("bench.sqlite3*"):
                leftover.unlink()
        results.append(run_database(label, urls[label], args, secret_key))

    report = {
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "elapsed_s": time.monotonic() - started,
        "machine": machine(),
        "settings": {"command": args.command, "server": args.server, "workers": args.workers,
                     "worker_class": args.worker_class, "threads": args.threads, "clients": args.clients,
                     "read_clients": args.read_clients,
                     "duration": args.duration, "repeats": args.repeats, "read_driver": args.read_driver,
                     "hold_seconds": args.hold_seconds, "paid_hold_seconds": args.paid_hold_seconds},
        "databases": results,
    }
    if args.scenarios == "reports":  # alone: its own table, no other section to fill
        print("\n".join(reports.markdown(results)) if args.table else json.dumps(report, indent=1, default=str))
        return 0
    partial = args.scenarios not in (SCENARIOS, SMOKE_SCENARIOS)  # for trying things: no file written
    if partial and not args.table:
        print(json.dumps(report, indent=1, default=str))
    else:
        table = markdown(report)
        print(table)
        if not args.smoke and not partial:
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            history = out.parent / "history.md"
            out.write_text(table + ("\n" + history.read_text() if history.exists() else ""))
            out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    problems = [*(p for r in results for p in r["read_problems"]),
                *(p for r in results for s in [*r["flash_sales"], r.get("hold_sale"), r["hammer"], r.get("paid_sale")]
                  if s for p in s["problems"])]
    if problems:
        print("Correctness checks failed:\n- " + "\n- ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
