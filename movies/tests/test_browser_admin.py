"""In a real browser: staff add a movie and a show in the admin, and the public API lists the show; the
demo catalogue's seating layouts are drawn in the admin."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from conftest import requires_chromium
from movies.models import Screen, Show
from movies.tests.factories import ScreenFactory
from users.tests.factories import PASSWORD

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def choose(page, field, text):
    """Pick `text` in the admin's autocomplete (select2) widget of `field`."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).click()


def test_staff_add_a_movie_and_a_show_that_the_public_api_lists(browser_page, live_server, staff_user, screenshot):
    staff_user.is_superuser = True
    staff_user.save()
    screen = ScreenFactory(name="Screen Dune")
    starts_at = (timezone.now() + timedelta(days=3)).replace(hour=19, minute=30, second=0, microsecond=0)
    page = browser_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", staff_user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_contain_text("Movie Booking administration")

    page.goto(f"{live_server.url}/admin/movies/movie/add/")
    page.fill("#id_title", "Dune: Part Two")
    page.fill("#id_description", "Paul Atreides unites with the Fremen.")
    page.fill("#id_duration_minutes", "166")
    page.fill("#id_genre", "Sci-Fi")
    page.fill("#id_language", "English")
    page.fill("#id_release_date", "2024-03-01")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Dune: Part Two")

    page.goto(f"{live_server.url}/admin/movies/show/add/")
    choose(page, "movie", "Dune: Part Two")
    choose(page, "screen", screen.name)
    page.fill("#id_starts_at_0", starts_at.strftime("%Y-%m-%d"))
    page.fill("#id_starts_at_1", starts_at.strftime("%H:%M:%S"))
    page.fill("#id_price", "12.50")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    expect(page.locator("#result_list")).to_contain_text("Dune: Part Two")
    screenshot(page, "admin-show-added")

    page.goto(f"{live_server.url}/api/shows/")
    expect(page.locator("body")).to_contain_text("Dune: Part Two")
    screenshot(page, "api-shows-lists-it")
    listed = page.request.get(f"{live_server.url}/api/shows/").json()["results"]

    show = Show.objects.get(movie__title="Dune: Part Two")
    assert [entry for entry in listed if entry["id"] == show.pk] == [{
        "id": show.pk, "movie": {"id": show.movie_id, "title": "Dune: Part Two"},
        "screen": {"id": screen.pk, "name": "Screen Dune"},
        "starts_at": starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "ends_at": (starts_at + timedelta(minutes=166)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
        "price": "12.50", "prices": {"standard": "12.50", "premium": "12.50", "accessible": "12.50"},
        "ticket_types": [{"code": "adult", "name": "Adult",
                          "prices": {"standard": "12.50", "premium": "12.50", "accessible": "12.50"}}],
        "currency": "EUR", "total_seats": screen.capacity, "available_seats": screen.capacity,
    }]


def test_the_demo_layouts_are_drawn_in_the_admin(browser_page, live_server, screenshot):
    call_command("load_demo", stdout=StringIO())
    screen = Screen.objects.get(name="Screen 1")
    show = Show.objects.filter(screen=screen).order_by("starts_at").last()
    page = browser_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-pass-1234")
    page.locator("input[type=submit]").click()
    page.goto(f"{live_server.url}/admin/movies/screen/{screen.pk}/change/")

    plan = page.locator(".field-seating_plan")
    expect(plan.locator('[title="A1 (accessible)"]')).to_be_visible()
    expect(plan.locator('[title="C12 (blocked)"]')).to_be_visible()
    expect(plan.locator('[title="H1 (premium)"]')).to_be_visible()
    expect(plan.locator('[title="A6 (standard)"]')).to_have_count(0)  # the aisle
    screenshot(plan, "admin-screen-layout")

    page.goto(f"{live_server.url}/admin/movies/show/{show.pk}/change/")
    expect(page.locator('.field-seat_map [title="A3 (standard)"]')).to_be_visible()
    screenshot(page.locator(".field-seat_map"), "admin-show-seat-map")
