"""Throttles whose rates are settings read from the environment (`off` disables one).

The rate is read per request, not at import as DRF's `DEFAULT_THROTTLE_RATES` is, so a changed
setting takes effect at once. Counts live in the default cache, which every worker shares.
"""
from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class SettingRateThrottle(SimpleRateThrottle):
    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting)


class AuthRateThrottle(SettingRateThrottle):
    """Login and signup, per client IP (`NUM_PROXIES` says which X-Forwarded-For hop is the client)."""

    scope = "auth"
    rate_setting = "THROTTLE_AUTH"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class BookingRateThrottle(SettingRateThrottle):
    """Booking, per user."""

    scope = "booking"
    rate_setting = "THROTTLE_BOOKING"

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
