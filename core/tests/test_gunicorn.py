"""What only a real server shows: chunked request bodies, throttles shared by several worker processes, and which
proxy headers deploy/gunicorn.conf.py believes."""
import http.client
import io
import json
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit
from wsgiref.handlers import SimpleHandler

from django.contrib.auth import get_user_model

from bookings.models import Booking
from bookings.tests.test_races import run_at_once
from conftest import access_token
from core.cache_backends import SQLiteCache
from movie_booking.wsgi import application
from movies.tests.factories import MovieFactory, ShowFactory
from users.tests.factories import UserFactory


def post(url, path, body, headers=()):
    """POST `body` (bytes, or an iterable of byte chunks, which http.client sends chunked) and answer
    (status, headers, parsed JSON)."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **dict(headers)})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read() or b"null")
    finally:
        connection.close()


def get(url, path, headers=()):
    """GET `path` and answer (status, parsed JSON)."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.request("GET", path, headers=dict(headers))
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def test_a_chunked_body_is_read_as_sent(gunicorn):
    url = gunicorn()
    show = ShowFactory()
    user = UserFactory()

    status, _, body = post(url, f"/api/shows/{show.pk}/book/", iter([b'{"seat_', b'number": 5}']),
                           {"Authorization": f"Bearer {access_token(user)}"})

    assert status == 201, body
    assert body["seats"][0]["number"] == 5
    assert Booking.objects.get().tickets.get().seat_number == 5


def test_a_chunked_body_past_the_size_limit_is_413_and_writes_nothing(gunicorn):
    url = gunicorn(DATA_UPLOAD_MAX_MEMORY_SIZE="1000")
    chunks = [b'{"username": "big", "email": "big@example.com", "password": "', b"x" * 2000, b'"}']

    status, _, body = post(url, "/api/auth/signup/", iter(chunks))

    assert status == 413, body
    assert body["code"] == "request_too_large"
    assert not get_user_model().objects.exists()


def test_a_server_that_passes_the_chunks_on_gets_a_json_411():
    """Django's runserver does not decode chunks (no `wsgi.input_terminated`): the body cannot be read safely.
    The request goes through wsgiref's handler, the one runserver is built on, as runserver would pass it on."""
    raw_chunks = b'a\r\n{"a": "b"}\r\n0\r\n\r\n'
    environ = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/api/auth/login/", "QUERY_STRING": "",
               "SERVER_NAME": "localhost", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_HOST": "localhost", "HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_TYPE": "application/json"}
    written = io.BytesIO()

    SimpleHandler(io.BytesIO(raw_chunks), written, io.StringIO(), environ).run(application)

    head, _, body = written.getvalue().partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].endswith(b" 411 Length Required"), head
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["code"] == "length_required"


HOUR = 3600


def test_four_workers_share_one_atomic_count(gunicorn, tmp_path):
    """40 logins at once from one IP, served by 4 worker processes sharing the SQLite-file cache: exactly 10 pass."""
    url = gunicorn(workers=4, THROTTLE_AUTH="10/hour")
    cache = SQLiteCache(str(Path(tmp_path) / "cache" / "cache.sqlite3"), {})

    for _ in range(3):  # again if the hour ended during the burst (each window counts apart)
        window = time.time() // HOUR
        cache.clear()
        answers = run_at_once(40, lambda i: post(url, "/api/auth/login/", b"{}"))
        if time.time() // HOUR == window:
            break

    statuses = Counter(status for status, _, _ in answers)
    assert statuses == {400: 10, 429: 30}, statuses  # 400: past the throttle, a body without fields


DEPLOYED_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def test_the_deployed_gunicorn_believes_no_forwarded_proto_and_leaves_https_to_the_apps_setting(gunicorn):
    """README: `X-Forwarded-Proto` is believed only with SECURE_PROXY_SSL_HEADER set. gunicorn would believe it on
    its own from 127.0.0.1 (its default `forwarded_allow_ips`), where nginx or any local client connects from."""
    MovieFactory.create_batch(2)
    plain = gunicorn(config_file=DEPLOYED_CONFIG)
    behind_tls_proxy = gunicorn(config_file=DEPLOYED_CONFIG, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")
    forged = {"X-Forwarded-Proto": "https"}

    plain_status, plain_page = get(plain, "/api/movies/?page_size=1", forged)
    proxied_status, proxied_page = get(behind_tls_proxy, "/api/movies/?page_size=1", forged)
    # nginx sets X-Forwarded-Proto from its own scheme and passes a client's X-Forwarded-Ssl on: a scheme header
    # gunicorn trusted would contradict it, and gunicorn would refuse the request.
    contradicting_status, _ = get(plain, "/api/movies/", {"X-Forwarded-Proto": "http", "X-Forwarded-Ssl": "on"})

    assert (plain_status, proxied_status) == (200, 200)
    assert plain_page["next"].startswith(f"{plain}/api/movies/")
    assert proxied_page["next"].startswith(f"https://{urlsplit(behind_tls_proxy).netloc}/api/movies/")
    assert contradicting_status == 200
