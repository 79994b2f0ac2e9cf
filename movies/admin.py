"""Staff manage the catalogue here; every save and delete goes through the same services as the API."""
from django import forms
from django.contrib import admin
from django.db import models

from core.exceptions import DomainError
from movies import services
from movies.models import Movie, Screen, Show


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


class ShowForm(RuleCheckedForm):
    rule_check = staticmethod(services.check_show)


class MovieForm(RuleCheckedForm):
    rule_check = staticmethod(services.check_movie)


class ScreenForm(RuleCheckedForm):
    rule_check = staticmethod(services.check_screen)


class ShowInline(admin.TabularInline):
    model = Show
    form = ShowForm
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
    list_display = ["name", "rows", "seats_per_row", "capacity"]
    search_fields = ["name"]

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

    def get_queryset(self, request):
        return Show.objects.with_availability()

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
