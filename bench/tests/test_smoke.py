"""The bench harness still works: tiny flash and hold sales, hammer and reads against real gunicorn, in seconds."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def test_bench_smoke_run_sells_a_tiny_show_out_cleanly():
    pytest.importorskip("aiohttp", reason="bench requirements not installed (make bench-smoke installs them)")
    done = subprocess.run([sys.executable, "-m", "bench.run", "--smoke"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| sqlite | 1 |" in done.stdout  # the flash-sale row
    assert "201×1 409×19" in done.stdout  # the hammer: exactly one sale
    assert "| sqlite | seat_map (hit) |" in done.stdout  # the in-process CPU profile
    assert "| flash sale: 0 double sales, 0 lost seats, 0 5xx, 0 connection errors | met" in done.stdout
    assert ("| hold then confirm: sold out, every abandoned seat sold again, 0 double, 0 lost, 0 5xx | met"
            in done.stdout)
