"""In a real browser: a web app on another origin logs in and books with `fetch` when CORS_ALLOWED_ORIGINS lists
it, and is refused when it does not."""
import functools
import http.server
import threading
from pathlib import Path

import pytest
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from bookings.models import Booking
from conftest import requires_chromium
from movies.tests.factories import ShowFactory
from users.tests.factories import PASSWORD

pytestmark = [requires_chromium, pytest.mark.django_db(transaction=True)]

WEB_APP = Path(__file__).parent / "web_app"


class QuietFileHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def web_app_origin():
    """The web app's page, served from its own origin: 127.0.0.1 on a port of its own (the API is on localhost)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFileHandler, directory=WEB_APP))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def log_in_and_book(page, origin, api, user, show):
    page.goto(f"{origin}/index.html")
    return page.evaluate("([api, username, password, show]) => logInAndBook(api, username, password, show, 'A1')",
                         [api, user.username, PASSWORD, show.id])


def test_a_listed_web_app_logs_in_and_books_across_origins(browser_page, live_server, web_app_origin, user, settings,
                                                           screenshot):
    settings.CORS_ALLOWED_ORIGINS = [web_app_origin]
    show = ShowFactory()

    result = log_in_and_book(browser_page, web_app_origin, live_server.url, user, show)

    screenshot(browser_page, "cors-web-app-booked")
    booking = Booking.objects.get(user=user, show=show)
    assert (result["login"], result["status"], result["replayed"]) == (200, 201, "true")
    assert result["location"] == f"{live_server.url}/api/bookings/{booking.id}/"
    assert result["booking"]["seats"][0]["label"] == "A1"
    assert list(booking.tickets.values_list("seat_number", flat=True)) == [1]


def test_an_unlisted_web_app_is_refused_before_anything_runs(browser_page, live_server, web_app_origin, user,
                                                             settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.cinema.example"]
    show = ShowFactory()

    result = log_in_and_book(browser_page, web_app_origin, live_server.url, user, show)

    assert result == {"error": "TypeError: Failed to fetch"}
    assert not OutstandingToken.objects.exists()  # the login itself never ran: its preflight was refused
    assert not Booking.objects.exists()
