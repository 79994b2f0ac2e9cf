"""The deployment of README's "Deploy on several machines", started on loopback from the files in deploy/.

One Redis, one PostgreSQL database, two app servers (each the ExecStart of deploy/systemd/movie-booking.service,
configured by deploy/gunicorn.conf.py, with a cache folder of its own as on separate machines) and nginx with
deploy/nginx/movie-booking.conf in front of them. The only edits to the files are the ones README asks a reader
to make: the app servers' addresses, nginx's listen address, and the install folder.

Needs Debian's nginx and redis-server and a PostgreSQL server (DATABASE_URL=postgres://..., a role with
CREATEDB). Without them the suite is skipped, except in CI (CI=true), where a missing one is an error.
"""
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from bench import topology

ROOT = topology.ROOT
APP_PORTS = [int(port) for port in os.environ.get("DEPLOY_TEST_APP_PORTS", "28101,28102").split(",")]
NGINX_PORT = int(os.environ.get("DEPLOY_TEST_NGINX_PORT", "28180"))
REDIS_PORT = int(os.environ.get("DEPLOY_TEST_REDIS_PORT", "26452"))
DATABASE_NAME = "movie_booking_deploy_test"
IN_CI = os.environ.get("CI", "").lower() == "true"
# The seeded shows: a 120-seat show for the flash sale, another for single bookings.
ROWS, SEATS_PER_ROW = 10, 12
BUYERS = 40
# The auth throttle of this deployment (per client IP). Small, so the throttle tests stay short.
THROTTLE_AUTH_PER_MINUTE = 6


def missing_requirements():
    missing = [f"{name} (apt-get install {name})" for name in ("nginx", "redis-server")
               if not topology.find_program(name)]
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        missing.append("a PostgreSQL server: DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:PORT/postgres "
                       "(a role with CREATEDB; .ci/throwaway-postgres.sh starts one)")
    return missing


def taken_ports():
    """This deployment's ports that something already listens on: another run's servers would answer in place of
    ones that cannot bind, and the suite would test them (a foreign Redis, tokens refused by a foreign app)."""
    def listened_on(port):
        with socket.socket() as probe:
            probe.settimeout(2)
            return probe.connect_ex(("127.0.0.1", port)) == 0

    return [port for port in [*APP_PORTS, NGINX_PORT, REDIS_PORT] if listened_on(port)]


@dataclass
class AppServer:
    port: int
    log: Path
    env: dict
    process: subprocess.Popen | None = None

    def launch(self):
        self.process = topology.launch_app_server(self.env, self.log)

    def wait_ready(self):
        topology.wait_app_server_ready(self.process, self.port, self.log)

    def stop(self):
        topology.stop(self.process)

    def served(self, marker):
        """How many requests whose access-log line holds `marker` (e.g. a User-Agent) this server answered.

        gunicorn writes a request's line after it has sent the answer, so the count is read until it has
        stood still for half a second (five at most): a client that has its answer may be ahead of the log.
        """
        count, steady_since, deadline = None, time.monotonic(), time.monotonic() + 5
        while time.monotonic() < deadline:
            now = sum(marker in line for line in self.log.read_text(errors="replace").splitlines())
            if now != count:
                count, steady_since = now, time.monotonic()
            elif time.monotonic() - steady_since >= 0.5:
                break
            time.sleep(0.05)
        return count


@dataclass
class Deployment:
    folder: Path
    database_url: str
    env: dict
    apps: list = field(default_factory=list)
    seed: dict = field(default_factory=dict)
    redis: subprocess.Popen | None = None
    nginx: subprocess.Popen | None = None
    nginx_port: int = NGINX_PORT
    auth_limit: int = THROTTLE_AUTH_PER_MINUTE

    def start_apps(self, servers=None):
        """Starts the app servers side by side (all of them by default) and waits until each answers."""
        servers = servers or self.apps
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()

    def stop_apps(self, servers=None):
        """Stops the app servers side by side, as `systemctl stop` does (SIGTERM: finish what is in flight)."""
        servers = [server for server in servers or self.apps if server.process and server.process.poll() is None]
        for server in servers:
            server.process.send_signal(signal.SIGTERM)
        for server in servers:
            topology.stop(server.process, signal_number=None)

    def manage(self, *args):
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    def start_redis(self):
        self.redis = topology.start_redis(self.folder, REDIS_PORT)

    def stop_redis(self):
        topology.stop(self.redis)

    def start_nginx(self):
        self.nginx = topology.start_nginx(self.folder, APP_PORTS, self.nginx_port)

    def stop_nginx(self):
        topology.stop_nginx(self.nginx)

    def client(self, source_ip="127.0.0.1", timeout=30):
        """A kept-alive HTTP client of nginx, connecting from `source_ip` (any address of 127.0.0.0/8)."""
        return Client(http.client.HTTPConnection("127.0.0.1", self.nginx_port, timeout=timeout,
                                                 source_address=(source_ip, 0)))

    def database(self):
        return psycopg.connect(postgres_dsn(self.database_url), autocommit=True)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


class Client:
    def __init__(self, connection):
        self.connection = connection

    def request(self, method, path, body=None, headers=None, token=None):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return Answer(response.status, response.headers, response.read())

    def get(self, path, **options):
        return self.request("GET", path, **options)

    def post(self, path, body=None, **options):
        return self.request("POST", path, body=body if body is not None else {}, **options)

    def close(self):
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def postgres_dsn(url):
    parts = urlsplit(url)
    return urlunsplit(("postgresql", *parts[1:]))


def with_database(url, name):
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def app_environment(database_url, folder):
    """The .env of every app server of this deployment (README's list), as real variables."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "DJANGO_SETTINGS_MODULE": "movie_booking.settings",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),  # the same on every app server: each checks the others' tokens
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "NUM_PROXIES": "1",
        # Plain HTTP on loopback: no HTTPS redirect, no HSTS, cookies without Secure. The proxy's HTTPS
        # header stays trusted, as behind a TLS-terminating nginx.
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "THROTTLE_AUTH": f"{THROTTLE_AUTH_PER_MINUTE}/minute",
        "THROTTLE_BOOKING": "60/minute",
        "DATA_UPLOAD_MAX_MEMORY_SIZE": "65536",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@pytest.fixture(scope="session")
def deployment():
    missing = missing_requirements()
    if missing:
        message = "the deployment suite needs " + "; ".join(missing)
        if IN_CI:
            pytest.fail(f"CI=true but {message}: .ci/run must provide them")
        pytest.skip(message)
    taken = taken_ports()
    if taken:
        pytest.fail(f"something already listens on 127.0.0.1 port {', '.join(map(str, taken))}: stop it, or choose "
                    "free ports with DEPLOY_TEST_APP_PORTS, DEPLOY_TEST_NGINX_PORT and DEPLOY_TEST_REDIS_PORT")

    folder = Path(tempfile.mkdtemp(prefix="movie-booking-deployment-"))
    folder.chmod(0o755)  # nginx's workers (user nobody) keep their buffers below it
    server_url = os.environ["DATABASE_URL"]
    with psycopg.connect(postgres_dsn(server_url), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE_NAME}")
    database_url = with_database(server_url, DATABASE_NAME)
    deployment = Deployment(folder=folder, database_url=database_url, env=app_environment(database_url, folder))
    try:
        deployment.start_redis()
        deployment.manage("migrate", "--noinput")
        deployment.manage("collectstatic", "--noinput", "-v", "0")
        seed_file = folder / "seed.json"
        subprocess.run([sys.executable, "-m", "bench.seed", "create", str(seed_file), "--movies", "2", "--shows",
                        "2", "--tickets", "0", "--users", str(BUYERS), "--flash-shows", "2", "--rows", str(ROWS),
                        "--seats-per-row", str(SEATS_PER_ROW)], cwd=ROOT, env=deployment.env, check=True,
                       stdout=subprocess.DEVNULL)
        deployment.seed = json.loads(seed_file.read_text())
        for port in APP_PORTS:
            # Each app server has a cache folder of its own, as on separate machines: only Redis is shared.
            env = {**deployment.env, "GUNICORN_BIND": f"127.0.0.1:{port}", "CACHE_DIR": str(folder / f"cache-{port}")}
            deployment.apps.append(AppServer(port=port, log=folder / f"app-{port}.log", env=env))
        deployment.start_apps()
        deployment.start_nginx()
        yield deployment
    finally:
        deployment.stop_nginx()
        deployment.stop_apps()
        deployment.stop_redis()
        with psycopg.connect(postgres_dsn(server_url), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
        keep_logs(folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def connect(deployment):
    """`connect(source_ip=...)`: a client of nginx, closed when the test ends, however it ends."""
    clients = []

    def make(**options):
        clients.append(deployment.client(**options))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def keep_logs(folder):
    """The servers' logs go to artifacts/deployment/ (git-ignored; CI keeps the folder)."""
    target = ROOT / "artifacts" / "deployment"
    target.mkdir(parents=True, exist_ok=True)
    for log in folder.glob("*.log"):
        shutil.copy(log, target / log.name)
