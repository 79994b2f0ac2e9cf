"""localstripe for the paid sale: started on loopback, told where the API's webhook is, and asked afterwards what
it took and what it refunded.

localstripe is a Stripe-compatible server (`make setup-dev` installs it under .venv/localstripe). It keeps its
objects in memory, posts each signed event about a second after what caused it, and never delivers a failed
event again: reconcile_payments is what settles a payment whose webhook was lost. Unlike Stripe it ignores
Idempotency-Key, so a retried refund would be a second refund: `server_env` turns the API's network retries off,
and a slow answer shows as an error instead.
"""
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from collections import Counter
from pathlib import Path

from bench.topology import stop

LOCALSTRIPE = Path(__file__).resolve().parent.parent / ".venv" / "localstripe" / "bin" / "localstripe"
SECRET_KEY = "sk_test_bench"
PUBLISHABLE_KEY = "pk_test_bench"
WEBHOOK_SECRET = "whsec_bench"
# What a real account's endpoint is set up to receive (README, "Payments with Stripe").
WEBHOOK_EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
                  "refund.updated"]
DELIVERY = re.compile(r'^webhook "[^"]+" (successfully delivered|failed with response code (\d+)|failed: )', re.M)


class LocalStripe:
    """One localstripe process on `port`, its output in `log`; stopped by its pid."""

    def __init__(self, port, log):
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.log = log
        self.process = None

    def __enter__(self):
        if not LOCALSTRIPE.exists():
            raise RuntimeError(f"the paid sale needs localstripe at {LOCALSTRIPE}: make setup-dev installs it")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([str(LOCALSTRIPE), "--port", str(self.port), "--from-scratch"],
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"localstripe did not start on port {self.port}; see {self.log}")
            try:
                self.get("/v1/balance")
                return self
            except OSError:
                time.sleep(0.1)

    def __exit__(self, *exc):
        stop(self.process)

    def server_env(self):
        """What the API needs to take payments through this localstripe."""
        return {"PAYMENT_PROVIDER": "stripe", "STRIPE_API_BASE": self.url, "STRIPE_SECRET_KEY": SECRET_KEY,
                "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "STRIPE_NETWORK_RETRIES": "0"}

    def register_webhook(self, url):
        form = [("url", url), ("secret", WEBHOOK_SECRET), *(("events[]", event) for event in WEBHOOK_EVENTS)]
        request = urllib.request.Request(f"{self.url}/_config/webhooks/bench", method="POST",
                                         data=urllib.parse.urlencode(form).encode())
        with urllib.request.urlopen(request, timeout=10):
            pass

    def get(self, path):
        request = urllib.request.Request(f"{self.url}{path}", headers={
            "Authorization": "Basic " + b64encode(f"{SECRET_KEY}:".encode()).decode()})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def list_all(self, path):
        """Every object of a list endpoint (`/v1/payment_intents`, `/v1/refunds`), page by page."""
        objects = []
        while True:
            after = f"&starting_after={objects[-1]['id']}" if objects else ""
            page = self.get(f"{path}?limit=100{after}")
            objects += page["data"]
            if not page["has_more"]:
                return objects

    def webhook_deliveries(self):
        """How its webhook posts were answered, from its log: "delivered", an HTTP status, or "no answer"."""
        deliveries = Counter()
        for outcome, status in DELIVERY.findall(self.log.read_text(errors="replace")):
            deliveries["delivered" if outcome.startswith("successfully") else status or "no answer"] += 1
        return dict(deliveries)
