"""gunicorn's worker and thread counts, measured: the flash sale and a seat-map read for each setting.

    python -m bench.sizing [--databases sqlite,postgres] [--postgres-url URL] [--settings 2x4,4x4,...] [--sales 3]
                           [--out bench/results/sizing.md]

One fresh database per database (bench/seed.py, as `make bench`), then for each `WORKERSxTHREADS` setting a
gunicorn gthread server on loopback: `--sales` flash sales of their own 500-seat shows (median sell-out and
booking requests/s, every sale checked in the database like `make bench`'s) and the seat map read as cache
hits with wrk. Settings run in the order given, each once; run the sweep twice to see the machine's noise.
Prints a Markdown table and writes it to `--out`; exits non-zero when a sale's correctness check fails.
"""
import argparse
import asyncio
import json
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import load
from bench.run import (
    PYTHON,
    ROOT,
    VAR,
    Gunicorn,
    check_flash_sale,
    machine,
    manage,
    measure_read,
    server_env,
    verify_in_database,
)

DEFAULT_SETTINGS = "1x8,2x2,2x4,2x8,3x4,4x1,4x2,4x4,6x2,8x1"


def sweep(label, database_url, args):
    settings = [tuple(int(n) for n in setting.split("x")) for setting in args.settings.split(",")]
    env = server_env(database_url, secret_key=secrets.token_urlsafe(50), hold_seconds=10)
    manage(env, "migrate", "--noinput")
    manage(env, "flush", "--noinput")
    seeded_file = VAR / f"sizing-{label}.json"
    subprocess.run([PYTHON, "-m", "bench.seed", "create", str(seeded_file), "--flash-shows",
                    str(len(settings) * args.sales)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    seeded = json.loads(seeded_file.read_text())
    shows = iter(seeded["flash_show_ids"])
    rows, problems = [], []
    for workers, threads in settings:
        with Gunicorn("movie_booking.wsgi:application", args.port, env, workers=workers, worker_class="gthread",
                      threads=threads, name=f"sizing-{label}") as api:
            api.wait_ready("/api/health/")
            sales = []
            for _ in range(args.sales):
                show_id = next(shows)
                sale = asyncio.run(load.flash_sale(api.url, show_id=show_id, tokens=seeded["tokens"][:args.clients],
                                                   seats=seeded["seats"], seats_per_row=seeded["seats_per_row"]))
                sales.append(check_flash_sale(sale, verify_in_database(env, show_id), seeded["seats"]))
            read = measure_read(f"{api.url}/api/shows/{seeded['seat_map_show_id']}/seats/", driver="wrk",
                                concurrency=50, duration=args.read_seconds, warmup=1)
        problems += [problem for sale in sales for problem in sale["problems"]]
        row = {
            "database": label, "workers": workers, "threads": threads,
            "sell_out_s": statistics.median(sale["sell_out_s"] or float("inf") for sale in sales),
            "sell_out_runs": [round(sale["sell_out_s"] or float("inf"), 2) for sale in sales],
            "booking_requests_per_s": statistics.median(sale["booking_requests_per_s"] for sale in sales),
            "booking_p99_ms": statistics.median(sale["p99_ms"] for sale in sales),
            "seat_map_requests_per_s": read["requests_per_s"], "seat_map_p99_ms": read["p99_ms"],
        }
        rows.append(row)
        print(f"[{label}] {workers}x{threads}: {row}", file=sys.stderr)
    return rows, problems


def markdown(rows, args):
    lines = [f"gunicorn gthread settings, {args.clients} buyers per 500-seat flash sale (median of {args.sales}), "
             f"seat map read as cache hits with wrk (50 connections, {args.read_seconds} s).", "",
             "| database | workers × threads | sold out in s (median) | runs | booking req/s | booking p99 ms | "
             "seat map req/s | seat map p99 ms |", "|---|---|---:|---|---:|---:|---:|---:|"]
    lines += [f"| {r['database']} | {r['workers']} × {r['threads']} | {r['sell_out_s']:.2f} | "
              f"{', '.join(map(str, r['sell_out_runs']))} | {r['booking_requests_per_s']:,.0f} | "
              f"{r['booking_p99_ms']:,.0f} | {r['seat_map_requests_per_s']:,.0f} | {r['seat_map_p99_ms']:,.1f} |"
              for r in rows]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="WORKERSxTHREADS, comma-separated")
    parser.add_argument("--sales", type=int, default=3)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--read-seconds", type=int, default=5)
    parser.add_argument("--port", type=int, default=8785)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "sizing.md"))
    args = parser.parse_args(argv)
    VAR.mkdir(parents=True, exist_ok=True)
    urls = {"sqlite": f"sqlite:///{VAR / 'sizing.sqlite3'}", "postgres": args.postgres_url}
    rows, problems = [], []
    started = time.monotonic()
    for label in args.databases.split(","):
        if label == "postgres" and not args.postgres_url:
            parser.error("postgres needs --postgres-url")
        if label == "sqlite":
            for leftover in VAR.glob("sizing.sqlite3*"):
                leftover.unlink()
        measured, failed = sweep(label, urls[label], args)
        rows += measured
        problems += failed
    table = markdown(rows, args)
    print(table)
    m = machine()
    Path(args.out).write_text(f"# gunicorn sizing ({datetime.now(UTC):%Y-%m-%d %H:%M UTC}, "
                              f"{time.monotonic() - started:.0f} s)\n\nMachine: {m['nproc']} cores ({m['cpu']}), "
                              f"{m['os']}, Python {m['python']}. Command: `python -m bench.sizing "
                              f"{' '.join(argv if argv is not None else sys.argv[1:])}`.\n\n{table}")
    if problems:
        print("Correctness checks failed:\n- " + "\n- ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
