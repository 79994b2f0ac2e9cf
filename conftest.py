"""Fixtures shared by every app's tests."""
import email
import os
import signal
import socket
import subprocess
import time
from email import policy
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache, caches
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from bookings.tests.fake_stripe import free_port
from core.cache import shared_cache_breaker
from users.tests.factories import UserFactory

# Playwright's sync API keeps an asyncio loop running in the main thread from the first browser test to the
# end of the session, so Django would refuse every ORM call after it (database setup included). The project
# has no async code for that check to protect.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    # Manifest static storage needs `collectstatic`; tests serve the docs' files from the app finders.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True
    # A developer's .env may switch production transport security on; tests speak plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    # Hashing strength is not under test; a fast hasher keeps the suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Mail tasks run inline after commit (pytest-django sends mail to the locmem outbox).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Throttle counts must not leak from one test into the next, nor into a developer's cache folder.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


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


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    # The breaker is per process: a test that made the shared cache fail must not leave the next one without it.
    shared_cache_breaker.reset()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


# What back-office staff hold: the catalogue's permissions, and reading every booking (not refund, not check-in).
CATALOGUE_PERMISSIONS = [f"movies.{action}_{model}" for model in ("movie", "screen", "show", "tickettype")
                         for action in ("add", "change", "delete", "view")]
VOUCHER_PERMISSIONS = [f"bookings.{action}_voucher" for action in ("add", "change", "delete", "view")]
BACK_OFFICE_PERMISSIONS = [*CATALOGUE_PERMISSIONS, *VOUCHER_PERMISSIONS, "bookings.view_booking",
                           "bookings.sell_at_box_office"]


def staff_with_permissions(*permissions, **fields):
    """A staff user (`is_staff`) holding exactly `permissions`, each `app_label.codename`."""
    user = UserFactory(is_staff=True, **fields)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def staff_user(db):
    return staff_with_permissions(*BACK_OFFICE_PERMISSIONS)


def access_token(user):
    return str(RefreshToken.for_user(user).access_token)


def bearer_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(user)}")
    return client


@pytest.fixture
def user_client(user):
    return bearer_client(user)


@pytest.fixture
def staff_client(staff_user):
    return bearer_client(staff_user)


# Browser tests drive Debian's chromium (never a browser that Playwright downloads). Without it they are
# skipped on a developer's machine, but in CI (CI=true) a missing browser is an error, not a skip.
CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"
requires_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not IN_CI,
    reason=f"browser test: no chromium at {CHROMIUM} (apt-get install chromium fonts-liberation)",
)
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"CI=true but there is no chromium at {CHROMIUM}: .ci/run must install it")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True}


@pytest.fixture
def browser_page(page, live_server):
    """A headless chromium page, for pages of the live test server."""
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1280, "height": 900})
    return page


@pytest.fixture
def screenshot():
    """Saves a PNG into artifacts/screenshots/ (git-ignored; CI keeps it as an artifact) and returns its path.
    The name ends with the database, so the SQLite and PostgreSQL runs of CI keep one each."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(target, name, **options):
        path = SCREENSHOTS / f"{name}-{connection.vendor}.png"
        target.screenshot(path=str(path), **options)
        return path

    return save


# --- Redis -------------------------------------------------------------------------------------------------
# Tests of the shared cache run against Debian's redis-server, started here on loopback with persistence off.
# Without it they are skipped on a developer's machine; in CI (CI=true) a missing server is an error.
REDIS_SERVER = "/usr/bin/redis-server"
# TEST_REDIS_PORT: for two checkouts running their suites side by side.
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "26442"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """The URL of a throwaway redis-server on 127.0.0.1, running for the whole test session."""
    if not os.path.exists(REDIS_SERVER):
        if IN_CI:
            pytest.fail(f"CI=true but there is no {REDIS_SERVER}: .ci/run must install redis-server")
        pytest.skip(f"needs {REDIS_SERVER} (apt-get install redis-server)")
    server = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path_factory.mktemp("redis"))],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=REDIS_PORT)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"redis-server did not start on 127.0.0.1:{REDIS_PORT}")
            time.sleep(0.05)
    assert server.poll() is None, f"port {REDIS_PORT} is taken by another redis-server"
    yield f"redis://127.0.0.1:{REDIS_PORT}/0"
    client.close()
    server.terminate()
    server.wait(timeout=15)


class PausableRedis:
    """A redis-server of one test's own, which the test may pause (SIGSTOP: it holds its connections and answers
    nothing, as a hung server does), resume or kill without disturbing the session's."""

    def __init__(self, folder):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(folder)],
            stdout=subprocess.DEVNULL,
        )
        with redis.Redis(host="127.0.0.1", port=self.port) as client:
            deadline = time.monotonic() + 15
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        self.process.kill()
                        pytest.fail(f"redis-server did not start on 127.0.0.1:{self.port}")
                    time.sleep(0.05)

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=15)

    def stop(self):
        if self.process.poll() is None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture
def pausable_redis(redis_url, tmp_path):
    """A PausableRedis on a free loopback port (after the session's, so a missing redis-server skips alike)."""
    server = PausableRedis(tmp_path)
    yield server
    server.stop()
# --- end of Redis --------------------------------------------------------------------------------------------


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or ''}".rstrip()


class ClosableConnectionPool(redis.ConnectionPool):
    """Django's RedisCache keeps a pool per thread and never closes it; the test closes them when it ends."""

    opened = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.opened.append(self)


@pytest.fixture(params=["locmem", "sqlite-file", "redis"])
def shared_cache(request, tmp_path):
    """CACHES for one of the backends, cleared; the cache handler builds a fresh instance in each thread."""
    backends = {
        "locmem": lambda: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttles"},
        "sqlite-file": lambda: {"BACKEND": "core.cache_backends.SQLiteCache",
                                "LOCATION": str(tmp_path / "cache.sqlite3")},
        "redis": lambda: {"BACKEND": "core.cache_backends.RedisCache",
                          "LOCATION": request.getfixturevalue("redis_url"),
                          "OPTIONS": {"pool_class": ClosableConnectionPool}},
    }
    with override_settings(CACHES={"default": backends[request.param]()}):
        caches["default"].clear()
        yield request.param
    while ClosableConnectionPool.opened:
        ClosableConnectionPool.opened.pop().disconnect()
