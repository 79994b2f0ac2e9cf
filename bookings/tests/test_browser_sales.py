"""In a real browser: staff with bookings.view_sales open the admin's Sales page, see both charts drawn (one bar per
day of sale and per show), the API's figures, and download the CSV; a customer is refused."""
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import access_token, bearer_client, requires_chromium, staff_with_permissions
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import PASSWORD, UserFactory

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def season():
    """Three shows in four days; seats sold through the API yesterday and today."""
    soon = timezone.now().replace(microsecond=0) + timedelta(days=2)
    shows = [ShowFactory(screen=ScreenFactory(rows=4, seats_per_row=5), starts_at=soon + timedelta(days=offset),
                         price=Decimal("8.75")) for offset in range(3)]
    buyer = bearer_client(UserFactory())
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=1)):
        assert buyer.post(f"/api/shows/{shows[0].pk}/book/", {"seat_numbers": [1, 2, 3]},
                          format="json").status_code == 201
    assert buyer.post(f"/api/shows/{shows[1].pk}/book/", {"seat_number": 7}, format="json").status_code == 201
    return shows


def log_in(page, base, user):
    page.goto(f"{base}/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()


def test_staff_see_both_charts_and_the_api_s_figures_and_download_the_csv(browser_page, live_server, season,
                                                                         tmp_path):
    accountant = staff_with_permissions("bookings.view_sales")
    page = browser_page
    today = timezone.localdate()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=6)).isoformat()}

    log_in(page, live_server.url, accountant)
    page.get_by_role("link", name="Sales").click()
    page.fill("#id_from", period["from"])
    page.fill("#id_to", period["to"])
    page.locator("input[type=submit][value=Show]").click()

    expect(page.locator("#revenue-chart svg.pygal-chart g.bar")).to_have_count(2)  # yesterday and today
    expect(page.locator("#occupancy-chart svg.pygal-chart g.bar")).to_have_count(3)  # one bar per show
    page.screenshot(path=str(tmp_path / "sales-page.png"), full_page=True)
    api = {"Authorization": f"Bearer {access_token(accountant)}"}
    (_, today_row) = page.request.get(f"{live_server.url}/api/reports/daily/", params=period,
                                      headers=api).json()["results"]
    expect(page.locator(f'#daily-table tr[data-date="{today.isoformat()}"] .revenue')).to_have_text(
        today_row["revenue"])
    first_show = page.request.get(f"{live_server.url}/api/reports/shows/", headers=api).json()["results"][0]
    expect(page.locator(f'#shows-table tr[data-show="{first_show["show"]["id"]}"] .tickets-sold')).to_have_text(
        str(first_show["tickets_sold"]))
    assert (today_row["revenue"], first_show["tickets_sold"]) == ("8.75", 3)

    with page.expect_download() as download:
        page.locator("#csv-shows").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes() == page.request.get(f"{live_server.url}/api/reports/shows/?format=csv",
                                                  headers=api).body()


def test_a_customer_is_refused(browser_page, live_server, season):
    customer = UserFactory()
    page = browser_page

    log_in(page, live_server.url, customer)
    expect(page.locator(".errornote")).to_contain_text("staff account")
    page.goto(f"{live_server.url}/admin/bookings/booking/sales/")
    expect(page).to_have_url(f"{live_server.url}/admin/login/?next=/admin/bookings/booking/sales/")
    expect(page.locator("svg.pygal-chart")).to_have_count(0)
