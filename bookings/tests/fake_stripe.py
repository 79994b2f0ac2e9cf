"""localstripe, a stateful Stripe-compatible server, started on loopback for the payment tests.

It lives in a virtualenv of its own (`make setup-dev` installs it under .venv/localstripe), so that its aiohttp
never meets the project's dependencies. Tests point the `stripe` library at it with STRIPE_API_BASE.
"""
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import stripe

REPOSITORY = Path(__file__).resolve().parents[2]
LOCALSTRIPE = Path(os.environ.get("LOCALSTRIPE", REPOSITORY / ".venv" / "localstripe" / "bin" / "localstripe"))
# The keys the tests give the app and sign webhooks with; localstripe takes any secret key.
STRIPE_SECRET_KEY = "sk_test_movie_booking"
STRIPE_WEBHOOK_SECRET = "whsec_movie_booking_tests"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalStripe:
    """One localstripe process on a free port; `url` is its API base."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = tempfile.TemporaryDirectory(prefix="localstripe-")
        self.log_path = Path(self.folder.name) / "localstripe.log"
        self.process = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([str(LOCALSTRIPE), "--port", str(self.port), "--from-scratch"],
                                            stdout=log, stderr=subprocess.STDOUT, cwd=self.folder.name)
        deadline = time.monotonic() + 20
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.log_path.read_text()[-2000:]
                raise RuntimeError(f"localstripe did not start on port {self.port}: {log}")
            time.sleep(0.1)
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.folder.cleanup()

    def reset(self):
        """Forget every object (PaymentIntents, refunds, ...)."""
        self._request("DELETE", "/_config/data")

    @contextmanager
    def webhook(self, url, secret):
        """While this lasts, localstripe POSTs signed payment_intent.* events to `url` about a second after a
        payment. It keeps webhooks across `reset()` and has no way to delete one: on exit this one is narrowed
        to an event type that never happens."""
        self._request("POST", "/_config/webhooks/movie-booking", {"url": url, "secret": secret})
        try:
            yield
        finally:
            self._request("POST", "/_config/webhooks/movie-booking",
                          {"url": url, "secret": secret, "events[]": "never.sent"})

    @contextmanager
    def down(self):
        """Stripe does not answer while this lasts: the process is stopped (connections hang until the client's
        timeout), then goes on as it was."""
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def _answers(self):
        try:
            self._request("GET", "/v1/payment_intents", timeout=1)
        except urllib.error.HTTPError:
            return True  # it answers (401 without a key): up
        except OSError:
            return False
        return True

    def _request(self, method, path, form=None, timeout=10):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()


def pay_as_buyer(api_base, secret_key, intent_id, payment_method="pm_card_visa"):
    """What the buyer's Stripe.js does with a PaymentIntent: attach a card, then confirm. Returns the intent;
    a declined card raises stripe.CardError."""
    client = stripe.StripeClient(secret_key, base_addresses={"api": api_base}, max_network_retries=0)
    client.v1.payment_intents.update(intent_id, {"payment_method": payment_method})
    return client.v1.payment_intents.confirm(intent_id)
