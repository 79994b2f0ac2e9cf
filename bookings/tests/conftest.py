"""Real servers on loopback for the bookings tests: an SMTP server, and localstripe for payments."""
import email
import os
from email import policy

import pytest
from aiosmtpd.controller import Controller

from bookings.tests.fake_stripe import LOCALSTRIPE, LocalStripe, free_port

IN_CI = os.environ.get("CI", "").lower() == "true"


class Inbox:
    """An aiosmtpd handler that keeps every message it is sent."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, and the project's settings pointing at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    yield inbox
    controller.stop()


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
