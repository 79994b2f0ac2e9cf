"""Staff manage the catalogue here; every save and delete goes through the same services as the API."""
from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.exceptions import DomainError
from movies import seating, services
from movies.models import (
    MAX_DURATION_MINUTES,
    Movie,
    Screen,
    Show,
    TicketType,
    default_ticket_type_errors,
    live_ticket_condition,
    overlap_message,
)


class RuleCheckedForm(forms.ModelForm):
    """A model form that also runs the catalogue's rules, so a refused save is a form error, not a crash."""

    rule_check = None

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            self.rule_check(self.instance)
        except DomainError as error:
            self.add_error(None, error.message)


def has_valid_running_time(movie):
    return isinstance(movie.duration_minutes, int) and 1 <= movie.duration_minutes <= MAX_DURATION_MINUTES


class ShowForm(RuleCheckedForm):
    rule_check = staticmethod(services.check_show)

    def _post_clean(self):
        # On a movie's page the show's movie is that page's form: with its running time invalid, the movie form
        # reports it and nothing is saved, and the show's end cannot be computed.
        movie = self.cleaned_data.get("movie")
        if movie is not None and not has_valid_running_time(movie):
            return
        super()._post_clean()


class ShowInlineFormSet(forms.BaseInlineFormSet):
    """A movie's shows edited on its page: each form checks its show against the saved shows, and this checks it
    against the rows above it, which are not saved yet (the service would refuse the second of two overlapping
    rows only while saving, a 500). The later of two overlapping rows gets the error."""

    def clean(self):
        super().clean()
        if not has_valid_running_time(self.instance):
            return
        kept = []
        for form in self.forms:
            if form.errors or self._should_delete_form(form) or not (form.has_changed() or form.instance.pk):
                continue
            show = form.instance
            conflicts = [other for other in kept if other.screen_id == show.screen_id
                         and other.starts_at < show.ends_at and show.starts_at < other.ends_at]
            if conflicts:
                form.add_error("starts_at", overlap_message(conflicts))
            else:
                kept.append(show)


class MovieForm(RuleCheckedForm):
    rule_check = staticmethod(services.check_movie)


class LayoutField(forms.CharField):
    """A seating layout typed as one row per line (row A first); empty: standard seats everywhere."""

    widget = forms.Textarea(attrs={"rows": 12, "cols": 60, "style": "font-family: monospace", "spellcheck": "false"})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class ScreenForm(RuleCheckedForm):
    rule_check = staticmethod(services.check_screen)
    layout = LayoutField(required=False, help_text=(
        "One line per row, one character per place: s standard, p premium, a accessible, x blocked, "
        ". no seat (an aisle or a gap). Leave empty for standard seats everywhere."))

    def clean_best_row(self):
        return self.cleaned_data["best_row"].strip().upper()


# The drawn seating plan: one small square per place, coloured by category; gaps stay empty.
PLAN_STYLE = "display:grid;gap:2px;grid-template-columns:2.2em repeat({columns},1.6em);font-size:11px"
PLACE_STYLES = {
    "standard": "background:#d9e7f5;border:1px solid #7a9cc6",
    "premium": "background:#f6e3b4;border:1px solid #c49a2c",
    "accessible": "background:#d4efd4;border:1px solid #4e9a4e",
    "blocked": "background:#555;border:1px solid #333;color:#fff",
    "sold": "background:#c0392b;border:1px solid #7b241c;color:#fff",
    "held": "background:#e67e22;border:1px solid #a04000;color:#fff",
}
# Seats chosen for the buyer start from the middle of the best row: its places carry an outline.
BEST_ROW_STYLE = "outline:2px solid #8e44ad;outline-offset:-1px"
LEGEND = [(name, name) for name in seating.CATEGORY_NAMES.values()]


def draw_plan(screen, *, sold=frozenset(), held=frozenset()):
    """The screen's layout as an HTML grid (no JavaScript); `sold` and `held` seat numbers are marked, and so
    is the best row."""
    cells = []
    best_row = screen.best_row_index
    for index, places in enumerate(screen.plan):
        letters = seating.row_letters(index)
        best = index == best_row
        cells.append(format_html('<span class="{}" style="font-weight:bold">{}</span>',
                                 "best-row" if best else "row", letters))
        for column, place in enumerate(places, 1):
            number = index * screen.seats_per_row + column
            if place == seating.GAP:
                cells.append(mark_safe("<span></span>"))
                continue
            state = "sold" if number in sold else "held" if number in held else seating.CATEGORY_NAMES[place]
            cells.append(format_html('<span title="{}{} ({})" style="{};text-align:center{}">{}</span>',
                                     letters, column, state, PLACE_STYLES[state],
                                     f";{BEST_ROW_STYLE}" if best else "", column))
    legend = [*LEGEND, *([("sold", "sold"), ("held", "held by a live hold")] if sold or held else [])]
    return format_html(
        '<div style="{}">{}</div><p style="margin-top:6px">{}</p><p class="best-row-caption">'
        '<span style="{};padding:0 4px">{}</span> is the best row: seats chosen for the buyer start from its '
        'middle{}</p>',
        PLAN_STYLE.format(columns=screen.seats_per_row), format_html_join("", "{}", ((cell,) for cell in cells)),
        format_html_join(" ", '<span style="{};padding:0 4px">{}</span>',
                         ((PLACE_STYLES[state], text) for state, text in legend)),
        BEST_ROW_STYLE, seating.row_letters(best_row),
        "; no lonely seats: a booking may not leave a free seat alone" if screen.no_lonely_seats else "",
    )


class ShowInline(admin.TabularInline):
    model = Show
    form = ShowForm
    formset = ShowInlineFormSet
    fields = ["screen", "starts_at", "price"]
    extra = 1
    ordering = ["starts_at"]


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    form = MovieForm
    list_display = ["title", "genre", "language", "duration_minutes", "release_date"]
    list_filter = ["genre", "language"]
    search_fields = ["title"]
    inlines = [ShowInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        services.save_movie(movie=obj)

    def delete_model(self, request, obj):
        services.delete_movie(movie=obj)

    def delete_queryset(self, request, queryset):
        for movie in queryset:
            services.delete_movie(movie=movie)

    def save_formset(self, request, form, formset, change):
        for show in formset.save(commit=False):
            services.save_show(show=show)
        for show in formset.deleted_objects:
            services.delete_show(show=show)


@admin.register(Screen)
class ScreenAdmin(admin.ModelAdmin):
    form = ScreenForm
    list_display = ["name", "rows", "seats_per_row", "capacity", "no_lonely_seats"]
    search_fields = ["name"]
    fields = ["name", "rows", "seats_per_row", "layout", "best_row", "no_lonely_seats", "seating_plan"]
    readonly_fields = ["seating_plan"]

    @admin.display(description="Seating plan")
    def seating_plan(self, screen):
        if not screen.pk:
            return "Shown once the screen is saved."
        if seating.layout_errors(screen.plan, screen.rows, screen.seats_per_row):
            return "Shown once the layout is valid."
        return draw_plan(screen)

    def save_model(self, request, obj, form, change):
        services.save_screen(screen=obj)

    def delete_model(self, request, obj):
        services.delete_screen(screen=obj)

    def delete_queryset(self, request, queryset):
        for screen in queryset:
            services.delete_screen(screen=screen)


@admin.register(Show)
class ShowAdmin(admin.ModelAdmin):
    form = ShowForm
    list_display = ["movie", "screen", "starts_at", "ends_at", "price", "available_seats"]
    list_filter = ["movie", "screen", "starts_at"]
    date_hierarchy = "starts_at"
    search_fields = ["movie__title", "screen__name"]
    list_select_related = ["movie", "screen"]
    autocomplete_fields = ["movie", "screen"]
    fields = ["movie", "screen", "starts_at", "price", "premium_price", "accessible_price", "ticket_types", "seat_map"]
    readonly_fields = ["seat_map"]
    filter_horizontal = ["ticket_types"]

    def get_queryset(self, request):
        return Show.objects.with_availability()

    @admin.display(description="Seat map")
    def seat_map(self, show):
        if not show.pk:
            return "Shown once the show is saved."
        now = timezone.now()
        live = show.tickets.filter(live_ticket_condition(now)).values_list("seat_number", "held_until")
        sold, held = set(), set()
        for number, held_until in live:
            (sold if held_until is None else held).add(number)
        return draw_plan(show.screen, sold=sold, held=held)

    @admin.display(description="Available seats")
    def available_seats(self, show):
        return show.total_seats - show.sold_seats

    def save_model(self, request, obj, form, change):
        services.save_show(show=obj)

    def delete_model(self, request, obj):
        services.delete_show(show=obj)

    def delete_queryset(self, request, queryset):
        for show in queryset:
            services.delete_show(show=show)


class TicketTypeForm(forms.ModelForm):
    class Meta:
        model = TicketType
        fields = ["code", "name", "discount_percent", "discount_amount", "check_at_door", "is_default", "active"]

    def _get_validation_exclusions(self):
        # Saving a type as the default takes the flag from the old default (services.save_ticket_type): the
        # one-default constraint holds after the save, not before; clean() checks the rest of what it guards.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("is_default")
        return exclusions

    def clean(self):
        cleaned = super().clean()
        errors = default_ticket_type_errors(was_default=self.instance.is_default,
                                            is_default=cleaned.get("is_default"), active=cleaned.get("active"))
        for field, message in errors.items():
            self.add_error(field, message)
        return cleaned


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    """Who a seat is for. The default cannot be deleted, nor a type that tickets were sold as or that shows or
    vouchers are limited to (deactivate it instead)."""

    form = TicketTypeForm
    list_display = ["code", "name", "discount_percent", "discount_amount", "check_at_door", "is_default", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or services.ticket_type_deletable(obj))

    def save_model(self, request, obj, form, change):
        services.save_ticket_type(ticket_type=obj)

    def delete_model(self, request, obj):
        services.delete_ticket_type(ticket_type=obj)

    def delete_queryset(self, request, queryset):
        for ticket_type in queryset:
            try:
                services.delete_ticket_type(ticket_type=ticket_type)
            except DomainError as error:
                self.message_user(request, f"{ticket_type}: {error.message}", messages.WARNING)
