"""Permissions shared by the apps."""
from rest_framework import permissions


class ModelPermissions(permissions.DjangoModelPermissions):
    """Every request needs the Django model permission it amounts to: view for a read, add, change or delete for a
    write, of the view's model (superusers have them all), whatever the user's `is_staff` flag. Anonymous users get
    401, others 403 naming the permission."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if super().has_permission(request, view):
            return True
        if request.user.is_authenticated:
            required = self.get_required_permissions(request.method, self._queryset(view).model)
            self.message = f"This needs the permission {' and '.join(required)}."
        return False


class ModelPermissionsOrReadOnly(ModelPermissions):
    """Anyone reads; a write needs the model permission it amounts to, as for ModelPermissions."""

    perms_map = permissions.DjangoModelPermissions.perms_map  # reads need none

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)
