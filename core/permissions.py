"""Permissions shared by the apps."""
from rest_framework import permissions


class IsStaffOrReadOnly(permissions.BasePermission):
    """Anyone reads; only staff write (anonymous writers get 401, other users 403)."""

    message = "Only staff may change the catalogue."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
