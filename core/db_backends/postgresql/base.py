"""PostgreSQL, with the reused connection's health checked only after it sat idle.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request that reuses a connection. In
a sale the same connection answered the thread's previous request a moment ago, and the check was a round trip
more on every booking (a refused one is two statements besides). Here a connection is checked when it has been
idle for HEALTH_CHECK_AFTER_IDLE_SECONDS or more, which is when servers, firewalls and restarts drop them unseen.
One that dies while in steady use fails its next request with a 503 (the API's answer to a database that does not
answer, with Retry-After) and is replaced at that request's end, as Django replaces any connection that erred.
"""
import time

from django.db.backends.postgresql import base

HEALTH_CHECK_AFTER_IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    last_request_boundary = None  # time.monotonic() at the latest request's start or end, on this connection

    def close_if_unusable_or_obsolete(self):
        """At each request's start and end, as Django's; then, if the connection was in use moments ago (the
        previous request's end, or this request's start), its health counts as checked."""
        super().close_if_unusable_or_obsolete()
        now = time.monotonic()
        if (self.connection is not None and self.last_request_boundary is not None
                and now - self.last_request_boundary < HEALTH_CHECK_AFTER_IDLE_SECONDS):
            self.health_check_done = True
        self.last_request_boundary = now
