"""In a real browser: Swagger UI logs in, authorizes with the token and books a seat."""
import json

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from conftest import requires_chromium
from movies.tests.factories import ShowFactory
from users.tests.factories import PASSWORD

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


def try_it_out(page, operation_id, tag):
    """Open one operation of Swagger UI and switch it to Try it out; returns its block."""
    block = page.locator(f"#operations-{tag}-{operation_id}")
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    return block


def execute(block):
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table td.response-col_status:not(.col_header)")
    expect(status).to_be_visible()
    return status


def test_swagger_ui_logs_in_authorizes_and_books_a_seat(browser_page, live_server, user, screenshot):
    show = ShowFactory()
    page = browser_page
    page.goto(f"{live_server.url}/swagger/")
    expect(page.locator("button.authorize")).to_be_visible()

    login = try_it_out(page, "auth_login", "auth")
    login.locator("textarea.body-param__text").fill(json.dumps({"username": user.username, "password": PASSWORD}))
    expect(execute(login)).to_have_text("200")
    tokens = json.loads(login.locator(".live-responses-table .response-col_description pre").first.inner_text())

    page.locator("button.authorize").first.click()
    page.fill("#api_key_value", f"Bearer {tokens['access']}")
    page.locator(".auth-container button[type=submit]").click()
    expect(page.get_by_role("button", name="Remove authorization")).to_be_visible()
    page.locator(".auth-container button.btn-done").click()

    book = try_it_out(page, "shows_book", "shows")
    book.locator("input[placeholder=id]").fill(str(show.pk))
    book.locator("textarea.body-param__text").fill(json.dumps({"seat_numbers": ["A1", "A2"]}))
    expect(execute(book)).to_have_text("201")
    book.locator(".live-responses-table").scroll_into_view_if_needed()
    screenshot(page, "swagger-book-201")

    booking = Booking.objects.get(user=user, show=show)
    assert sorted(booking.tickets.values_list("seat_number", flat=True)) == [1, 2]
