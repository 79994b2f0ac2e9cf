"""`manage.py reconcile_payments`: what a lost webhook or a Stripe outage left undone, for a cron job (deploy/).

Asks Stripe about every payment still pending after RECONCILE_AFTER_MINUTES and applies the answer through the
same function as confirm and the webhook, sends refunds Stripe has not taken yet, and settles those it has.
"""
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bookings.payments import services as payments


class Command(BaseCommand):
    help = "Settle pending payments and refunds with what Stripe says of them. Safe to run at any time."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=settings.RECONCILE_AFTER_MINUTES,
                            help="Only payments and refunds at least this old (default RECONCILE_AFTER_MINUTES)")

    def handle(self, *args, older_than_minutes, **options):
        if settings.PAYMENT_PROVIDER == "none":
            self.stdout.write("PAYMENT_PROVIDER=none: nothing to reconcile.")
            return
        done = payments.reconcile(older_than=timedelta(minutes=older_than_minutes))
        self.stdout.write(", ".join(f"{what.replace('_', ' ')}: {count}" for what, count in done.items()))
        if done["unreachable"]:
            raise CommandError(f"Stripe did not answer for {done['unreachable']} of them; run again later.")
