"""Throttles: at most N requests per fixed window, counted atomically in the cache that every worker shares.

DRF's stock throttle reads a request history from the cache and writes it back, so parallel requests all
read the same history and all pass (50 parallel logins let 28 through a limit of 20). Here each request
makes one atomic count instead on a key per client and window: `add(key, 1)`, or when the key exists
`incr(key)` (Redis' INCR, LocMemCache's lock, core.cache_backends' single UPDATE), so N parallel requests
never pass more than the limit, whichever worker serves them. Retry-After is the time to the window's end.

While the shared cache is unavailable (core.cache's breaker), each process counts in its own memory instead:
the limits hold per process (a server's workers and the servers each count apart), and a sale or a login goes
on rather than failing with the cache.

Rates are settings read from the environment (`20/minute`, `off` disables one), read per request rather
than at import as DRF's `DEFAULT_THROTTLE_RATES` are, so a changed setting takes effect at once.
"""
import math

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from core.cache import using_shared_cache

# The counts of this process while the shared cache is unavailable; past its bound the least used are dropped.
COUNTS_WHILE_THE_CACHE_IS_DOWN = LocMemCache("throttle-counts-of-this-process", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def client_ip(request):
    """The client's address, as the throttles and django-axes see it: the connection's, or with `NUM_PROXIES`
    set, the X-Forwarded-For hop that the trusted proxies name."""
    return BaseThrottle().get_ident(request)


def count_in(cache, key, timeout):
    """Count one more request under `key` in `cache` and return the count: the first `add` of a window wins."""
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # gone between add and incr (the cache was cleared): count it afresh
        return 1 if cache.add(key, 1, timeout) else cache.incr(key)


class FixedWindowRateThrottle(SimpleRateThrottle):
    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.seconds_left = (window + 1) * self.duration - now
        # Kept a second past the window's end, so no request of this window finds its count gone.
        key, timeout = f"{key}:{window}", math.ceil(self.seconds_left) + 1
        count = using_shared_cache(lambda: count_in(self.cache, key, timeout),
                                   fallback=lambda: count_in(COUNTS_WHILE_THE_CACHE_IS_DOWN, key, timeout))
        return count <= self.num_requests

    def wait(self):
        return self.seconds_left


class AuthRateThrottle(FixedWindowRateThrottle):
    """Login and signup (and a password change, which checks a password too), per client IP."""

    scope = "auth"
    rate_setting = "THROTTLE_AUTH"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class TokenRefreshRateThrottle(AuthRateThrottle):
    """Refresh, per client IP, at the rate of login but counted apart, so that refreshing never uses up logins."""

    scope = "token_refresh"


class BookingRateThrottle(FixedWindowRateThrottle):
    """Booking, per user."""

    scope = "booking"
    rate_setting = "THROTTLE_BOOKING"

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user.is_authenticated else client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
