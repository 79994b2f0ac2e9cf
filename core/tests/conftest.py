"""A real gunicorn serving the project, against the test database, for tests of what only a server shows."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote

import pytest
from django.conf import settings


def test_database_url():
    """The test database (pytest-django's), as a DATABASE_URL that the server's settings read."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith(".sqlite3"):
        return f"sqlite:///{database['NAME']}"
    credentials = f"{quote(database['USER'], safe='')}:{quote(database['PASSWORD'], safe='')}"
    return f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def free_loopback_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """`start(workers=1, config_file=None, **environment)` runs `gunicorn movie_booking.wsgi:application` (with
    `-c config_file` when given, e.g. deploy/gunicorn.conf.py) on a free loopback port and returns its base URL.
    It sees what the test commits (so the test's database is transactional), signs tokens with the test's
    SECRET_KEY, keeps its cache in its own SQLite file under tmp_path, and has throttles off unless the
    environment given says otherwise. Stopped when the test ends."""
    servers = []

    def start(workers=1, config_file=None, **environment):
        port = free_loopback_port()
        env = {
            **os.environ,
            "DEBUG": "True",
            "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": test_database_url(),
            "CONN_MAX_AGE": "0",  # no connection outlives a request, so the test database can be flushed
            "CACHE_DIR": str(tmp_path / "cache"),
            "REDIS_URL": "",
            "THROTTLE_AUTH": "off",
            "THROTTLE_BOOKING": "off",
            "SECURE_SSL_REDIRECT": "False",
            **environment,
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *(["-c", str(config_file)] if config_file else []),
             "movie_booking.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--no-control-socket", "--log-level", "warning"],
            cwd=settings.BASE_DIR, env=env,
        )
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/health/", timeout=5) as health:
                    if health.status == 200:
                        return url
            except OSError:  # not listening yet, or its workers still booting (URLError, ConnectionError, timeouts)
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer on {url}")
            time.sleep(0.1)

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=30)
