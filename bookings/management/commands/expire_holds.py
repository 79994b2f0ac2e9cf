"""`manage.py expire_holds`: record dead holds as EXPIRED and free their seats' rows, for a cron job.

Nothing depends on it: a hold is dead the instant its `expires_at` passes, for every read and write.
"""
from django.core.management.base import BaseCommand

from bookings import services


class Command(BaseCommand):
    help = "Record holds past their expires_at as EXPIRED (each show under its lock). Safe to run at any time."

    def handle(self, *args, **options):
        released = sum(services.release_expired_holds(show_id=show_id)
                       for show_id in services.shows_with_expired_holds())
        self.stdout.write(f"Expired {released} hold(s).")
