"""A real server on loopback for the bookings tests: localstripe, for payments (the SMTP server is the root
conftest's `smtp_server`)."""
import os

import pytest

from bookings.tests.fake_stripe import LOCALSTRIPE, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, LocalStripe

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


@pytest.fixture
def online(settings, localstripe):
    """PAYMENT_PROVIDER=stripe against the session's localstripe, emptied for each test."""
    localstripe.reset()
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = STRIPE_SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_movie_booking"
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_TIMEOUT_SECONDS = 2
    settings.STRIPE_NETWORK_RETRIES = 0
    settings.THROTTLE_BOOKING = None
    return localstripe
