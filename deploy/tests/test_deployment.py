"""Through nginx in front of two app servers: one sale, one throttle, one seat map for the whole deployment."""
import http.client
import json
import random
import signal
import socket
import threading
import time
import uuid
from collections import Counter

import pytest


def seat_number(label, seats_per_row):
    """Seat label (rows A..Z here) to number, as movies.seating numbers them."""
    return (ord(label[0]) - ord("A")) * seats_per_row + int(label[1:])


def served_by_each(deployment, marker):
    return [server.served(marker) for server in deployment.apps]


def test_a_flash_sale_across_both_app_servers_sells_every_seat_exactly_once(deployment):
    show_id = deployment.seed["flash_show_ids"][0]
    tokens = deployment.seed["tokens"]
    capacity, seats_per_row = deployment.seed["seats"], deployment.seed["seats_per_row"]
    statuses = Counter()
    sold = []
    unexpected = []  # (status, body) of any other answer
    lock = threading.Lock()
    start = threading.Barrier(len(tokens))

    def buyer(index, token):
        # Each buyer is its own client (own address, own kept-alive connection), as real buyers are.
        client = deployment.client(source_ip=f"127.0.1.{index + 1}")
        rng = random.Random(index)
        believed_free = set(range(1, capacity + 1))
        refusals_in_a_row = 0
        start.wait()
        try:
            for _ in range(100):  # bounded: about 12 requests each are enough to sell 120 seats out
                if not believed_free or refusals_in_a_row >= 3:
                    seat_map = client.get(f"/api/shows/{show_id}/seats/").json()
                    if seat_map["available_seats"] == 0:
                        return
                    believed_free = {seat["number"] for row in seat_map["rows"] for seat in row["seats"]
                                     if seat["available"]}
                    refusals_in_a_row = 0
                wanted = rng.sample(sorted(believed_free), min(rng.randint(1, 4), len(believed_free)))
                answer = client.post(f"/api/shows/{show_id}/book/", {"seat_numbers": wanted}, token=token)
                with lock:
                    statuses[answer.status] += 1
                if answer.status == 201:
                    booked = [seat["number"] for seat in answer.json()["seats"]]
                    with lock:
                        sold.extend(booked)
                    believed_free.difference_update(booked)
                    refusals_in_a_row = 0
                elif answer.status == 409:
                    taken = answer.json()["seats"]
                    believed_free.difference_update(seat_number(label, seats_per_row) for label in taken)
                    refusals_in_a_row += 1
                elif answer.status == 400 and answer.json().get("code") == "buyer_limit":
                    return  # this buyer has as many seats of the show as one buyer may (MAX_SEATS_PER_BUYER)
                else:
                    with lock:
                        unexpected.append((answer.status, answer.body))
                    return
        finally:
            client.close()

    threads = [threading.Thread(target=buyer, args=(i, token)) for i, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert not unexpected, unexpected  # no 5xx, no 429, no 400 but a buyer at the buyer limit
    assert set(statuses) <= {201, 400, 409}, statuses
    assert sorted(sold) == list(range(1, capacity + 1))  # every seat sold, none to two buyers
    with deployment.database() as connection:
        live, distinct = connection.execute(
            "SELECT count(*), count(DISTINCT seat_number) FROM bookings_ticket WHERE show_id = %s AND is_active",
            [show_id]).fetchone()
        bookings = connection.execute("SELECT count(*) FROM bookings_booking WHERE show_id = %s",
                                      [show_id]).fetchone()[0]
    assert (live, distinct) == (capacity, capacity)
    assert bookings == statuses[201]
    # The buyers' requests landed on both app servers.
    assert all(count > 0 for count in served_by_each(deployment, f"POST /api/shows/{show_id}/book/"))


def test_a_booking_through_one_app_server_shows_on_the_seat_map_of_every_server_at_once(deployment, connect):
    show_id = deployment.seed["flash_show_ids"][1]
    token = deployment.seed["tokens"][0]
    capacity = deployment.seed["seats"]
    client = connect()
    assert client.get(f"/api/shows/{show_id}/seats/").json()["available_seats"] == capacity

    booked = client.post(f"/api/shows/{show_id}/book/", {"seat_numbers": ["A1", "A2"]}, token=token)
    assert booked.status == 201
    marker = f"after-booking-{uuid.uuid4()}"
    reads = [client.get(f"/api/shows/{show_id}/seats/", headers={"User-Agent": marker}).json() for _ in range(6)]

    assert all(read["available_seats"] == capacity - 2 for read in reads)
    assert all(not seat["available"] for read in reads for seat in read["rows"][0]["seats"][:2])
    assert all(count > 0 for count in served_by_each(deployment, marker))  # both servers answered reads

    cancelled = client.post(f"/api/bookings/{booked.json()['id']}/cancel/", token=token)
    assert cancelled.status == 200
    marker = f"after-cancel-{uuid.uuid4()}"
    reads = [client.get(f"/api/shows/{show_id}/seats/", headers={"User-Agent": marker}).json() for _ in range(6)]
    assert all(read["available_seats"] == capacity for read in reads)
    assert all(count > 0 for count in served_by_each(deployment, marker))


def test_a_seat_maps_etag_is_the_deployments_and_a_booking_changes_it_on_every_server(deployment, connect):
    show_id = deployment.seed["flash_show_ids"][1]
    token = deployment.seed["tokens"][1]
    client = connect()

    def read_six(etag):
        marker = f"etag-{uuid.uuid4()}"
        answers = [client.get(f"/api/shows/{show_id}/seats/", headers={"User-Agent": marker, "If-None-Match": etag})
                   for _ in range(6)]
        assert all(count > 0 for count in served_by_each(deployment, marker))  # both servers answered
        return answers

    etag = client.get(f"/api/shows/{show_id}/seats/").headers["ETag"]
    unchanged = read_six(etag)
    booked = client.post(f"/api/shows/{show_id}/book/", {"seat_numbers": ["B1"]}, token=token)
    changed = read_six(etag)
    new_etag = changed[0].headers["ETag"]
    again = read_six(new_etag)

    assert [(answer.status, answer.headers["ETag"], answer.body) for answer in unchanged] == [(304, etag, b"")] * 6
    assert booked.status == 201
    assert [(answer.status, answer.headers["ETag"]) for answer in changed] == [(200, new_etag)] * 6  # both servers
    assert new_etag != etag
    assert [answer.status for answer in again] == [304] * 6
    assert client.post(f"/api/bookings/{booked.json()['id']}/cancel/", token=token).status == 200


def test_the_auth_throttle_is_the_deployments_limit_not_each_servers(deployment, connect):
    # Invalid signups cost no password hashing; each one still counts against the client's address.
    client = connect(source_ip="127.0.0.2")
    marker = f"throttle-{uuid.uuid4()}"
    allowed = [client.post("/api/auth/signup/", {}, headers={"User-Agent": marker}).status
               for _ in range(deployment.auth_limit)]
    refused = client.post("/api/auth/signup/", {}, headers={"User-Agent": marker})

    assert allowed == [400] * deployment.auth_limit
    assert all(count > 0 for count in served_by_each(deployment, marker))  # the limit spans both servers
    assert refused.status == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused.headers["Retry-After"]) > 0


def test_throttles_see_the_real_client_address_and_ignore_a_forged_forwarded_for(deployment, connect):
    throttled = connect(source_ip="127.0.0.3")
    for _ in range(deployment.auth_limit):
        assert throttled.post("/api/auth/signup/", {}).status == 400

    # The throttled client cannot escape by claiming another address...
    for forged in ("127.0.0.99", "203.0.113.7", "127.0.0.3, 198.51.100.1"):
        assert throttled.post("/api/auth/signup/", {}, headers={"X-Forwarded-For": forged}).status == 429
    # ...and another client is neither throttled by it nor able to borrow its address.
    other = connect(source_ip="127.0.0.4")
    assert other.post("/api/auth/signup/", {}).status == 400
    assert other.post("/api/auth/signup/", {}, headers={"X-Forwarded-For": "127.0.0.3"}).status == 400


def test_links_carry_the_scheme_nginx_saw_not_a_forged_one(deployment, connect):
    client = connect()
    page = client.get("/api/movies/?page_size=1", headers={"X-Forwarded-Proto": "https"}).json()

    assert page["next"].startswith(f"http://127.0.0.1:{deployment.nginx_port}/api/movies/")


def test_fifty_slowloris_sockets_do_not_stop_the_api_answering_through_nginx(deployment, connect):
    slow = []
    try:
        for index in range(50):
            sock = socket.create_connection(("127.0.0.1", deployment.nginx_port), timeout=10)
            if index % 2:  # half the header, then nothing
                sock.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            else:  # a whole header announcing a body, then a few bytes of it
                sock.sendall(b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                             b"\r\nContent-Length: 1000\r\n\r\n{\"user")
            slow.append(sock)

        for _ in range(10):
            client = connect(timeout=10)
            answer = client.get("/api/health/")
            assert (answer.status, answer.json()) == (200, {"status": "ok", "database": "ok", "cache": "ok"})
    finally:
        for sock in slow:
            sock.close()


def raw_request(deployment, data, port=None):
    """Sends bytes as they are (to nginx, or to `port`) and reads the answer: status, headers, body."""
    with socket.create_connection(("127.0.0.1", port or deployment.nginx_port), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(65536) or pytest.fail(f"nginx closed the connection after {received!r}")
        head, _, body = received.partition(b"\r\n\r\n")
        headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
        while len(body) < int(headers[b"Content-Length"]):
            body += sock.recv(65536) or pytest.fail(f"nginx closed the connection after {received + body!r}")
    return int(head.split(b" ", 2)[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        pytest.param(b"GET /api/health/ HTTP/1.1\r\n\r\n", 400, "bad_request", id="400-no-host"),
        pytest.param(b"HELLO\r\n\r\n", 400, "bad_request", id="400-garbage"),
        pytest.param(b"GET /_errors/400.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 404,
                     "not_found", id="404-internal-location"),
        pytest.param(b"TRACE /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405, "method_not_allowed",
                     id="405-trace"),
        pytest.param(b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 65537\r\n\r\n", 413, "request_too_large", id="413-body"),
        pytest.param(b"GET /api/movies/?search=" + b"x" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414,
                     "uri_too_long", id="414-uri"),
        pytest.param(b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"y" * 5000 + b"\r\n\r\n", 431,
                     "headers_too_large", id="431-header"),
        pytest.param(b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
                     "not_implemented", id="501-transfer-encoding"),
        pytest.param(b"GET /api/health/ HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505, "http_version_not_supported",
                     id="505-version"),
        # nginx passes these on; gunicorn refuses them before Django sees them (deploy/gunicorn.conf.py).
        pytest.param(b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Junk: a\x01b\r\n\r\n", 400, "bad_request",
                     id="400-control-byte-in-a-header"),
        pytest.param(b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: a\r\nContent-Type: b\r\n\r\n",
                     400, "bad_request", id="400-two-content-types"),
        pytest.param(b"GET /api/movies/?search=\xc3\xa9 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, "bad_request",
                     id="400-raw-utf8-in-the-url"),
    ],
)
def test_malformed_requests_get_json_errors_from_nginx_or_the_app_server(deployment, request_bytes, status, code):
    answered, headers, body = raw_request(deployment, request_bytes)

    assert answered == status
    assert headers[b"Content-Type"] == b"application/json"
    assert json.loads(body)["code"] == code


def test_an_app_server_reached_directly_refuses_an_oversized_request_in_json_too(deployment):
    answered, headers, body = raw_request(
        deployment, b"GET /api/movies/?search=" + b"x" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        port=deployment.apps[0].port)

    assert answered == 414
    assert headers[b"Content-Type"] == b"application/json"
    assert json.loads(body)["code"] == "uri_too_long"


def test_bodies_and_headers_within_nginxs_limits_reach_the_app_and_get_its_json(deployment, connect):
    client = connect(source_ip="127.0.0.5")
    # Exactly DATA_UPLOAD_MAX_MEMORY_SIZE: past nginx, refused by the app as the junk it is.
    at_limit = client.request("POST", "/api/auth/login/", body=b"x" * 65536,
                              headers={"Content-Type": "application/json"})
    # More header fields than gunicorn's default limit of 100, each small.
    many_headers = client.get("/api/health/", headers={f"X-Field-{i}": "v" for i in range(300)})

    assert (at_limit.status, at_limit.json()["code"]) == (400, "parse_error")
    assert many_headers.status == 200


def test_static_files_pass_through_to_whitenoise_compressed_and_cached_for_good(deployment, connect):
    client = connect()
    page = client.get("/swagger/")
    assert page.status == 200
    script = next(part.split('"')[0] for part in page.body.decode().split('src="')[1:]
                  if part.startswith("/static/") and ".js" in part.split('"')[0])

    asset = client.get(script, headers={"Accept-Encoding": "gzip"})

    assert asset.status == 200
    assert asset.headers["Content-Encoding"] == "gzip"
    assert "immutable" in asset.headers["Cache-Control"]


def test_with_one_app_server_down_every_request_is_answered_by_the_other(deployment, connect):
    down, up = deployment.apps
    down.stop()
    try:
        client = connect(source_ip="127.0.0.6")
        marker = f"one-down-{uuid.uuid4()}"
        answers = [client.get("/api/health/", headers={"User-Agent": marker}).status for _ in range(4)]
        answers += [client.post("/api/auth/signup/", {}, headers={"User-Agent": marker}).status for _ in range(2)]

        assert answers == [200] * 4 + [400] * 2
        assert up.served(marker) == 6
    finally:
        deployment.start_apps([down])


def test_with_every_app_server_down_nginx_answers_json_502(deployment, connect):
    deployment.stop_apps()
    try:
        client = connect()
        answer = client.get("/api/movies/")

        assert answer.status == 502
        assert answer.json() == {"detail": "No app server answered. Try again shortly.", "code": "bad_gateway"}
        assert answer.headers["Retry-After"] == "5"
    finally:
        deployment.start_apps()


def test_with_redis_down_throttled_requests_are_counted_by_each_server_and_health_says_so(deployment, connect):
    deployment.stop_redis()
    try:
        client = connect(source_ip="127.0.0.7")
        # Past the throttle, an empty signup is a 400: counted in the server's memory, not refused for the cache.
        throttled = [client.post("/api/auth/signup/", {}).status for _ in range(deployment.auth_limit)]
        health = client.get("/api/health/")

        assert throttled == [400] * deployment.auth_limit
        assert (health.status, health.json()) == (200, {"status": "ok", "database": "ok", "cache": "unavailable"})
    finally:
        restart_redis(deployment)


def restart_redis(deployment):
    """Start Redis again, and wait until every worker of every app server uses it (each left it alone for
    CACHE_RETRY_SECONDS after it failed), so the tests after see the deployment's shared counts."""
    deployment.start_redis()
    deadline = time.monotonic() + 30
    for server in deployment.apps:
        ok_in_a_row = 0
        while ok_in_a_row < 8:  # two workers each: eight answers in a row say each of them is back
            assert time.monotonic() < deadline, f"the app server on {server.port} never used Redis again"
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                connection.request("GET", "/api/health/")
                back = json.loads(connection.getresponse().read())["cache"] == "ok"
            finally:
                connection.close()
            ok_in_a_row = ok_in_a_row + 1 if back else 0
            if not back:
                time.sleep(0.2)


# What one answer through nginx may take while Redis hangs: the 50 ms Redis timeout once per worker and breaker
# period, and the request's own work on a loaded machine; a Redis timeout of 2 s per request was the old cost.
QUICK_THROUGH_NGINX = 1.0


def test_a_paused_then_killed_redis_costs_no_5xx_and_no_slow_answer_while_reads_and_bookings_go_on(deployment):
    show_id = deployment.seed["hold_show_id"]
    tokens = deployment.seed["tokens"][-4:]
    seat_map = f"/api/shows/{show_id}/seats/"
    reads = [seat_map, f"/api/shows/{show_id}/", "/api/movies/", "/api/health/"]
    phase = ["redis up"]
    # (phase the request was sent in, what, status, seconds, cache state of a health answer, when it came back)
    answers = []
    seats = iter(range(1, deployment.seed["seats"] + 1))
    bookings_per_phase = 12
    booked_in = Counter()  # bookings sent in each phase
    lock = threading.Lock()
    stop = threading.Event()

    def load(index):
        client = deployment.client(source_ip=f"127.0.2.{index + 1}", timeout=30)
        try:
            while not stop.is_set():
                for path in reads:
                    sent_in, started = phase[0], time.monotonic()
                    answer = client.get(path)
                    cache = answer.json().get("cache") if path == "/api/health/" else None
                    finished = time.monotonic()
                    with lock:
                        answers.append((sent_in, path, answer.status, finished - started, cache, finished))
                with lock:
                    sent_in = phase[0]
                    seat = next(seats) if booked_in[sent_in] < bookings_per_phase else None
                    booked_in[sent_in] += seat is not None
                if seat is not None:
                    started = time.monotonic()
                    answer = client.post(f"/api/shows/{show_id}/book/", {"seat_numbers": [seat]}, token=tokens[index])
                    finished = time.monotonic()
                    with lock:
                        answers.append((sent_in, "book", answer.status, finished - started, None, finished))
                time.sleep(0.02)
        finally:
            client.close()

    threads = [threading.Thread(target=load, args=(index,)) for index in range(len(tokens))]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        paused_at = time.monotonic()
        deployment.redis.send_signal(signal.SIGSTOP)  # holds its connections and answers nothing, as a hung one
        phase[0] = "redis paused"
        time.sleep(4)
        deployment.redis.kill()
        deployment.redis.wait(timeout=10)
        phase[0] = "redis killed"
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        if deployment.redis.poll() is None:  # a failure before the kill: let it go, to start it afresh
            deployment.redis.send_signal(signal.SIGCONT)
            deployment.redis.kill()
            deployment.redis.wait(timeout=10)
        restart_redis(deployment)

    assert not any(thread.is_alive() for thread in threads)
    by_phase = {name: Counter((what, status) for p, what, status, *_ in answers if p == name)
                for name in ("redis up", "redis paused", "redis killed")}
    assert [answer for answer in answers if answer[2] >= 500] == []
    assert {status for _, what, status, *_ in answers if what != "book"} == {200}
    for name, counted in by_phase.items():
        assert counted[("book", 201)] == bookings_per_phase, (name, counted)
        assert counted[(seat_map, 200)] > 10, (name, counted)
    slow = [answer for answer in answers if answer[3] >= QUICK_THROUGH_NGINX]
    assert slow == []
    # A health check sent while Redis was up may come back after the pause began: it belongs to neither phase.
    health = {name: Counter(cache for p, what, _, _, cache, finished in answers
                            if p == name and what == "/api/health/" and not (p == "redis up" and finished >= paused_at))
              for name in by_phase}
    assert set(health["redis up"]) == {"ok"}, health
    assert set(health["redis paused"]) == set(health["redis killed"]) == {"unavailable"}, health
    with deployment.database() as connection:
        sold = connection.execute("SELECT count(*), count(DISTINCT seat_number) FROM bookings_ticket "
                                  "WHERE show_id = %s AND is_active", [show_id]).fetchone()
    assert sold == (3 * bookings_per_phase, 3 * bookings_per_phase)
