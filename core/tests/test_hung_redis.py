"""A shared cache that hangs (a paused Redis) or is gone (a killed one) degrades the API, never stops it.

A real gunicorn (deploy/gunicorn.conf.py) with REDIS_URL on a redis-server of the test's own, which the test pauses
with SIGSTOP and kills: reads, bookings and logins keep answering fast, never 5xx; health says the cache is
unavailable and then, once Redis is back, ok; throttles keep limiting, counted in the process meanwhile.
"""
import http.client
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import override_settings
from rest_framework.test import APIClient

from bookings.tests.test_races import run_at_once
from conftest import access_token
from core.cache import using_shared_cache
from core.tests.test_throttling import within_one_window
from core.throttling import COUNTS_WHILE_THE_CACHE_IS_DOWN
from movies.tests.factories import MovieFactory, ShowFactory
from users.tests.factories import PASSWORD, UserFactory

DEPLOYED_CONFIG = "deploy/gunicorn.conf.py"
# What one request may take while the cache hangs: the 50 ms Redis timeout at most, and the request's own work
# (a login's password hash besides: it is measured with Redis up, as it costs as much either way).
QUICK = 0.5
# Below django-axes' lockout (5 failures), so every 429 is the throttle's.
LOGINS_PER_HOUR = 3


def call(url, method, path, body=None, token=None):
    """(status, parsed JSON, seconds taken) of one request on a connection of its own."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        content = response.read()
        return response.status, json.loads(content or b"null"), time.monotonic() - started
    finally:
        connection.close()


@pytest.fixture
def served_with_redis(gunicorn, pausable_redis):
    """A show, a buyer, and a gunicorn of two threads whose shared cache is `pausable_redis`."""
    show = ShowFactory()
    MovieFactory.create_batch(3)
    buyer = UserFactory()
    # The server has no MD5 hasher; a salt of its own making, so no login rehashes it (and revokes the tokens).
    hasher = PBKDF2PasswordHasher()
    buyer.password = hasher.encode(PASSWORD, hasher.salt())
    buyer.save(update_fields=["password"])
    url = gunicorn(config_file=DEPLOYED_CONFIG, REDIS_URL=pausable_redis.url, GUNICORN_THREADS="4",
                   CACHE_RETRY_SECONDS="1", THROTTLE_AUTH=f"{LOGINS_PER_HOUR}/hour", THROTTLE_BOOKING="60/minute")
    return url, show, buyer


def login_seconds(url, buyer):
    """What a login takes with the cache answering: the password hash, which no cache outage changes."""
    status, _, seconds = call(url, "POST", "/api/auth/login/", {"username": buyer.username, "password": PASSWORD})
    assert status == 200
    return seconds


def reads_bookings_and_logins(url, show, buyer, seat):
    """Each kind of request once: {what: (status, seconds)}."""
    answers = {
        "movies": call(url, "GET", "/api/movies/?search=&page=1"),
        "show": call(url, "GET", f"/api/shows/{show.pk}/"),
        "seat map": call(url, "GET", f"/api/shows/{show.pk}/seats/"),
        "book": call(url, "POST", f"/api/shows/{show.pk}/book/", {"seat_number": seat}, token=access_token(buyer)),
        "login": call(url, "POST", "/api/auth/login/", {"username": buyer.username, "password": PASSWORD}),
    }
    return {what: (status, round(seconds, 3)) for what, (status, _, seconds) in answers.items()}


def too_slow(answers, hashing):
    """The answers that took longer than QUICK (a login: QUICK past `hashing`, its password hash's time)."""
    return {what: (status, took) for what, (status, took) in answers.items()
            if took >= QUICK + (hashing if what == "login" else 0)}


def parallel_reads(url, show, count=12):
    """`count` reads at once; (their statuses, seconds until the last answered)."""
    paths = [f"/api/shows/{show.pk}/seats/", "/api/movies/", f"/api/shows/{show.pk}/"] * (count // 3)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=count) as pool:
        answers = list(pool.map(lambda path: call(url, "GET", path), paths))
    return Counter(status for status, _, _ in answers), time.monotonic() - started


def wait_for_health(url, cache_state, seconds=5):
    deadline = time.monotonic() + seconds
    while True:
        status, body, _ = call(url, "GET", "/api/health/")
        if body["cache"] == cache_state or time.monotonic() > deadline:
            return status, body
        time.sleep(0.1)


def assert_everything_answers_quickly(url, show, buyer, *, seat, hashing):
    """With the shared cache gone: each kind of request answers, none slower than QUICK, 12 reads at once too,
    and health says the cache is unavailable while the database is ok."""
    answers = reads_bookings_and_logins(url, show, buyer, seat=seat)
    statuses, seconds = parallel_reads(url, show)
    health_status, health = wait_for_health(url, "unavailable")

    assert {what: status for what, (status, _) in answers.items()} == {
        "movies": 200, "show": 200, "seat map": 200, "book": 201, "login": 200}, answers
    assert too_slow(answers, hashing) == {}, (answers, hashing)
    assert statuses == {200: 12}
    assert seconds < 1.5, seconds
    assert (health_status, health) == (200, {"status": "ok", "database": "ok", "cache": "unavailable"})


def test_a_paused_redis_costs_no_request_more_than_a_timeout_and_a_booking_made_meanwhile_shows_after(
        served_with_redis, pausable_redis):
    url, show, buyer = served_with_redis
    seat_map = f"/api/shows/{show.pk}/seats/"
    call(url, "GET", seat_map)  # cached, seat 1 free, before Redis hangs
    hashing = login_seconds(url, buyer)
    pausable_redis.pause()

    assert_everything_answers_quickly(url, show, buyer, seat=1, hashing=hashing)

    pausable_redis.resume()
    health_status, health = wait_for_health(url, "ok")
    _, seat_map_after, _ = call(url, "GET", seat_map)

    assert (health_status, health["cache"]) == (200, "ok")
    # The booking's version bump, lost while Redis hung, was made once it answered: the map cached before is gone.
    assert seat_map_after["rows"][0]["seats"][0]["available"] is False


def test_a_killed_redis_leaves_reads_bookings_and_logins_answering(served_with_redis, pausable_redis):
    url, show, buyer = served_with_redis
    call(url, "GET", f"/api/shows/{show.pk}/seats/")
    hashing = login_seconds(url, buyer)
    pausable_redis.kill()

    assert_everything_answers_quickly(url, show, buyer, seat=2, hashing=hashing)


def test_logins_stay_limited_while_redis_hangs(served_with_redis, pausable_redis):
    url, _, buyer = served_with_redis
    pausable_redis.pause()

    def burst():
        return Counter(call(url, "POST", "/api/auth/login/", {"username": buyer.username, "password": "wrong"})[0]
                       for _ in range(LOGINS_PER_HOUR + 3))

    # A burst run again (an hour ended in it) is counted in the new hour's window.
    statuses = within_one_window(burst)

    assert statuses == {401: LOGINS_PER_HOUR, 429: 3}


@override_settings(THROTTLE_AUTH="10/hour")
def test_parallel_logins_while_redis_hangs_pass_exactly_the_limit_of_the_process(pausable_redis, transactional_db):
    pausable_redis.pause()
    hung = {"default": {"BACKEND": "core.cache_backends.RedisCache", "LOCATION": pausable_redis.url,
                        "OPTIONS": {"socket_connect_timeout": 0.05, "socket_timeout": 0.05}}}
    clients = [APIClient() for _ in range(30)]

    def burst():
        COUNTS_WHILE_THE_CACHE_IS_DOWN.clear()
        with override_settings(CACHES=hung):
            answers = run_at_once(len(clients), lambda i: clients[i].post("/api/auth/login/", {}, format="json"))
        return Counter(answer.status_code for answer in answers)

    assert within_one_window(burst) == {400: 10, 429: 20}  # 400: past the throttle, a body without fields


@override_settings(CACHE_RETRY_SECONDS=1)
def test_after_a_failure_the_shared_cache_is_left_alone_then_tried_again_by_one_request():
    tries = []

    def refused():
        tries.append(time.monotonic())
        raise redis.ConnectionError("Connection refused")

    def use(operation=refused):
        return using_shared_cache(operation, fallback=lambda: "from the database")

    first = use()
    meanwhile = [use() for _ in range(50)]
    tried_meanwhile = len(tries)
    time.sleep(1.05)
    at_once = run_at_once(8, lambda i: use())
    time.sleep(1.05)
    back = [use(lambda: "from the cache") for _ in range(3)]

    assert first == "from the database"
    assert set(meanwhile) == {"from the database"}
    assert tried_meanwhile == 1
    assert set(at_once) == {"from the database"}
    assert len(tries) == 2  # of eight requests at once, one tried the cache again
    assert back == ["from the cache"] * 3
