from django.apps import AppConfig
from django.apps import apps as installed_apps
from django.db.models.signals import post_migrate


def ensure_default_ticket_type(using, apps=installed_apps, **kwargs):
    """A database always has a default ticket type: migration 0004 makes Adult, and this puts it back after a
    `flush` (which empties every table and then signals post_migrate, without `apps`, as Django restores its
    content types)."""
    try:
        ticket_types = apps.get_model("movies", "TicketType")
    except LookupError:  # migrated back to before ticket types
        return
    if not ticket_types.objects.using(using).filter(is_default=True).exists():
        ticket_types.objects.using(using).update_or_create(
            code="adult", defaults={"name": "Adult", "is_default": True, "active": True})


class MoviesConfig(AppConfig):
    name = "movies"
    verbose_name = "Catalogue"

    def ready(self):
        post_migrate.connect(ensure_default_ticket_type, sender=self)
