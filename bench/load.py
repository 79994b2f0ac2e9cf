"""The load generator: many HTTP clients in one asyncio process (one core at most, so the server keeps the rest).

Six scenarios:
- `flash_sale`: many buyers, each asking for 1-4 random seats of one show until it is sold out.
- `best_sale`: the same with seats chosen for the buyer: each asks for the best 1-4 seats together (`count`).
- `hold_sale`: the same, in two steps: hold, then confirm; a share of the holds is abandoned, and their seats
  must come back (when the hold expires) and be sold again before the show is sold out.
- `paid_sale`: the hold sale with PAYMENT_PROVIDER=stripe: each hold is paid at Stripe (localstripe) and confirmed
  by Stripe's webhook; a share of the payments arrives after its hold died, to be confirmed or refunded.
- `hammer`: many buyers asking for the same single seat at the same instant.
- `read_load`: a fixed number of clients looping GETs on one URL for a fixed time (used where wrk is absent),
  or, for read-cache misses, on a URL of its own each time (`fresh_urls`, as bench/fresh_urls.lua does for wrk).

Every loop is bounded in requests and in time, and every target is a loopback address.
"""
import asyncio
import random
import string
import time
from collections import Counter
from datetime import datetime

import aiohttp

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)


def percentile(values, fraction):
    """Nearest-rank percentile of `values` (not empty), e.g. fraction=0.99."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))]


def latency_summary(seconds):
    if not seconds:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    return {f"p{int(f * 100)}_ms": percentile(seconds, f) * 1000 for f in (0.50, 0.95, 0.99)} | {
        "max_ms": max(seconds) * 1000}


def seat_number(label, seats_per_row):
    """The number of a seat label such as "C7" (rows A..Z, AA..; see movies.seating)."""
    letters = label.rstrip(string.digits)
    row = 0
    for letter in letters:
        row = row * 26 + string.ascii_uppercase.index(letter) + 1
    return (row - 1) * seats_per_row + int(label[len(letters):])


async def run_together(buyer, tokens, start_gate):
    """Start `buyer(index, token)` for every token, open the gate once all wait at it; (started, finished)."""
    tasks = [asyncio.create_task(buyer(i, token)) for i, token in enumerate(tokens)]
    await asyncio.sleep(0.2)  # every buyer is waiting at the gate
    started = time.perf_counter()
    start_gate.set()
    await asyncio.gather(*tasks)
    return started, time.perf_counter()


async def post_timed(session, url, body, headers, errors):
    """POST `body` as JSON: (status, the answer's JSON, sent, received), or None after a connection error or a
    timeout, counted in `errors` by its type (the buyer waits 50 ms before its next try)."""
    sent = time.perf_counter()
    try:
        async with session.post(url, json=body, headers=headers) as response:
            answer = await response.json(content_type=None)
            return response.status, answer, sent, time.perf_counter()
    except (aiohttp.ClientError, TimeoutError) as error:
        errors[type(error).__name__] += 1
        await asyncio.sleep(0.05)
        return None


def new_session():
    # No connection cap: each client gets its own (kept-alive) connection, as separate buyers would.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=REQUEST_TIMEOUT)


async def flash_sale(base_url, *, show_id, tokens, seats, seats_per_row, max_conflicts=3, time_limit=120.0,
                     max_requests_per_client=400, seed=7):
    """Sell one show out with len(tokens) concurrent buyers; returns what every response said.

    A buyer starts believing every seat free, asks for 1-4 of the seats it believes free, and learns from
    each answer (a 409 names the taken seats). After `max_conflicts` 409s in a row, or when it believes
    nothing is left, it reads the seat map; it stops when the seat map says 0 seats are available.
    """
    url = f"{base_url}/api/shows/{show_id}/book/"
    seat_map_url = f"{base_url}/api/shows/{show_id}/seats/"
    statuses = Counter()
    latencies = []
    sold = []  # seat numbers named by every 201, in order
    seat_map_reads = 0
    errors = Counter()
    last_sale = None
    last_answer = None
    start_gate = asyncio.Event()

    async with new_session() as session:
        async def buyer(index, token):
            nonlocal seat_map_reads, last_sale, last_answer
            rng = random.Random(seed * 100_003 + index)
            headers = {"Authorization": f"Bearer {token}"}
            believed_free = set(range(1, seats + 1))
            conflicts = 0
            await start_gate.wait()
            opened = time.perf_counter()
            for _ in range(max_requests_per_client):
                if time.perf_counter() - opened > time_limit:
                    errors["time limit"] += 1
                    return
                if not believed_free or conflicts >= max_conflicts:
                    try:
                        async with session.get(seat_map_url) as response:
                            seat_map = await response.json()
                    except (aiohttp.ClientError, TimeoutError) as error:
                        errors[type(error).__name__] += 1
                        await asyncio.sleep(0.05)
                        continue
                    seat_map_reads += 1
                    if seat_map["available_seats"] == 0:
                        return
                    believed_free = {seat["number"] for row in seat_map["rows"] for seat in row["seats"]
                                     if seat["available"]}
                    conflicts = 0
                wanted = rng.sample(sorted(believed_free), min(rng.randint(1, 4), len(believed_free)))
                answer = await post_timed(session, url, {"seat_numbers": wanted}, headers, errors)
                if answer is None:
                    continue
                status, body, sent, received = answer
                latencies.append(received - sent)
                statuses[status] += 1
                last_answer = received
                if status == 201:
                    booked = [seat["number"] for seat in body["seats"]]
                    sold.extend(booked)
                    believed_free.difference_update(booked)
                    last_sale = received
                    conflicts = 0
                elif status == 409:
                    believed_free.difference_update(seat_number(label, seats_per_row) for label in body["seats"])
                    conflicts += 1
                else:
                    await asyncio.sleep(0.05)
            errors["request limit"] += 1

        started, finished = await run_together(buyer, tokens, start_gate)

    return booking_sale_summary(tokens, statuses, errors, sold, latencies, started=started, finished=finished,
                                last_sale=last_sale, last_answer=last_answer, seat_map_reads=seat_map_reads)


def booking_sale_summary(tokens, statuses, errors, sold, latencies, *, started, finished, last_sale, last_answer,
                         **figures):
    """What a sale of bookings reports, with `figures` of its own kind."""
    requests = sum(statuses.values())
    sell_out = (last_sale - started) if last_sale else None
    answering = (last_answer - started) if last_answer else None
    return {
        "clients": len(tokens),
        "sell_out_s": sell_out,
        "all_clients_done_s": finished - started,
        "booking_requests": requests,
        "bookings": statuses[201],
        "bookings_per_s": statuses[201] / sell_out if sell_out else 0.0,
        # Every booking request, 201s and 409s alike, over the time the buyers kept asking.
        "booking_requests_per_s": requests / answering if answering else 0.0,
        **figures,
        "statuses": dict(sorted(statuses.items())),
        "server_errors": sum(n for status, n in statuses.items() if status >= 500),
        "client_errors": dict(errors),
        "seats_sold_by_responses": sold,
        **latency_summary(latencies),
    }


async def best_sale(base_url, *, show_id, tokens, time_limit=120.0, max_requests_per_client=400, seed=7):
    """Sell one show out with len(tokens) concurrent buyers asking for the best 1-4 seats together.

    The server chooses under the show's lock, so no two buyers ever ask for the same seats: the only 409 is
    `no_seats_together`, and a buyer stops when it says no seat is left (`available_seats: 0`). Asked for more
    seats together than any block left, a buyer asks for one fewer next time; those refusals are counted apart.
    """
    url = f"{base_url}/api/shows/{show_id}/book/"
    statuses = Counter()
    refusals = Counter()  # the 409s by code, and no_seats_together while seats were still free
    latencies = []
    sold = []
    errors = Counter()
    last_sale = None
    last_answer = None
    start_gate = asyncio.Event()

    async with new_session() as session:
        async def buyer(index, token):
            nonlocal last_sale, last_answer
            rng = random.Random(seed * 100_003 + index)
            headers = {"Authorization": f"Bearer {token}"}
            count = rng.randint(1, 4)
            await start_gate.wait()
            opened = time.perf_counter()
            for _ in range(max_requests_per_client):
                if time.perf_counter() - opened > time_limit:
                    errors["time limit"] += 1
                    return
                answer = await post_timed(session, url, {"count": count}, headers, errors)
                if answer is None:
                    continue
                status, body, sent, received = answer
                latencies.append(received - sent)
                statuses[status] += 1
                last_answer = received
                if status == 201:
                    sold.extend(seat["number"] for seat in body["seats"])
                    last_sale = received
                    count = rng.randint(1, 4)
                elif status == 409:
                    refusals[body.get("code")] += 1
                    if body.get("code") != "no_seats_together" or body["available_seats"] == 0:
                        return
                    refusals["no_seats_together while seats were free"] += 1
                    count = max(1, count - 1)
                elif status == 400 and body.get("code") == "buyer_limit":
                    return  # this buyer has as many seats as one buyer may have
                else:
                    await asyncio.sleep(0.05)
            errors["request limit"] += 1

        started, finished = await run_together(buyer, tokens, start_gate)

    return booking_sale_summary(tokens, statuses, errors, sold, latencies, started=started, finished=finished,
                                last_sale=last_sale, last_answer=last_answer, refusals=dict(refusals))


async def hold_sale(base_url, *, show_id, tokens, seats, seats_per_row, abandon_share=0.25, time_limit=300.0,
                    max_requests_per_client=600, seed=11):
    """Sell one show out through holds: each buyer holds 1-4 seats it believes free, then confirms, or (with
    probability `abandon_share`) walks away from the hold. Buyers stop when every seat is confirmed.

    A buyer that sees nothing free waits a moment and reads the seat map again: abandoned holds give their
    seats back when they expire (the server's HOLD_SECONDS), with nothing run in between.
    """
    hold_url = f"{base_url}/api/shows/{show_id}/hold/"
    seat_map_url = f"{base_url}/api/shows/{show_id}/seats/"
    statuses = Counter()
    latencies = []
    sold = []  # seat numbers named by every confirm that answered 200
    abandoned = []  # seat numbers of the holds walked away from
    errors = Counter()
    last_sale = None
    last_answer = None
    start_gate = asyncio.Event()

    async with new_session() as session:
        async def post(url, headers, body=None):
            nonlocal last_answer
            sent = time.perf_counter()
            async with session.post(url, json=body, headers=headers) as response:
                answer = await response.json(content_type=None)
            last_answer = time.perf_counter()
            latencies.append(last_answer - sent)
            statuses[f"{url.rsplit('/', 2)[-2]} {response.status}"] += 1
            return response.status, answer

        async def buyer(index, token):
            nonlocal last_sale
            rng = random.Random(seed * 100_003 + index)
            headers = {"Authorization": f"Bearer {token}"}
            believed_free = set(range(1, seats + 1))
            await start_gate.wait()
            opened = time.perf_counter()
            for _ in range(max_requests_per_client):
                if len(sold) >= seats:
                    return
                if time.perf_counter() - opened > time_limit:
                    errors["time limit"] += 1
                    return
                try:
                    if not believed_free:
                        await asyncio.sleep(0.1)
                        async with session.get(seat_map_url) as response:
                            seat_map = await response.json()
                        believed_free = {seat["number"] for row in seat_map["rows"] for seat in row["seats"]
                                         if seat["available"]}
                        continue
                    wanted = rng.sample(sorted(believed_free), min(rng.randint(1, 4), len(believed_free)))
                    status, body = await post(hold_url, headers, {"seat_numbers": wanted})
                    if status == 409:
                        believed_free.difference_update(seat_number(label, seats_per_row) for label in body["seats"])
                        continue
                    if status != 201:
                        await asyncio.sleep(0.05)  # a hold_limit 400 while this buyer's abandoned holds live
                        continue
                    believed_free.difference_update(wanted)
                    if rng.random() < abandon_share:
                        abandoned.extend(wanted)
                        continue
                    status, body = await post(f"{base_url}/api/bookings/{body['id']}/confirm/", headers)
                    if status == 200:
                        sold.extend(seat["number"] for seat in body["seats"])
                        last_sale = time.perf_counter()
                except (aiohttp.ClientError, TimeoutError) as error:
                    errors[type(error).__name__] += 1
                    await asyncio.sleep(0.05)
            errors["request limit"] += 1

        started, finished = await run_together(buyer, tokens, start_gate)

    requests = sum(statuses.values())
    sell_out = (last_sale - started) if last_sale else None
    answering = (last_answer - started) if last_answer else None
    return {
        "clients": len(tokens),
        "sell_out_s": sell_out,
        "all_clients_done_s": finished - started,
        "booking_requests": requests,
        "bookings": statuses["confirm 200"],
        "bookings_per_s": statuses["confirm 200"] / sell_out if sell_out else 0.0,
        "booking_requests_per_s": requests / answering if answering else 0.0,
        "statuses": dict(sorted(statuses.items())),
        "server_errors": sum(n for key, n in statuses.items() if int(key.split()[1]) >= 500),
        "client_errors": dict(errors),
        "seats_sold_by_responses": sold,
        "abandoned_seats": len(abandoned),
        "abandoned_distinct_seats": len(set(abandoned)),
        "abandoned_seats_resold": len(set(abandoned) & set(sold)),
        **latency_summary(latencies),
    }


# localstripe posts its webhook about a second after a payment: no buyer reads its booking before.
WEBHOOK_DELAY = 1.0
# How far past its hold's expires_at a late buyer pays: the hold is dead by the server's clock too.
LATE_MARGIN = 0.5


async def paid_sale(base_url, stripe_url, *, stripe_key, show_id, tokens, seats, seats_per_row, late_share=0.25,
                    max_conflicts=3, time_limit=300.0, max_requests_per_client=600, outcome_wait=30.0, seed=13):
    """Sell one show out as buyers' apps do with PAYMENT_PROVIDER=stripe: hold 1-4 seats believed free, ask the
    API to pay the hold (it answers a PaymentIntent), pay that at Stripe as Stripe.js does (attach a card, then
    confirm), then read the booking until Stripe's webhook has confirmed it or its payment is refunded. With
    probability `late_share` a buyer pays only once its hold has expired: meanwhile other buyers may take its
    seats, and the server must confirm it (its seats still free) or refund it in full. As in `flash_sale`, a
    buyer reads the seat map after `max_conflicts` 409s in a row or when it believes nothing is left; it stops
    when every seat is confirmed.

    A buyer waits `outcome_wait` seconds at most for its booking's outcome; one it never saw is reported as
    such, for the checks after the sale to find what became of it.
    """
    hold_url = f"{base_url}/api/shows/{show_id}/hold/"
    seat_map_url = f"{base_url}/api/shows/{show_id}/seats/"
    stripe_auth = aiohttp.BasicAuth(stripe_key, "")
    statuses = Counter()  # every API answer, by "<endpoint> <status>"
    stripe_statuses = Counter()
    outcomes = Counter()  # by (paid late, what the buyer saw of its booking)
    latencies = []
    sold = []  # seat numbers of every booking its buyer saw CONFIRMED
    late_bookings = []  # ids of the bookings paid after their hold's expires_at
    errors = Counter()
    last_sale = None
    last_answer = None
    start_gate = asyncio.Event()

    async with new_session() as session:
        async def api(method, url, endpoint, headers, body=None):
            nonlocal last_answer
            sent = time.perf_counter()
            async with session.request(method, url, json=body, headers=headers) as response:
                answer = await response.json(content_type=None)
            last_answer = time.perf_counter()
            latencies.append(last_answer - sent)
            statuses[f"{endpoint} {response.status}"] += 1
            return response.status, answer

        async def pay_at_stripe(intent_id):
            """What Stripe.js does with the client secret: attach a card, confirm; whether Stripe took it."""
            for path, form in ((intent_id, {"payment_method": "pm_card_visa"}), (f"{intent_id}/confirm", None)):
                async with session.post(f"{stripe_url}/v1/payment_intents/{path}", data=form,
                                        auth=stripe_auth) as response:
                    await response.read()
                stripe_statuses[response.status] += 1
                if response.status != 200:
                    return False
            return True

        async def outcome_of(booking_id, headers):
            """What the buyer's app shows after paying: confirmed, refunded, or, past `outcome_wait`, nothing yet."""
            deadline = time.perf_counter() + outcome_wait
            await asyncio.sleep(WEBHOOK_DELAY)
            while True:
                status, booking = await api("GET", f"{base_url}/api/bookings/{booking_id}/", "booking", headers)
                if status == 200 and booking["status"] == "CONFIRMED":
                    return "confirmed", [seat["number"] for seat in booking["seats"]]
                if status == 200 and booking["payment"]["status"] in ("refunding", "refunded"):
                    return "refunded", []
                if time.perf_counter() > deadline:
                    return "no outcome", []
                await asyncio.sleep(0.5)

        async def buyer(index, token):
            nonlocal last_sale
            rng = random.Random(seed * 100_003 + index)
            headers = {"Authorization": f"Bearer {token}"}
            believed_free = set(range(1, seats + 1))
            conflicts = 0
            await start_gate.wait()
            opened = time.perf_counter()
            for _ in range(max_requests_per_client):
                if len(sold) >= seats:
                    return
                if time.perf_counter() - opened > time_limit:
                    errors["time limit"] += 1
                    return
                try:
                    if not believed_free or conflicts >= max_conflicts:
                        if not believed_free:
                            # Holds being paid come back when they expire or are refunded: look again a little later.
                            await asyncio.sleep(rng.uniform(0.25, 0.75))
                        status, seat_map = await api("GET", seat_map_url, "seats", headers)
                        if status == 200:
                            believed_free = {seat["number"] for row in seat_map["rows"] for seat in row["seats"]
                                             if seat["available"]}
                            conflicts = 0
                        continue
                    wanted = rng.sample(sorted(believed_free), min(rng.randint(1, 4), len(believed_free)))
                    status, hold = await api("POST", hold_url, "hold", headers, {"seat_numbers": wanted})
                    if status == 409:
                        believed_free.difference_update(seat_number(label, seats_per_row) for label in hold["seats"])
                        conflicts += 1
                        continue
                    if status != 201:
                        await asyncio.sleep(0.05)
                        continue
                    believed_free.difference_update(wanted)
                    conflicts = 0
                    status, pay = await api("POST", f"{base_url}/api/bookings/{hold['id']}/pay/", "pay", headers)
                    if status != 200:  # the hold expired before it could be paid: its seats come back
                        continue
                    late = rng.random() < late_share
                    if late:
                        expires_at = datetime.fromisoformat(hold["expires_at"]).timestamp()
                        await asyncio.sleep(max(0.0, expires_at - time.time()) + LATE_MARGIN)
                    if not await pay_at_stripe(pay["payment_intent"]):
                        continue
                    if late:
                        late_bookings.append(hold["id"])
                    outcome, booked = await outcome_of(hold["id"], headers)
                    outcomes[late, outcome] += 1
                    if outcome == "confirmed":
                        sold.extend(booked)
                        last_sale = time.perf_counter()
                except (aiohttp.ClientError, TimeoutError) as error:
                    errors[type(error).__name__] += 1
                    await asyncio.sleep(0.05)
            errors["request limit"] += 1

        started, finished = await run_together(buyer, tokens, start_gate)

    requests = sum(statuses.values())
    sell_out = (last_sale - started) if last_sale else None
    answering = (last_answer - started) if last_answer else None
    confirmed = outcomes[False, "confirmed"] + outcomes[True, "confirmed"]
    return {
        "clients": len(tokens),
        "sell_out_s": sell_out,
        "all_clients_done_s": finished - started,
        "requests": requests,
        "bookings": confirmed,
        "bookings_per_s": confirmed / sell_out if sell_out else 0.0,
        "requests_per_s": requests / answering if answering else 0.0,
        "statuses": dict(sorted(statuses.items())),
        "stripe_statuses": dict(sorted(stripe_statuses.items())),
        "server_errors": sum(n for key, n in statuses.items() if int(key.split()[1]) >= 500),
        "client_errors": dict(errors),
        "payments": sum(outcomes.values()),
        "outcomes": {f"{'late' if late else 'on time'} {outcome}": n
                     for (late, outcome), n in sorted(outcomes.items())},
        "late_bookings": late_bookings,
        "seats_sold_by_responses": sold,
        **latency_summary(latencies),
    }


async def hammer(base_url, *, show_id, tokens, seat=1):
    """len(tokens) buyers ask for the same seat at the same instant; exactly one may get it."""
    url = f"{base_url}/api/shows/{show_id}/book/"
    statuses = Counter()
    errors = Counter()
    latencies = []
    gate = asyncio.Event()
    async with new_session() as session:
        async def buyer(token):
            await gate.wait()
            sent = time.perf_counter()
            try:
                async with session.post(url, json={"seat_numbers": [seat]},
                                        headers={"Authorization": f"Bearer {token}"}) as response:
                    await response.read()
                    statuses[response.status] += 1
            except (aiohttp.ClientError, TimeoutError) as error:
                errors[type(error).__name__] += 1
                return
            latencies.append(time.perf_counter() - sent)

        tasks = [asyncio.create_task(buyer(token)) for token in tokens]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        gate.set()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return {"clients": len(tokens), "elapsed_s": elapsed, "statuses": dict(sorted(statuses.items())),
            "client_errors": dict(errors), **latency_summary(latencies)}


async def read_load(url, *, concurrency, duration, warmup=1.0, fresh_urls=None):
    """`concurrency` clients GET `url` back to back for `duration` seconds (after a warm-up).

    With `fresh_urls` (a run id, not used by any other run) every request names a host of its own,
    `<run id>-<n>.miss.localhost`, so no two ask for the same absolute URL and the read cache misses every time.
    """
    statuses = Counter()
    errors = Counter()
    latencies = []
    sent = {False: set(), True: set()}  # the URLs asked, during the warm-up and during the measured time
    async with new_session() as session:
        async def client(until, record):
            while time.perf_counter() < until:
                headers = {}
                if fresh_urls is not None:
                    headers["Host"] = f"{fresh_urls}-{record:d}-{len(sent[record])}.miss.localhost"
                    sent[record].add(headers["Host"])
                sent_at = time.perf_counter()
                try:
                    async with session.get(url, headers=headers) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as error:
                    errors[type(error).__name__] += 1
                    await asyncio.sleep(0.01)
                    continue
                if record:
                    latencies.append(time.perf_counter() - sent_at)
                    statuses[status] += 1

        if warmup:
            until = time.perf_counter() + warmup
            await asyncio.gather(*(client(until, False) for _ in range(concurrency)))
        started = time.perf_counter()
        until = started + duration
        await asyncio.gather(*(client(until, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    requests = sum(statuses.values())
    return {"requests": requests, "requests_per_s": requests / elapsed, "statuses": dict(sorted(statuses.items())),
            "non_2xx": sum(n for status, n in statuses.items() if not 200 <= status < 300),
            "client_errors": sum(errors.values()), "distinct_urls": len(sent[True]) if fresh_urls is not None else None,
            **latency_summary(latencies)}
