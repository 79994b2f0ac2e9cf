"""The throttle of the verification mail's resend: each request sends a mail, so it is counted per user."""
from core.throttling import FixedWindowRateThrottle


class VerificationResendRateThrottle(FixedWindowRateThrottle):
    scope = "verify_resend"
    rate_setting = "THROTTLE_VERIFY_RESEND"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
