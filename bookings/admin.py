"""Bookings and holds in the admin: read-only history, cancel and refund actions that go through the services,
every payment and refund with its Stripe id, amount and status, and the Sales page (bookings.view_sales)."""
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe

from bookings import charts, reports, selectors, services
from bookings.models import Booking, Payment, Refund, Ticket, Voucher
from bookings.permissions import views_sales
from core.exceptions import DomainError
from core.renderers import CSVRenderer
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
                    "confirmed_at", "expires_at", "cancelled_at"]
    list_filter = [StatusFilter, ("show", admin.RelatedOnlyFieldListFilter), "show__movie", "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["user__username", "user__email", "show__movie__title"]
    list_select_related = ["user", "show__movie", "show__screen"]
    readonly_fields = ["user", "show", "status_now", "total_price", "voucher", "created_at", "confirmed_at",
                       "expires_at", "cancelled_at"]
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

    def get_urls(self):
        def sales_page(view):
            return self.admin_site.admin_view(view)

        return [
            path("sales/", sales_page(self.sales_view), name="bookings_booking_sales"),
            path("sales/shows.csv", sales_page(self.sales_csv_view), {"report": "shows"},
                 name="bookings_booking_sales_shows_csv"),
            path("sales/daily.csv", sales_page(self.sales_csv_view), {"report": "daily"},
                 name="bookings_booking_sales_daily_csv"),
            *super().get_urls(),
        ]

    def sales_view(self, request):
        """The Sales page: for a period, revenue per day and occupancy per show as charts, the same rows as the API's
        reports in tables, and their CSV."""
        period = sales_period(request)
        day_rows, show_rows = sales_rows(period)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Sales",
            "form": period, "day_rows": day_rows, "show_rows": show_rows, "currency": settings.CURRENCY,
            "time_zone": settings.TIME_ZONE, "query": request.GET.urlencode(),
            # SVG markup whose labels the XML serializer escaped.
            "revenue_chart": mark_safe(charts.revenue_per_day(day_rows, settings.CURRENCY)),
            "occupancy_chart": mark_safe(charts.occupancy_per_show(show_rows)),
        }
        return TemplateResponse(request, "admin/bookings/sales.html", context)

    def sales_csv_view(self, request, report):
        period = sales_period(request)
        day_rows, show_rows = sales_rows(period, only=report)
        table = (reports.show_table(show_rows, reports.ticket_type_codes()) if report == "shows"
                 else reports.daily_table(day_rows))
        first, last = period.days
        response = HttpResponse(CSVRenderer().render(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="sales-{report}-{first}-{last}.csv"'
        return response


# The admin's index, with a link to the Sales page for staff who may see it (the index template of
# django.contrib.admin, listed first in INSTALLED_APPS, would win over an override of the same name).
admin.site.index_template = "admin/bookings/index.html"


class SalesPeriodForm(forms.Form):
    """The Sales page's period: days in TIME_ZONE, both included; the current month when left out."""

    def __init__(self, data):
        super().__init__(data)
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        self.fields["from"] = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        period = super().clean()
        for name in ("from", "to"):
            if period.get(name) and not date.min < period[name] < date.max:
                self.add_error(name, "Date out of range.")
        if period.get("from") and period.get("to") and period["to"] < period["from"]:
            self.add_error("to", "The end of the period is before its start.")
        return period

    @property
    def days(self):
        """(first, last) day of the period asked for, or of the current month when it is not valid."""
        if self.is_valid():
            return self.cleaned_data["from"], self.cleaned_data["to"]
        return this_month()


def this_month():
    today = timezone.localdate()
    first = today.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def sales_period(request):
    """The period form of the request; refuses (403) whoever may not see sales."""
    if not views_sales(request.user):
        raise PermissionDenied
    first, last = this_month()
    return SalesPeriodForm({"from": first, "to": last, **request.GET.dict()})


def sales_rows(period, only=None):
    """(day rows, show rows) of the period, the shows those starting on its days; `only` ("shows" or "daily")
    reads just that report."""
    first, last = period.days
    zone = timezone.get_default_timezone()
    day_rows = [] if only == "shows" else reports.daily_rows(first_day=first, last_day=last)
    shows = [] if only == "daily" else list(reports.shows_in_period(
        starts_from=datetime.combine(first, time.min, tzinfo=zone),
        starts_before=datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)))
    return day_rows, reports.show_rows(shows)


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
