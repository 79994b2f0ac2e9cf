"""A real server on loopback for the bookings tests: localstripe, for payments (the SMTP server is the root
conftest's `smtp_server`)."""
import os

import pytest

from bookings.tests.fake_stripe import LOCALSTRIPE, LocalStripe

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def localstripe():
    """The session's localstripe. Without it: a skip on a developer's machine, a failure in CI."""
    if not LOCALSTRIPE.exists():
        if IN_CI:
            pytest.fail(f"CI=true but there is no localstripe at {LOCALSTRIPE}: make setup-dev installs it")
        pytest.skip(f"needs localstripe at {LOCALSTRIPE} (make setup-dev)")
    server = LocalStripe().start()
    yield server
    server.stop()
