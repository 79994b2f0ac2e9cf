"""Permissions shared by the apps."""
from rest_framework import permissions


class ModelPermissionsOrReadOnly(permissions.DjangoModelPermissions):
    """Anyone reads; a write needs the Django model permission it amounts to (add, change or delete of the view's
    model; superusers have them all), whatever the user's `is_staff` flag. Anonymous writers get 401, others 403."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if super().has_permission(request, view):
            return True
        if request.user.is_authenticated:
            required = self.get_required_permissions(request.method, self._queryset(view).model)
            self.message = f"This needs the permission {' and '.join(required)}."
        return False
