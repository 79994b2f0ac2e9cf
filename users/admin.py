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
