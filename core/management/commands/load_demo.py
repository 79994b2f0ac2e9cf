"""Load a small demo catalogue and two demo accounts, for trying the API locally. Safe to run again.

Never run this against a production database: the demo accounts have published passwords.
"""
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

DEMO_USER = ("demo", "demo@example.com", "demo-pass-1234")
DEMO_STAFF = ("admin", "admin@example.com", "admin-pass-1234")
DOOR_STAFF_GROUP = "Door staff"

# (name, rows, seats per row, layout: see movies/seating.py; empty means standard seats everywhere)
SCREENS = [
    # A centre aisle, wheelchair places at the front corners, a broken seat kept blocked, two premium rows.
    ("Screen 1", 8, 12, ["aasss..sssaa", "sssss..sssss", "sssss..ssssx", "sssss..sssss",
                         "sssss..sssss", "sssss..sssss", "ppppp..ppppp", "ppppp..ppppp"]),
    ("Screen 2", 10, 15, []),
    # Two aisles, a premium block in the middle of rows E to H, accessible places in the back row.
    ("IMAX", 12, 20, ["sss..ssssssssss..sss"] * 4 + ["sss..pppppppppp..sss"] * 4
     + ["sss..ssssssssss..sss"] * 3 + ["aa..ss........ss..aa"]),
]
# Screens that refuse a booking leaving a free seat alone (no_lonely_seats).
NO_LONELY_SEATS = {"IMAX"}
PREMIUM_SURCHARGE = Decimal("3.00")

# (title, minutes, genre, language, release date, description)
MOVIES = [
    ("The Last Projectionist", 118, "Drama", "English", date(2026, 9, 4), "A small-town cinema's final week."),
    ("Orbit of Ashes", 142, "Science Fiction", "English", date(2026, 10, 16), "A salvage crew finds a live signal."),
    ("Midnight at the Lido", 104, "Comedy", "Italian", date(2026, 8, 21), "Two rival bands, one booking."),
    ("Paper Tigers", 97, "Animation", "English", date(2026, 11, 6), "Origami animals escape a bookshop."),
    ("The Cartographer's Daughter", 131, "Adventure", "English", date(2026, 7, 10), "Mapping a coast that moves."),
    ("Silent Harbour", 112, "Thriller", "Norwegian", date(2026, 10, 2), "A lighthouse keeper sees too much."),
    ("Les Heures Claires", 99, "Romance", "French", date(2026, 6, 12), "One summer, one train line."),
    ("Iron Monsoon", 155, "Action", "Hindi", date(2026, 11, 13), "A heist in the rainy season."),
    ("Glass Garden", 89, "Documentary", "English", date(2026, 5, 29), "A year inside a botanical glasshouse."),
    ("Kaiju Kitchen", 108, "Comedy", "Japanese", date(2026, 9, 25), "A chef cooks for a very large guest."),
    ("Northbound", 126, "Drama", "Spanish", date(2026, 8, 7), "Three generations, one road trip."),
    ("The Quiet Algorithm", 117, "Science Fiction", "English", date(2026, 10, 30), "A model that refuses to answer."),
]

# (code, name, percent off, amount off, what the door checks); Adult, the default, comes with the database.
TICKET_TYPES = [
    ("child", "Child", Decimal("30"), None, ""),
    ("senior", "Senior", None, Decimal("2.00"), ""),
    ("student", "Student", Decimal("15"), None, "Student card"),
]
DEMO_VOUCHER = ("DEMO10", Decimal("10"))  # 10 % off any ticket of any show
ADULTS_ONLY = "Iron Monsoon"  # an adult film: its shows sell no child tickets

# Start times (UTC) of each day's shows; 3.5 hours apart, longer than any demo movie, so no overlap.
SLOTS = [time(11, 0), time(14, 30), time(18, 0), time(21, 30)]
PRICES = [Decimal("8.50"), Decimal("10.00"), Decimal("12.50"), Decimal("12.50")]
DAYS = 7

# The door opens CHECK_IN_OPENS_MINUTES (120) before a show: so that check-in can be tried at once, each load
# makes sure a show starts within the next two hours, on a screen of its own beside the week's slots.
DOOR_SCREEN = ("Studio", 5, 10)
DOOR_MOVIE = "Glass Garden"  # the shortest: a show still running delays the next one least
DOOR_SHOW_PRICE = Decimal("7.50")
DOOR_SHOW_WITHIN = timedelta(hours=2)
DOOR_SHOW_LEAD = timedelta(minutes=30)
BETWEEN_SHOWS = timedelta(minutes=10)


class Command(BaseCommand):
    help = "Load the demo catalogue (screens, movies, a week of shows) and the demo accounts. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        movie_model = apps.get_model("movies", "Movie")
        screen_model = apps.get_model("movies", "Screen")
        show_model = apps.get_model("movies", "Show")
        ticket_types = self.ensure_ticket_types()
        voucher = self.ensure_voucher()

        screens = [
            screen_model.objects.get_or_create(name=name, defaults={
                "rows": rows, "seats_per_row": seats, "layout": layout, "no_lonely_seats": name in NO_LONELY_SEATS,
            })[0]
            for name, rows, seats, layout in SCREENS
        ]
        movies = [
            movie_model.objects.get_or_create(title=title, defaults={
                "duration_minutes": minutes, "genre": genre, "language": language,
                "release_date": released, "description": description,
                "age_rating": "18" if title == ADULTS_ONLY else "",
            })[0]
            for title, minutes, genre, language, released, description in MOVIES
        ]

        created_shows = 0
        today = timezone.now().date()
        for day_offset in range(DAYS):
            day = today + timedelta(days=day_offset)
            for screen_index, screen in enumerate(screens):
                for slot_index, slot in enumerate(SLOTS):
                    movie = movies[(day_offset * 5 + screen_index * len(SLOTS) + slot_index) % len(movies)]
                    show, created = show_model.objects.get_or_create(
                        screen=screen,
                        starts_at=datetime.combine(day, slot, tzinfo=UTC),
                        defaults={"movie": movie, "price": PRICES[slot_index],
                                  "premium_price": PRICES[slot_index] + PREMIUM_SURCHARGE},
                    )
                    if created and movie.title == ADULTS_ONLY:
                        show.ticket_types.set([kind for kind in ticket_types if kind.code != "child"])
                    created_shows += created

        door_screen = screen_model.objects.get_or_create(
            name=DOOR_SCREEN[0], defaults={"rows": DOOR_SCREEN[1], "seats_per_row": DOOR_SCREEN[2]})[0]
        screens.append(door_screen)
        created_shows += self.ensure_show_starting_soon(
            show_model, door_screen, next(movie for movie in movies if movie.title == DOOR_MOVIE))

        self.ensure_user(*DEMO_USER, staff=False)
        self.ensure_user(*DEMO_STAFF, staff=True)
        self.ensure_door_staff_group()
        self.stdout.write(self.style.SUCCESS(
            f"Demo catalogue ready: {len(screens)} screens, {len(movies)} movies, {created_shows} new shows. "
            f"Demo login: {DEMO_USER[0]} / {DEMO_USER[2]}; staff (admin): {DEMO_STAFF[0]} / {DEMO_STAFF[2]}; "
            f"group for door staff: {DOOR_STAFF_GROUP}. Ticket types: "
            f"{', '.join(ticket_type.code for ticket_type in ticket_types)}; voucher: {voucher.code} "
            f"({voucher.discount_percent:g} % off)."
        ))

    def ensure_ticket_types(self):
        """Every active ticket type, the demo's made if missing (staff edits of them are kept)."""
        ticket_type_model = apps.get_model("movies", "TicketType")
        for code, name, percent, amount, check_at_door in TICKET_TYPES:
            ticket_type_model.objects.get_or_create(code=code, defaults={
                "name": name, "discount_percent": percent, "discount_amount": amount, "check_at_door": check_at_door})
        return list(ticket_type_model.objects.filter(active=True).order_by("pk"))

    def ensure_voucher(self):
        code, percent = DEMO_VOUCHER
        return apps.get_model("bookings", "Voucher").objects.get_or_create(
            code=code, defaults={"discount_percent": percent})[0]

    def ensure_show_starting_soon(self, show_model, screen, movie):
        """A show on `screen` starting within DOOR_SHOW_WITHIN, after the one running there; 1 if it made one."""
        now = timezone.now()
        if show_model.objects.filter(screen=screen, starts_at__gt=now, starts_at__lte=now + DOOR_SHOW_WITHIN).exists():
            return 0
        starts_at = now + DOOR_SHOW_LEAD
        running = show_model.objects.filter(screen=screen, starts_at__lte=now).select_related("movie").order_by(
            "-starts_at").first()
        if running is not None:
            starts_at = max(starts_at, running.ends_at + BETWEEN_SHOWS)
        # On the next five minutes, as a cinema's times are.
        starts_at += timedelta(minutes=-starts_at.minute % 5, seconds=-starts_at.second,
                               microseconds=-starts_at.microsecond)
        show_model.objects.create(screen=screen, movie=movie, starts_at=starts_at, price=DOOR_SHOW_PRICE)
        return 1

    def ensure_door_staff_group(self):
        """The group whose members may check tickets in; add door staff to it in the admin."""
        group, _ = Group.objects.get_or_create(name=DOOR_STAFF_GROUP)
        group.permissions.add(Permission.objects.get(codename="check_in_ticket", content_type__app_label="bookings"))

    def ensure_user(self, username, email, password, *, staff):
        # Verified, so that the demo can book with EMAIL_VERIFICATION=mandatory (their addresses receive nothing).
        user_model = get_user_model()
        existing = user_model.objects.filter(username__iexact=username)
        if existing.exists():
            existing.update(email_verified=True)  # made before email verification existed
            return
        if staff:
            user_model.objects.create_superuser(username=username, email=email, password=password, email_verified=True)
        else:
            user_model.objects.create_user(username=username, email=email, password=password, email_verified=True)
