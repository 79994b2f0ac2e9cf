"""The admin's Sales page (API.md, "Sales reports (staff)"): staff with bookings.view_sales see, for a period, the
revenue per day and the occupancy per show as SVG charts drawn on the server, the same figures as the API, and
their CSV; nobody else does."""
import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.tests.factories import booking_with_seats
from conftest import BACK_OFFICE_PERMISSIONS, bearer_client, staff_with_permissions
from movies.tests.factories import ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAGE = "/admin/bookings/booking/sales/"


@pytest.fixture
def accountant():
    return staff_with_permissions("bookings.view_sales")


@pytest.fixture
def sold():
    """Two shows this week, one with seats sold today."""
    soon = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    shows = [ShowFactory(starts_at=soon), ShowFactory(starts_at=soon + timedelta(hours=1))]
    booking_with_seats(shows[0], [1, 2, 3])
    return shows


def period():
    today = timezone.localdate()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}


def bars(svg):
    return len(re.findall(r'<g class="bar"', svg))


def test_the_page_draws_both_charts_with_the_api_s_figures(client, accountant, sold):
    client.force_login(accountant)

    page = client.get(PAGE, period())

    assert page.status_code == 200
    content = page.content.decode()
    revenue_chart = content.split('id="revenue-chart">')[1].split("</svg>")[0]
    occupancy_chart = content.split('id="occupancy-chart">')[1].split("</svg>")[0]
    assert bars(revenue_chart) == 1  # one day of sale
    assert bars(occupancy_chart) == 2  # one bar per show
    assert "<script" not in revenue_chart + occupancy_chart
    api = bearer_client(accountant)
    (day,) = api.get("/api/reports/daily/", period()).json()["results"]
    assert f"{page.context['day_rows'][0]['revenue']:.2f}" == day["revenue"]
    assert f'<td class="figure revenue">{day["revenue"]}</td>' in content
    shows = api.get("/api/reports/shows/").json()["results"]
    for row in shows:
        assert f'<td class="figure tickets-sold">{row["tickets_sold"]}</td>' in content


def test_the_csv_downloads_are_the_api_s_rows(client, accountant, sold):
    client.force_login(accountant)
    api = bearer_client(accountant)

    by_show = client.get(f"{PAGE}shows.csv", period())
    by_day = client.get(f"{PAGE}daily.csv", period())

    assert by_show["Content-Type"] == "text/csv; charset=utf-8"
    assert by_show["Content-Disposition"].startswith('attachment; filename="sales-shows-')
    assert by_show.content == api.get("/api/reports/shows/", {"format": "csv"}).content
    assert by_day.content == api.get("/api/reports/daily/", {**period(), "format": "csv"}).content
    assert len(list(csv.reader(io.StringIO(by_day.content.decode())))) == 2


def test_the_period_defaults_to_this_month_and_a_bad_one_is_a_form_error(client, accountant, sold):
    client.force_login(accountant)

    default = client.get(PAGE)
    backwards = client.get(PAGE, {"from": "2026-12-09", "to": "2026-12-01"})
    out_of_range = client.get(PAGE, {"from": "2026-12-01", "to": "9999-12-31"})

    first = timezone.localdate().replace(day=1)
    assert default.context["form"].days[0] == first
    assert "The end of the period is before its start." in backwards.content.decode()
    assert backwards.context["form"].days[0] == first
    assert out_of_range.status_code == 200
    assert "Date out of range." in out_of_range.content.decode()


def test_the_index_links_to_it_for_those_who_may_see_it(client, accountant):
    others = staff_with_permissions(*BACK_OFFICE_PERMISSIONS)

    client.force_login(accountant)
    assert PAGE in client.get("/admin/").content.decode()
    client.force_login(others)
    assert PAGE not in client.get("/admin/").content.decode()


@pytest.mark.parametrize("path", [PAGE, f"{PAGE}shows.csv", f"{PAGE}daily.csv"])
def test_nobody_else_sees_it(client, path):
    client.force_login(staff_with_permissions(*BACK_OFFICE_PERMISSIONS))
    assert client.get(path).status_code == 403

    client.force_login(UserFactory())  # not staff: the admin's login page
    refused = client.get(path)
    assert refused.status_code == 302
    assert refused["Location"].startswith("/admin/login/")
