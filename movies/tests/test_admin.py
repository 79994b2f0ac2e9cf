"""Staff manage the catalogue in the admin; the rules hold there too."""
import io
from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Booking, Voucher
from bookings.tests.factories import booking_with_seats
from movies.models import Movie, Screen, Show, TicketType
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory

pytestmark = pytest.mark.django_db


def show_form(**values):
    return {
        "movie": values.get("movie"),
        "screen": values.get("screen"),
        "starts_at_0": values["starts_at"].strftime("%Y-%m-%d"),
        "starts_at_1": values["starts_at"].strftime("%H:%M:%S"),
        "price": values.get("price", "9.50"),
    }


def test_show_changelist_shows_available_seats(admin_client, django_assert_max_num_queries):
    for _ in range(10):
        booking_with_seats(ShowFactory(), [1, 2])

    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/movies/show/")

    assert response.status_code == 200
    assert b"Available seats" in response.content
    assert response.content.count(b'<td class="field-available_seats">48</td>') == 10


def test_overlapping_show_is_a_form_error(admin_client):
    existing = ShowFactory()

    response = admin_client.post("/admin/movies/show/add/", show_form(
        movie=MovieFactory().id, screen=existing.screen_id, starts_at=existing.starts_at + timedelta(minutes=5),
    ))

    assert response.status_code == 200
    assert b"overlaps another show" in response.content
    assert Show.objects.count() == 1


@pytest.mark.parametrize("starts_at", [datetime(1, 1, 1, 0, 0), datetime(9999, 12, 31, 23, 0)])
def test_a_start_out_of_the_calendar_is_a_form_error(admin_client, starts_at):
    # Found by the contract fuzzer through the API; the admin's form took the same path (was a 500).
    form = show_form(movie=MovieFactory().id, screen=ScreenFactory().id, starts_at=starts_at)

    response = admin_client.post("/admin/movies/show/add/", {**form, "starts_at_0": starts_at.date().isoformat()})

    assert response.status_code == 200
    assert b"Ensure this value is" in response.content
    assert not Show.objects.exists()


def test_staff_add_a_show_that_the_public_api_lists(admin_client, api_client):
    existing = ShowFactory()

    response = admin_client.post("/admin/movies/show/add/", show_form(
        movie=existing.movie_id, screen=existing.screen_id, starts_at=existing.ends_at,
    ))

    assert response.status_code == 302
    assert api_client.get("/api/shows/").json()["count"] == 2


def test_moving_a_show_with_live_tickets_is_a_form_error(admin_client):
    show = ShowFactory()
    booking_with_seats(show, [3])

    response = admin_client.post(f"/admin/movies/show/{show.id}/change/", show_form(
        movie=show.movie_id, screen=show.screen_id, starts_at=show.starts_at + timedelta(days=2),
    ))

    assert response.status_code == 200
    assert b"live tickets" in response.content


def test_pages_of_every_model_render(admin_client):
    show = ShowFactory()
    for path in ["/admin/movies/movie/", f"/admin/movies/movie/{show.movie_id}/change/", "/admin/movies/screen/",
                 f"/admin/movies/screen/{show.screen_id}/change/", "/admin/movies/show/add/",
                 f"/admin/movies/show/{show.pk}/change/", "/admin/movies/tickettype/", "/admin/movies/tickettype/add/",
                 "/admin/bookings/voucher/", "/admin/bookings/voucher/add/"]:
        assert admin_client.get(path).status_code == 200, path


def test_load_demo_is_idempotent_and_has_no_overlaps():
    call_command("load_demo", stdout=io.StringIO())
    counts = (Movie.objects.count(), Screen.objects.count(), Show.objects.count())
    call_command("load_demo", stdout=io.StringIO())

    assert (Movie.objects.count(), Screen.objects.count(), Show.objects.count()) == counts
    assert counts[0] >= 10
    assert counts[2] >= 21 * 3
    for show in Show.objects.select_related("movie"):
        assert not Show.objects.overlapping(screen_id=show.screen_id, starts_at=show.starts_at,
                                            ends_at=show.ends_at, exclude_pk=show.pk)


def test_load_demo_sells_four_ticket_types_and_a_voucher_and_no_child_seats_for_an_adult_film():
    out = io.StringIO()
    call_command("load_demo", stdout=out)

    types = {ticket_type.code: ticket_type for ticket_type in TicketType.objects.all()}
    assert set(types) == {"adult", "child", "senior", "student"}
    assert types["adult"].is_default
    assert (types["child"].discount_percent, types["senior"].discount_amount) == (Decimal("30"), Decimal("2.00"))
    assert (types["student"].discount_percent, types["student"].check_at_door) == (Decimal("15"), "Student card")
    assert Voucher.objects.get(code="DEMO10").discount_percent == Decimal("10")
    assert "Ticket types: adult, child, senior, student; voucher: DEMO10 (10 % off)" in out.getvalue()
    adult_film = Show.objects.filter(movie__age_rating="18").first()
    assert {ticket_type.code for ticket_type in adult_film.ticket_types.all()} == {"adult", "senior", "student"}


def test_load_demo_always_leaves_a_show_whose_door_opens_within_two_hours():
    call_command("load_demo", stdout=io.StringIO())
    later = timezone.now() + timedelta(minutes=100)  # the first show starting soon is running then
    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("load_demo", stdout=io.StringIO())

    for moment in (timezone.now(), later):
        assert Show.objects.filter(screen__name="Studio", starts_at__gt=moment,
                                   starts_at__lte=moment + timedelta(hours=2)).exists()
    for show in Show.objects.select_related("movie"):
        assert not Show.objects.overlapping(screen_id=show.screen_id, starts_at=show.starts_at,
                                            ends_at=show.ends_at, exclude_pk=show.pk)


class TestTicketTypesInTheAdmin:
    def test_saving_another_type_as_default_takes_the_default_over(self, admin_client):
        response = admin_client.post("/admin/movies/tickettype/add/", {
            "code": "member", "name": "Member", "discount_percent": "10", "check_at_door": "Member card",
            "is_default": "on", "active": "on"})

        assert response.status_code == 302, response.content
        assert list(TicketType.objects.filter(is_default=True).values_list("code", flat=True)) == ["member"]

    def test_the_default_cannot_be_unset_deactivated_or_deleted(self, admin_client):
        adult = TicketType.objects.get(is_default=True)

        response = admin_client.post(f"/admin/movies/tickettype/{adult.pk}/change/", {
            "code": "adult", "name": "Adult", "check_at_door": "", "active": "on"})

        assert response.status_code == 200
        assert "always the default" in response.content.decode()
        response = admin_client.post(f"/admin/movies/tickettype/{adult.pk}/change/", {
            "code": "adult", "name": "Adult", "check_at_door": "", "is_default": "on"})
        assert "must be active" in response.content.decode()
        assert admin_client.get(f"/admin/movies/tickettype/{adult.pk}/delete/").status_code == 403
        adult.refresh_from_db()
        assert (adult.is_default, adult.active) == (True, True)

    def test_a_type_tickets_were_sold_as_offers_no_delete(self, admin_client):
        child = TicketType.objects.create(code="child", name="Child", discount_percent=Decimal("30"))
        unused = TicketType.objects.create(code="unused", name="Unused")
        booking = booking_with_seats(ShowFactory(), [1])
        booking.tickets.update(ticket_type=child)

        assert admin_client.get(f"/admin/movies/tickettype/{child.pk}/delete/").status_code == 403
        assert admin_client.post(f"/admin/movies/tickettype/{unused.pk}/delete/", {"post": "yes"}).status_code == 302
        assert set(TicketType.objects.values_list("code", flat=True)) == {"adult", "child"}


def test_the_voucher_list_shows_live_uses(admin_client):
    voucher = Voucher.objects.create(code="SPRING", discount_percent=Decimal("10"), max_uses=5)
    show = ShowFactory()
    for seat, cancelled in [(1, False), (2, False), (3, True)]:
        Booking.objects.filter(pk=booking_with_seats(show, [seat], cancelled=cancelled).pk).update(voucher=voucher)

    page = admin_client.get("/admin/bookings/voucher/").content.decode()

    assert '<td class="field-uses">2</td>' in page


class TestBestRowInTheScreenForm:
    def screen_form(self, **values):
        return {"name": "Studio", "rows": 5, "seats_per_row": 6, "layout": "", "best_row": "", **values}

    def test_staff_set_the_best_row_and_the_lonely_seat_rule(self, admin_client):
        screen = ScreenFactory(rows=5, seats_per_row=6)
        response = admin_client.post(f"/admin/movies/screen/{screen.pk}/change/",
                                     self.screen_form(best_row="b", no_lonely_seats="on"))
        assert response.status_code == 302
        screen.refresh_from_db()
        assert (screen.best_row, screen.no_lonely_seats) == ("B", True)

    @pytest.mark.parametrize("best_row", ["F", "A1"])
    def test_a_row_the_screen_lacks_is_a_form_error(self, admin_client, best_row):
        screen = ScreenFactory(rows=5, seats_per_row=6)
        response = admin_client.post(f"/admin/movies/screen/{screen.pk}/change/",
                                     self.screen_form(best_row=best_row))
        assert response.status_code == 200
        assert b"Not a row of this screen" in response.content
        screen.refresh_from_db()
        assert screen.best_row == ""

    def test_the_seating_plan_marks_the_best_row(self, admin_client):
        default = ScreenFactory(rows=5, seats_per_row=6)
        chosen = ScreenFactory(rows=5, seats_per_row=6, best_row="B")
        for screen, letters in [(default, "D"), (chosen, "B")]:
            page = admin_client.get(f"/admin/movies/screen/{screen.pk}/change/").content.decode()
            assert f'<span class="best-row" style="font-weight:bold">{letters}</span>' in page
            assert page.count('class="best-row"') == 1
            assert f"{letters}</span> is the best row" in page
