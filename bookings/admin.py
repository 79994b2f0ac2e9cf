"""Bookings and holds in the admin: read-only history, and a cancel action that goes through the service."""
from django.contrib import admin, messages
from django.utils import timezone

from bookings import selectors, services
from bookings.models import Booking, Ticket
from core.exceptions import DomainError
from movies.seating import seat_label


class TicketInline(admin.TabularInline):
    model = Ticket
    fields = ["seat_number", "seat", "category", "price", "is_active", "code", "checked_in_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Seat")
    def seat(self, ticket):
        return seat_label(ticket.seat_number, ticket.show.screen.seats_per_row)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("show__screen")


class StatusFilter(admin.SimpleListFilter):
    """The status as clients see it: a hold past its expires_at is listed as expired, released or not."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Booking.Status.choices

    def queryset(self, request, queryset):
        if self.value() in Booking.Status.values:
            return queryset.filter(selectors.with_status(self.value(), timezone.now()))
        return queryset


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "show", "status_now", "seat_count", "checked_in", "total_price", "created_at",
                    "expires_at", "cancelled_at"]
    list_filter = [StatusFilter, ("show", admin.RelatedOnlyFieldListFilter), "show__movie", "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["user__username", "user__email", "show__movie__title"]
    list_select_related = ["user", "show__movie", "show__screen"]
    readonly_fields = ["user", "show", "status_now", "total_price", "created_at", "expires_at", "cancelled_at"]
    fields = readonly_fields
    inlines = [TicketInline]
    actions = ["cancel_selected"]

    def has_add_permission(self, request):
        return False  # Bookings are made through the API, under its locks and rules.

    def has_delete_permission(self, request, obj=None):
        return False  # History: cancel instead.

    @admin.display(description="Status", ordering="status")
    def status_now(self, booking):
        return booking.get_status_display() if booking.current_status == booking.status else "Expired"

    @admin.display(description="Seats")
    def seat_count(self, booking):
        return len(booking.tickets.all())

    @admin.display(description="Checked in")
    def checked_in(self, booking):
        return sum(ticket.checked_in_at is not None for ticket in booking.tickets.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tickets")

    @admin.action(description="Cancel selected bookings and holds (frees their seats)")
    def cancel_selected(self, request, queryset):
        cancelled, refused = 0, []
        for booking in queryset:
            try:
                services.cancel_booking(booking=booking)
                cancelled += 1
            except DomainError as error:
                refused.append(f"#{booking.pk}: {error.message}")
        if cancelled:
            self.message_user(request, f"Cancelled {cancelled} booking(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not cancelled: " + "; ".join(refused), messages.WARNING)
