from axes.admin import AccessAttemptAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from users.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
    )
    fieldsets = (
        DjangoUserAdmin.fieldsets[0],
        ("Personal info", {"fields": ("first_name", "last_name", "email", "email_verified")}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    list_display = (*DjangoUserAdmin.list_display, "email_verified")
    list_filter = (*DjangoUserAdmin.list_filter, "email_verified")

    def save_model(self, request, obj, form, change):
        # Nobody has shown that the new address is theirs, unless staff tick the box themselves.
        if change and "email" in form.changed_data and "email_verified" not in form.changed_data:
            obj.email_verified = False
        super().save_model(request, obj, form, change)


class LoginAttemptAdmin(AccessAttemptAdmin):
    """Axes' login attempts, whose clean-up action deletes the expired ones: axes offers it to anyone who may view
    them; here it needs axes.delete_accessattempt, as deleting them one by one does."""

    @admin.action(description=AccessAttemptAdmin.cleanup_expired_attempts.short_description, permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        # Axes measures "expired" from the time it stamps on a login's request; an admin page's request has none.
        AxesProxyHandler.update_request(request)
        super().cleanup_expired_attempts(request, queryset)


# Importing axes.admin above registered axes' own admin (unless AXES_ENABLE_ADMIN turns it off).
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, LoginAttemptAdmin)
