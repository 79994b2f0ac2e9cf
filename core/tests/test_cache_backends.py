"""The SQLite-file cache: Django's cache API, and atomic add and incr across threads and processes."""
import multiprocessing
import sqlite3
import threading

import pytest

from core.cache_backends import SWEEP_BATCH, SWEEP_EVERY, RedisCache, SQLiteCache


@pytest.fixture
def cache_file(tmp_path):
    return str(tmp_path / "folder-made-on-first-use" / "cache.sqlite3")


@pytest.fixture
def cache(cache_file):
    return SQLiteCache(cache_file, {})


def stored_rows(cache_file):
    with sqlite3.connect(cache_file) as connection:
        return connection.execute("SELECT key, typeof(value), expires FROM cache ORDER BY key").fetchall()


def test_get_set_and_the_values_python_gives_back(cache):
    values = {"int": 7, "big": 2**70, "negative": -3, "bool": True, "none": None, "text": "héllo",
              "bytes": b"\x00\xff", "list": [1, "a", {"b": 2.5}], "float": 1.5}
    for key, value in values.items():
        cache.set(key, value)

    assert {key: cache.get(key) for key in values} == values
    assert type(cache.get("bool")) is bool
    assert cache.get("missing") is None
    assert cache.get("missing", "fallback") == "fallback"


def test_integers_are_stored_as_sql_integers_and_the_rest_pickled(cache, cache_file):
    cache.set("count", 41)
    cache.set("flag", True)
    cache.set("huge", 2**70)

    types = {key.split(":")[-1]: kind for key, kind, _ in stored_rows(cache_file)}

    assert types == {"count": "integer", "flag": "blob", "huge": "blob"}


def test_add_wins_only_over_a_missing_or_expired_key(cache):
    assert cache.add("key", "first") is True
    assert cache.add("key", "second") is False
    assert cache.get("key") == "first"

    cache.set("stale", "old", timeout=0)  # expired at once
    assert cache.add("stale", "new") is True
    assert cache.get("stale") == "new"


def test_incr_and_decr(cache):
    cache.set("count", 1)

    assert cache.incr("count") == 2
    assert cache.incr("count", 10) == 12
    assert cache.decr("count", 5) == 7
    assert cache.get("count") == 7
    with pytest.raises(ValueError, match="not found"):
        cache.incr("missing")
    cache.set("stale", 1, timeout=0)
    with pytest.raises(ValueError, match="not found"):
        cache.incr("stale")
    cache.set("text", "abc")
    with pytest.raises(TypeError):
        cache.incr("text")


def test_incr_keeps_the_expiry(cache, cache_file):
    cache.set("count", 1, timeout=60)
    expires_before = stored_rows(cache_file)[0][2]

    cache.incr("count")

    assert stored_rows(cache_file)[0][2] == expires_before


def test_timeouts_none_zero_and_touch(cache):
    cache.set("forever", 1, timeout=None)
    cache.set("gone", 1, timeout=0)
    cache.set("later", 1, timeout=60)

    assert cache.has_key("forever")
    assert not cache.has_key("gone")
    assert cache.get("gone") is None
    assert cache.touch("later", timeout=0) is True
    assert cache.get("later") is None
    assert cache.touch("gone") is False
    assert cache.touch("forever", timeout=60) is True
    assert cache.get("forever") == 1


def test_delete_says_whether_a_live_key_was_there(cache):
    cache.set("key", 1)
    cache.set("stale", 1, timeout=0)

    assert cache.delete("key") is True
    assert cache.delete("key") is False
    assert cache.delete("stale") is False
    assert cache.get("key") is None


def test_many_at_once_and_clear(cache):
    keys = [f"key-{n}" for n in range(1200)]  # more than one statement's worth of keys

    assert cache.set_many({key: n for n, key in enumerate(keys)}) == []
    assert cache.get_many([*keys, "missing"]) == {key: n for n, key in enumerate(keys)}
    cache.delete_many(keys[:700])
    assert cache.get_many(keys) == {key: n for n, key in enumerate(keys) if n >= 700}
    cache.clear()
    assert cache.get_many(keys) == {}


def test_versions_and_key_prefix_keep_keys_apart(cache_file):
    plain = SQLiteCache(cache_file, {})
    prefixed = SQLiteCache(cache_file, {"KEY_PREFIX": "other"})
    plain.set("key", "v1")
    plain.set("key", "v2", version=2)
    prefixed.set("key", "prefixed")

    assert (plain.get("key"), plain.get("key", version=2), prefixed.get("key")) == ("v1", "v2", "prefixed")
    assert plain.incr_version("key") == 2
    assert plain.get("key", version=2) == "v1"


def test_expired_rows_are_swept_in_bounded_batches_and_live_ones_never_evicted(cache, cache_file):
    cache.set_many({f"stale-{n}": n for n in range(SWEEP_BATCH + 100)}, timeout=0)
    live = {f"live-{n}": n for n in range(SWEEP_EVERY)}

    for key, value in live.items():  # SWEEP_EVERY writes: one sweep
        cache.set(key, value)

    stale_left = sum(key.startswith(":1:stale") for key, _, _ in stored_rows(cache_file))
    assert stale_left == 100
    assert cache.get_many(live) == live  # FileBasedCache culls at random past 300 entries; this never does


def test_each_thread_uses_its_own_connection_and_no_increment_is_lost(cache):
    cache.set("count", 0)
    barrier = threading.Barrier(8)

    def add_200():
        barrier.wait()
        for _ in range(200):
            cache.incr("count")

    threads = [threading.Thread(target=add_200) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert cache.get("count") == 1600


def count_in_a_child(cache, start, outcomes):
    start.wait()
    outcomes.put((cache.add("first", "mine"), [cache.incr("count") for _ in range(250)], id(cache._connection())))


def test_forked_processes_reconnect_and_add_and_incr_are_atomic_across_them(cache):
    cache.set("count", 0)  # the parent's connection exists before the fork: each child must open its own
    parent_connection = id(cache._connection())
    fork = multiprocessing.get_context("fork")
    start, outcomes = fork.Event(), fork.Queue()
    children = [fork.Process(target=count_in_a_child, args=(cache, start, outcomes)) for _ in range(4)]
    for child in children:
        child.start()
    start.set()
    results = [outcomes.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=60)

    assert [child.exitcode for child in children] == [0] * 4
    assert parent_connection not in {connection for _, _, connection in results}
    assert sum(won for won, _, _ in results) == 1
    counts = sorted(count for _, seen, _ in results for count in seen)
    assert counts == list(range(1, 1001))  # every increment got its own number: none lost, none repeated
    assert cache.get("count") == 1000


def test_the_redis_backend_keeps_one_client_and_counts_atomically(redis_url):
    redis_cache = RedisCache(redis_url, {})
    redis_cache.clear()

    assert redis_cache._cache.get_client() is redis_cache._cache.get_client()
    assert redis_cache.add("visits", 0, 60)
    assert [redis_cache.incr("visits") for _ in range(3)] == [1, 2, 3]
    redis_cache.set("map", {"A1": True}, 60)
    assert redis_cache.get("map") == {"A1": True}


def test_the_redis_backend_increments_in_one_round_trip_and_never_creates_a_key(redis_url):
    redis_cache = RedisCache(redis_url, {})
    redis_cache.clear()
    client = redis_cache._cache.get_client(write=True)
    redis_cache.set("count", 1, 60)
    redis_cache.incr("count")  # the script is loaded once
    client.config_resetstat()

    assert [redis_cache.incr("count", 2) for _ in range(3)] == [4, 6, 8]
    with pytest.raises(ValueError, match="not found"):
        redis_cache.incr("missing")
    calls = {name: stats["calls"] for name, stats in client.info("commandstats").items()
             if not name.startswith("cmdstat_config")}

    # One script call each; its EXISTS and INCRBY run inside Redis, not as round trips of their own.
    assert calls == {"cmdstat_evalsha": 4, "cmdstat_exists": 4, "cmdstat_incrby": 3}
    assert not client.exists(redis_cache.make_and_validate_key("missing"))
    assert 0 < client.ttl(redis_cache.make_and_validate_key("count")) <= 60


def test_incr_racing_the_add_of_its_key_is_never_told_the_key_holds_no_integer(cache):
    """The read cache's bump: `incr`, and `add` when the key is missing, from many threads at once."""
    errors = []
    barrier = threading.Barrier(16)

    def bump(key):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1_000)

    def worker():
        for round_ in range(60):
            barrier.wait()
            try:
                bump(f"version:{round_}")
            except Exception as error:  # noqa: BLE001 - the outcome under test
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert all(cache.get(f"version:{round_}") >= 1_000 for round_ in range(60))


def row_count(cache_file):
    with sqlite3.connect(cache_file) as connection:
        return connection.execute("SELECT count(*) FROM cache").fetchone()[0]


def test_the_file_never_holds_more_than_max_entries_however_many_keys_are_written(cache_file):
    bounded = SQLiteCache(cache_file, {"OPTIONS": {"MAX_ENTRIES": 100}})
    counts = []

    for n in range(1000):  # a flood of reads that each miss: set, add and set_many alike
        if n % 3 == 0:
            bounded.set(f"read-{n}", b"a rendered answer", timeout=60)
        elif n % 3 == 1:
            bounded.add(f"read-{n}", b"a rendered answer", timeout=60)
        else:
            bounded.set_many({f"read-{n}": b"a rendered answer", f"read-{n}-bis": b"another"}, timeout=60)
        counts.append(row_count(cache_file))

    assert max(counts) <= 100
    assert bounded.get("read-999") == b"a rendered answer"  # the newest stay: the oldest are culled


def test_the_cull_takes_expired_rows_first_and_throttle_counts_last(cache_file):
    bounded = SQLiteCache(cache_file, {"OPTIONS": {"MAX_ENTRIES": 100}})
    bounded.set("stale", b"an answer", timeout=-1)  # expired, not yet swept
    bounded.set("login-count", 1, timeout=5)  # expires before any of the answers below
    bounded.set("kept-for-ever", b"a value", timeout=None)

    for n in range(500):
        bounded.set(f"read-{n}", b"a rendered answer", timeout=60)

    assert row_count(cache_file) <= 100
    assert bounded.incr("login-count") == 2
    assert bounded.get("kept-for-ever") == b"a value"
    with sqlite3.connect(cache_file) as connection:
        assert connection.execute("SELECT count(*) FROM cache WHERE key = ':1:stale'").fetchone() == (0,)
