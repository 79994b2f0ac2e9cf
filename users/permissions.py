"""Who may do what, as far as the account is concerned."""
from django.conf import settings
from rest_framework.permissions import BasePermission

from bookings.services import sells_at_box_office


class VerifiedEmailIfMandatory(BasePermission):
    """With EMAIL_VERIFICATION=mandatory, only users who verified their email (and staff who sell at the box
    office, bookings.sell_at_box_office) may buy: 403 `email_unverified` otherwise, checked before the view writes
    or locks anything. Put it after IsAuthenticated: an anonymous caller is that one's to refuse (401)."""

    message = "Verify your email address first (POST /api/auth/verify-email/ with the token mailed to you)."
    code = "email_unverified"

    def has_permission(self, request, view):
        user = request.user
        if settings.EMAIL_VERIFICATION != "mandatory" or not user.is_authenticated:
            return True
        return user.email_verified or sells_at_box_office(user)
