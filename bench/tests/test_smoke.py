"""The bench harness still works, in seconds: tiny flash, best-available, hold and paid sales, hammer and reads,
real gunicorn."""
import random
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def free_ports(count):
    """`count` consecutive loopback ports nothing listens on, below the ephemeral range: the bench's defaults
    may be in use by a real bench run on the same machine."""
    rng = random.Random()
    for _ in range(100):
        first = rng.randrange(20000, 32000 - count)
        try:
            for port in range(first, first + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no free ports found")


def test_bench_smoke_run_sells_a_tiny_show_out_cleanly():
    pytest.importorskip("aiohttp", reason="bench requirements not installed (make bench-smoke installs them)")
    # The ceiling, the API, a throwaway Redis for the throttle's cost, the paid sale's API and its localstripe.
    port = free_ports(5)
    done = subprocess.run([sys.executable, "-m", "bench.run", "--smoke", "--port", str(port),
                           "--redis-port", str(port + 2), "--paid-port", str(port + 3),
                           "--localstripe-port", str(port + 4)], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| sqlite | 1 |" in done.stdout  # the flash-sale row
    assert "201×1 409×19" in done.stdout  # the hammer: exactly one sale
    assert "| sqlite | seat_map (hit) |" in done.stdout  # the in-process CPU profile
    for endpoint in ("GET /api/movies/", "GET /api/movies/{id}/shows/", "GET /api/shows/{id}/seats/ (500 seats)"):
        # Hits and misses apart; a miss run that did not miss every time would have failed the run.
        assert f"| sqlite | {endpoint} | hit |" in done.stdout
        assert f"| sqlite | {endpoint} | miss |" in done.stdout
    assert "| sqlite | SQLite file |" in done.stdout  # the booking throttle's cost
    if shutil.which("redis-server"):
        assert "| sqlite | Redis | not measured" not in done.stdout
        assert "| sqlite | Redis |" in done.stdout
    assert "| flash sale: 0 double sales, 0 lost seats, 0 5xx, 0 connection errors | met" in done.stdout
    assert "| best-available sale: sold out, 0 double, 0 lost, 0 5xx, every 409 no_seats_together | met" in done.stdout
    assert "| sqlite | choose the best 4 seats (20 seats, half taken) |" in done.stdout
    assert ("| hold then confirm: sold out, every abandoned seat sold again, 0 double, 0 lost, 0 5xx | met"
            in done.stdout)
    assert ("| paid sale: sold out, 0 double, 0 lost, every late payment confirmed or refunded, Stripe's received − "
            "refunded = the confirmed tickets' prices to the cent, 0 5xx | met" in done.stdout)
    for target in ("of the ceiling's req/s, cache hits |", "of the ceiling's req/s, cache misses |",
                   "| seat map p99 (cache hits) at most 2× the ceiling's p99", "| flash sale sold out in at most"):
        assert target in done.stdout
