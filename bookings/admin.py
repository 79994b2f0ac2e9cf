"""Bookings and holds in the admin: read-only history, cancel and refund actions that go through the services, and
every payment and refund with its Stripe id, amount and status."""
from django.contrib import admin, messages
from django.utils import timezone

from bookings import selectors, services
from bookings.models import Booking, Payment, Refund, Ticket, Voucher
from core.exceptions import DomainError
from movies.seating import seat_label


class TicketInline(admin.TabularInline):
    model = Ticket
    fields = ["seat_number", "seat", "category", "ticket_type", "price", "is_active", "code", "checked_in_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Seat")
    def seat(self, ticket):
        return seat_label(ticket.seat_number, ticket.show.screen.seats_per_row)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("show__screen", "ticket_type")


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


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["provider", "provider_id", "amount", "currency", "status", "created_at", "paid_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "show", "status_now", "seat_count", "checked_in", "total_price", "created_at",
                    "expires_at", "cancelled_at"]
    list_filter = [StatusFilter, ("show", admin.RelatedOnlyFieldListFilter), "show__movie", "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["user__username", "user__email", "show__movie__title"]
    list_select_related = ["user", "show__movie", "show__screen"]
    readonly_fields = ["user", "show", "status_now", "total_price", "voucher", "created_at", "expires_at",
                       "cancelled_at"]
    fields = readonly_fields
    inlines = [TicketInline, PaymentInline]
    actions = ["cancel_selected", "refund_selected"]

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

    # Cancelling changes the booking: offered only to users with bookings.change_booking.
    @admin.action(description="Cancel selected bookings and holds (frees their seats)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        self._each_through(request, queryset, services.cancel_booking, "Cancelled", "Not cancelled")

    @admin.action(description="Refund what remains paid on the selected bookings (they stay as they are)",
                  permissions=["refund"])
    def refund_selected(self, request, queryset):
        self._each_through(request, queryset, services.refund_booking, "Refunded", "Not refunded")

    def _each_through(self, request, queryset, service, done, refused_as):
        """Apply `service` to each selected booking, saying how many it did and why it refused the others."""
        count, refused = 0, []
        for booking in queryset:
            try:
                service(booking=booking)
                count += 1
            except DomainError as error:
                refused.append(f"#{booking.pk}: {error.message}")
        if count:
            self.message_user(request, f"{done} {count} booking(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, f"{refused_as}: " + "; ".join(refused), messages.WARNING)

    def has_refund_permission(self, request):
        return request.user.has_perm("bookings.refund_booking")


class RefundInline(admin.TabularInline):
    model = Refund
    fields = ["amount", "reason", "status", "provider_id", "created_at", "settled_at", "attempts"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records are written by the services only; staff read them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "booking", "provider", "provider_id", "amount", "currency", "status", "created_at",
                    "paid_at"]
    list_filter = ["provider", "status", "created_at"]
    search_fields = ["provider_id", "booking__id", "booking__user__username", "booking__user__email"]
    list_select_related = ["booking"]
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "payment", "amount", "reason", "status", "provider_id", "created_at", "settled_at",
                    "attempts"]
    list_filter = ["status", "reason", "created_at"]
    search_fields = ["provider_id", "payment__provider_id", "payment__booking__id"]
    list_select_related = ["payment"]


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    """Discount codes. Uses are the live bookings that name one (confirmed, or held with the hold alive)."""

    list_display = ["code", "discount_percent", "discount_amount", "uses", "max_uses", "valid_from", "valid_until",
                    "movie", "active"]
    list_filter = ["active", "movie"]
    search_fields = ["code"]
    list_select_related = ["movie"]
    filter_horizontal = ["ticket_types"]
    autocomplete_fields = ["movie"]
    fields = ["code", "discount_percent", "discount_amount", "max_uses", "uses", "valid_from", "valid_until", "movie",
              "ticket_types", "active"]
    readonly_fields = ["uses"]

    def get_queryset(self, request):
        return selectors.vouchers_with_uses()

    @admin.display(description="Uses", ordering="uses")
    def uses(self, voucher):
        return getattr(voucher, "uses", 0)
