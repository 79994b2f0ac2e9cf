"""The shared caches: a SQLite file of its own, the default every worker process of one machine shares; and
Redis, for several machines, with a kept client.

Django's FileBasedCache is not atomic (`incr` is a get and a set), lists its whole directory on every set and
culls random entries past MAX_ENTRIES; the database cache would take the app database's write lock. Here each
operation is one SQL statement on a file apart from the app's database (WAL, busy timeout), so `add` and
`incr` are atomic across threads and processes, the guarantee the throttles' counters need:

- integers are stored as SQL integers, so `incr` is one `UPDATE ... SET value = value + ? ... RETURNING`;
  anything else is pickled, as in Django's own backends. `incr` of a value that is not an integer is a
  TypeError, as in Redis;
- `add` is one INSERT that wins only over a missing or expired row;
- expired rows are invisible at once and deleted in bounded batches, oldest first, every SWEEP_EVERY writes
  of a connection (through an index: never a table scan, never a random eviction);
- the file holds at most MAX_ENTRIES rows (OPTIONS, as in Django's backends; DEFAULT_MAX_ENTRIES here): a
  write that takes it past them culls the expired rows and then those that expire soonest, integers (throttle
  counts) last, a CULL_FREQUENCY-th of the table (Django's meaning; 0 empties it), so requests that each store
  a new key cannot grow it unbounded, nor push out the counts that limit them.

Each thread opens its own connection, and so does each process after a fork (gunicorn's workers).
"""
import os
import pickle
import sqlite3
import threading
import time

from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCacheClient

BUSY_TIMEOUT_SECONDS = 10
# Django's backends keep 300; rendered reads of a whole catalogue need more. A row is a few kB to a seat map's
# few hundred.
DEFAULT_MAX_ENTRIES = 10_000
SWEEP_EVERY = 100
SWEEP_BATCH = 500
SQL_INTEGER = range(-(2**63), 2**63)
# SQLite allows 32,766 parameters in a statement; a get_many or delete_many of more keys runs in several.
KEYS_PER_STATEMENT = 500

INHERITED_CONNECTIONS = []

LIVE = "(expires IS NULL OR expires > ?)"
UPSERT = "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE " \
         "SET value = excluded.value, expires = excluded.expires"


def _encode(value):
    return value if type(value) is int and value in SQL_INTEGER else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _decode(stored):
    return stored if isinstance(stored, int) else pickle.loads(stored)


class SQLiteCache(BaseCache):
    """`LOCATION` is the SQLite file (its folder is created when missing)."""

    def __init__(self, location, params):
        super().__init__(params)
        self._max_entries = int(params.get("OPTIONS", {}).get("MAX_ENTRIES", DEFAULT_MAX_ENTRIES))
        self._path = location
        self._local = threading.local()

    def _connection(self):
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # this thread's first use, or a forked child's
            if getattr(local, "connection", None) is not None:
                # SQLite's rule: a connection inherited through fork() is neither used nor closed by the child.
                INHERITED_CONNECTIONS.append(local.connection)
            folder = os.path.dirname(self._path)
            if folder:
                os.makedirs(folder, exist_ok=True)
            connection = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            # No type on `value`: SQLite keeps integers as integers and pickles as blobs.
            connection.execute("CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value NOT NULL, expires REAL)")
            connection.execute("CREATE INDEX IF NOT EXISTS cache_expires ON cache (expires)")
            local.connection, local.pid, local.writes = connection, os.getpid(), 0
        return local.connection

    def _read(self, sql, params):
        return self._connection().execute(sql, params).fetchall()

    def _write(self, sql, params):
        """Run one writing statement; return (rows it returned, rows it changed)."""
        connection = self._connection()
        cursor = connection.execute(sql, params)
        rows = cursor.fetchall()  # stepping to the end finishes the statement, which commits it
        self._local.writes += 1
        if self._local.writes % SWEEP_EVERY == 0:
            connection.execute("DELETE FROM cache WHERE key IN (SELECT key FROM cache WHERE expires <= ? "
                               "ORDER BY expires LIMIT ?)", (time.time(), SWEEP_BATCH))
        return rows, cursor.rowcount

    def _cull_past_max_entries(self):
        """After a write that may have added rows: past MAX_ENTRIES, delete the expired rows, then those that
        expire soonest (never-expiring last), down to MAX_ENTRIES less a CULL_FREQUENCY-th. Integers (throttle
        counts, read versions: a few bytes each) go last, so a flood of distinct reads cannot cull the counts
        that limit it."""
        connection = self._connection()
        (count,) = connection.execute("SELECT count(*) FROM cache").fetchone()
        if count <= self._max_entries:
            return
        keep = self._max_entries - self._max_entries // self._cull_frequency if self._cull_frequency else 0
        connection.execute("DELETE FROM cache WHERE key IN (SELECT key FROM cache ORDER BY coalesce(expires <= ?, 0) "
                           "DESC, typeof(value) = 'integer', expires IS NULL, expires LIMIT ?)",
                           (time.time(), count - keep))

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        rows = self._read(f"SELECT value FROM cache WHERE key = ? AND {LIVE}", (key, time.time()))
        return _decode(rows[0][0]) if rows else default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._write(UPSERT, (key, _encode(value), self.get_backend_timeout(timeout)))
        self._cull_past_max_entries()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        _, changed = self._write(f"{UPSERT} WHERE NOT (cache.expires IS NULL OR cache.expires > ?)",
                                 (key, _encode(value), self.get_backend_timeout(timeout), time.time()))
        if changed:
            self._cull_past_max_entries()
        return changed == 1

    def incr(self, key, delta=1, version=None):
        made_key = self.make_and_validate_key(key, version=version)
        while True:
            rows, _ = self._write(f"UPDATE cache SET value = value + ? WHERE key = ? AND {LIVE} "
                                  "AND typeof(value) = 'integer' RETURNING value", (delta, made_key, time.time()))
            if rows:
                return rows[0][0]
            # Nothing to count: missing, or not an integer. Another writer may have added the key since the
            # UPDATE looked, so what it holds now decides (an integer that appeared meanwhile is counted).
            found = self._read(f"SELECT typeof(value) FROM cache WHERE key = ? AND {LIVE}", (made_key, time.time()))
            if not found:
                raise ValueError(f"Key '{key}' not found.")
            if found[0][0] != "integer":
                raise TypeError(f"The value of key '{key}' is not an integer.")

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        _, changed = self._write(f"UPDATE cache SET expires = ? WHERE key = ? AND {LIVE}",
                                 (self.get_backend_timeout(timeout), key, time.time()))
        return changed == 1

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        now = time.time()
        rows, _ = self._write("DELETE FROM cache WHERE key = ? RETURNING expires", (key,))
        return any(expires is None or expires > now for (expires,) in rows)

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return bool(self._read(f"SELECT 1 FROM cache WHERE key = ? AND {LIVE}", (key, time.time())))

    def clear(self):
        self._write("DELETE FROM cache", ())

    def get_many(self, keys, version=None):
        made_keys = {self.make_and_validate_key(key, version=version): key for key in keys}
        found = {}
        for batch in _batches(list(made_keys)):
            rows = self._read(f"SELECT key, value FROM cache WHERE key IN ({', '.join('?' * len(batch))}) "
                              f"AND {LIVE}", (*batch, time.time()))
            found.update((made_keys[made_key], _decode(value)) for made_key, value in rows)
        return found

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        expires = self.get_backend_timeout(timeout)
        rows = [(self.make_and_validate_key(key, version=version), _encode(value), expires)
                for key, value in data.items()]
        connection = self._connection()
        with connection:  # one transaction: all or none
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(UPSERT, rows)
        self._cull_past_max_entries()
        return []

    def delete_many(self, keys, version=None):
        made_keys = [self.make_and_validate_key(key, version=version) for key in keys]
        for batch in _batches(made_keys):
            self._write(f"DELETE FROM cache WHERE key IN ({', '.join('?' * len(batch))})", batch)


def _batches(items):
    return [items[start:start + KEYS_PER_STATEMENT] for start in range(0, len(items), KEYS_PER_STATEMENT)]


# INCRBY only if the key exists: one round trip, and atomic (Django's EXISTS then INCR is two, and a key that
# expires between them comes back as 1 with no expiry).
INCR_IF_EXISTS = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end"


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client builds a new `redis.Redis` on every cache call; this one keeps one per connection
    pool (a client is only a handle: each command borrows a connection from its pool). `incr` is one script."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._incr_scripts = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        if client not in self._incr_scripts:
            self._incr_scripts[client] = client.register_script(INCR_IF_EXISTS)
        value = self._incr_scripts[client](keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class RedisCache(django_redis.RedisCache):
    """Django's RedisCache with a kept client: the shared cache of several machines (REDIS_URL)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
