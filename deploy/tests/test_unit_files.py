"""The systemd units in deploy/systemd/ are valid as systemd itself reads them."""
import os
import shutil
import subprocess

import pytest

from bench.topology import DEPLOY, INSTALL_DIR

UNITS = sorted((DEPLOY / "systemd").glob("*.service")) + sorted((DEPLOY / "systemd").glob("*.timer"))


def test_systemd_reads_every_unit_without_a_complaint():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but there is no systemd-analyze (Debian's systemd package)")
        pytest.skip("no systemd-analyze (Debian's systemd package)")
    done = subprocess.run([analyze, "verify", "--man=no", *map(str, UNITS)], capture_output=True, text=True,
                          timeout=60)

    # The only complaint allowed: the installed checkout's programs do not exist on this machine.
    complaints = [line for line in done.stderr.splitlines()
                  if not (f"Command {INSTALL_DIR}/" in line and "is not executable" in line)]
    assert complaints == []
    assert len(UNITS) == 6  # the app, the worker, and two timers with their services
