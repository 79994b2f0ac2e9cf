"""Retrying a unit of database work that failed for a transient reason.

Contention is not failure: writers queue for locks (PostgreSQL row locks, SQLite's busy timeout).
What is left is rare and safe to retry from the start: a PostgreSQL serialization failure or deadlock,
a lock that waited past its timeout, SQLite's "database is locked" after the busy timeout.
"""
import logging
import random
import time

from django.db import DatabaseError

from core.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

# serialization_failure, deadlock_detected, lock_not_available
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_transient(error):
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate in TRANSIENT_SQLSTATES or "database is locked" in str(error)


def run_with_retries(work, *, attempts=5, base_delay=0.05):
    """Call `work()` (which opens its own transaction) until it succeeds, at most `attempts` times.

    Transient errors are retried after a jittered, growing pause; when they persist the caller gets
    ServiceUnavailable (503 with Retry-After). Any other error propagates at once.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DatabaseError as error:
            if not is_transient(error):
                raise
            if attempt == attempts:
                logger.warning("Giving up after %d transient database errors: %s", attempts, error)
                raise ServiceUnavailable() from error
            time.sleep(random.uniform(0, base_delay * 2 ** (attempt - 1)))
