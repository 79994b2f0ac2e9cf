"""Ticket types through HTTP (API.md, "Ticket types"): anyone reads them, staff write them, one active type is the
default, a show sells every active type unless staff limit it, and its body lists the offer with its prices."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import Ticket
from bookings.tests.factories import BookingFactory
from movies.models import Show, TicketType
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory

pytestmark = pytest.mark.django_db

PATH = "/api/ticket-types/"


@pytest.fixture
def child(db):
    return TicketType.objects.create(code="child", name="Child", discount_percent=Decimal("30"))


@pytest.fixture
def senior(db):
    return TicketType.objects.create(code="senior", name="Senior", discount_amount=Decimal("2.00"))


@pytest.fixture
def show(db):
    """Tomorrow, 9.50 standard, 12.35 premium, 1.50 accessible."""
    return ShowFactory(price=Decimal("9.50"), premium_price=Decimal("12.35"), accessible_price=Decimal("1.50"))


def adult():
    return TicketType.objects.get(code="adult")


def defaults():
    return list(TicketType.objects.filter(is_default=True).values_list("code", flat=True))


def offer(client, show):
    return client.get(f"/api/shows/{show.id}/").json()["ticket_types"]


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


class TestReading:
    def test_a_fresh_database_has_adult_the_default_without_discount(self, api_client):
        response = api_client.get(PATH)

        assert response.status_code == 200
        assert response.json()["results"] == [{
            "id": adult().pk, "code": "adult", "name": "Adult", "discount_percent": None, "discount_amount": None,
            "check_at_door": "", "is_default": True, "active": True}]

    def test_anyone_reads_one(self, api_client, child):
        response = api_client.get(f"{PATH}{child.pk}/")

        assert response.status_code == 200
        assert response.json() == {"id": child.pk, "code": "child", "name": "Child", "discount_percent": "30.00",
                                   "discount_amount": None, "check_at_door": "", "is_default": False,
                                   "active": True}

    def test_an_unknown_one_is_404(self, api_client):
        assert api_client.get(f"{PATH}999999/").json()["code"] == "not_found"


class TestWriting:
    def test_staff_create_update_and_delete(self, staff_client):
        created = staff_client.post(PATH, {"code": "student", "name": "Student", "discount_percent": "15",
                                           "check_at_door": "Student card"}, format="json")
        assert created.status_code == 201, created.json()
        path = f"{PATH}{created.json()['id']}/"

        patched = staff_client.patch(path, {"discount_percent": "20"}, format="json")
        assert (patched.status_code, patched.json()["discount_percent"]) == (200, "20.00")
        put = staff_client.put(path, {"code": "student", "name": "Students", "discount_percent": None,
                                      "discount_amount": "1.00"},
                               format="json")
        assert put.status_code == 200, put.json()
        assert (put.json()["name"], put.json()["discount_percent"], put.json()["discount_amount"]) == (
            "Students", None, "1.00")

        assert staff_client.delete(path).status_code == 204
        assert not TicketType.objects.filter(code="student").exists()

    def test_non_staff_get_403_and_anonymous_401(self, user_client, api_client, child):
        body = {"code": "student", "name": "Student"}
        for client, status in ((user_client, 403), (api_client, 401)):
            assert client.post(PATH, body, format="json").status_code == status
            assert client.patch(f"{PATH}{child.pk}/", {"name": "Kid"}, format="json").status_code == status
            assert client.delete(f"{PATH}{child.pk}/").status_code == status
        assert list(TicketType.objects.values_list("code", "name")) == [("adult", "Adult"), ("child", "Child")]

    @pytest.mark.parametrize(("body", "field"), [
        ({"discount_percent": "10", "discount_amount": "1.00"}, "discount_amount"),
        ({"discount_percent": "-1"}, "discount_percent"),
        ({"discount_percent": "100.01"}, "discount_percent"),
        ({"discount_amount": "-0.01"}, "discount_amount"),
        ({"code": "not a slug"}, "code"),
        ({"code": "x" * 10_000}, "code"),
        ({"name": "x" * 10_000}, "name"),
        ({"code": "adult"}, "code"),
    ])
    def test_bad_input_is_400_on_its_field_and_writes_nothing(self, staff_client, body, field):
        response = staff_client.post(PATH, {"code": "student", "name": "Student", **body}, format="json")

        assert response.status_code == 400
        assert field in response.json()
        assert TicketType.objects.count() == 1

    def test_a_patch_adding_the_other_discount_field_is_400(self, staff_client, child):
        response = staff_client.patch(f"{PATH}{child.pk}/", {"discount_amount": "1.00"}, format="json")

        assert (response.status_code, list(response.json())) == (400, ["discount_amount"])
        assert TicketType.objects.get(pk=child.pk).discount_amount is None

    def test_making_another_type_the_default_switches_the_default(self, staff_client, child):
        response = staff_client.patch(f"{PATH}{child.pk}/", {"is_default": True}, format="json")

        assert (response.status_code, response.json()["is_default"]) == (200, True)
        assert defaults() == ["child"]
        created = staff_client.post(PATH, {"code": "guest", "name": "Guest", "is_default": True}, format="json")
        assert created.status_code == 201
        assert defaults() == ["guest"]

    def test_unsetting_the_only_default_is_400(self, staff_client):
        response = staff_client.patch(f"{PATH}{adult().pk}/", {"is_default": False}, format="json")

        assert (response.status_code, list(response.json())) == (400, ["is_default"])
        assert defaults() == ["adult"]

    def test_deactivating_the_default_is_400(self, staff_client):
        response = staff_client.patch(f"{PATH}{adult().pk}/", {"active": False}, format="json")

        assert (response.status_code, list(response.json())) == (400, ["active"])
        assert adult().active

    def test_a_new_inactive_default_is_400(self, staff_client):
        response = staff_client.post(PATH, {"code": "guest", "name": "Guest", "is_default": True, "active": False},
                                     format="json")

        assert response.status_code == 400
        assert defaults() == ["adult"]

    def test_a_type_tickets_were_sold_as_cannot_be_deleted(self, staff_client, child, show):
        booking = BookingFactory(show=show)
        Ticket.objects.create(booking=booking, show=show, seat_number=1, price=Decimal("6.65"), ticket_type=child)

        response = staff_client.delete(f"{PATH}{child.pk}/")

        assert response.status_code == 409
        assert response.json()["code"] == "protected"
        assert TicketType.objects.filter(pk=child.pk).exists()

    def test_the_default_cannot_be_deleted(self, staff_client):
        response = staff_client.delete(f"{PATH}{adult().pk}/")

        assert (response.status_code, response.json()["code"]) == (409, "protected")
        assert defaults() == ["adult"]

    def test_a_type_a_show_is_limited_to_cannot_be_deleted(self, staff_client, child, show):
        show.ticket_types.set([child])

        response = staff_client.delete(f"{PATH}{child.pk}/")

        assert (response.status_code, response.json()["code"]) == (409, "protected")


class TestTheShowsOffer:
    def test_a_show_lists_every_active_type_with_its_prices_per_category(self, api_client, child, senior, show):
        TicketType.objects.create(code="retired", name="Retired", active=False)

        assert offer(api_client, show) == [
            {"code": "adult", "name": "Adult",
             "prices": {"standard": "9.50", "premium": "12.35", "accessible": "1.50"}},
            {"code": "child", "name": "Child",  # 30 % of 12.35 is 3.705: 3.71 off
             "prices": {"standard": "6.65", "premium": "8.64", "accessible": "1.05"}},
            {"code": "senior", "name": "Senior",  # 2.00 off 1.50 leaves nothing, never less
             "prices": {"standard": "7.50", "premium": "10.35", "accessible": "0.00"}},
        ]

    def test_the_list_of_shows_lists_each_offer(self, api_client, child, show):
        limited = ShowFactory()
        limited.ticket_types.set([child])

        bodies = {body["id"]: body for body in api_client.get("/api/shows/").json()["results"]}

        assert [offered["code"] for offered in bodies[show.id]["ticket_types"]] == ["adult", "child"]
        assert [offered["code"] for offered in bodies[limited.id]["ticket_types"]] == ["child"]

    def test_staff_limit_what_a_show_sells_with_codes(self, staff_client, api_client, child, senior, show):
        response = staff_client.patch(f"/api/shows/{show.id}/", {"ticket_types": ["adult", "senior"]},
                                      format="json")

        assert response.status_code == 200, response.json()
        assert [offered["code"] for offered in response.json()["ticket_types"]] == ["adult", "senior"]
        assert [offered["code"] for offered in offer(api_client, show)] == ["adult", "senior"]

    def test_a_patch_without_ticket_types_keeps_the_limit(self, staff_client, api_client, child, show):
        show.ticket_types.set([child])

        staff_client.patch(f"/api/shows/{show.id}/", {"price": "10.00"}, format="json")

        assert [offered["code"] for offered in offer(api_client, show)] == ["child"]

    def test_a_put_without_ticket_types_sells_every_type_again(self, staff_client, api_client, child, show):
        show.ticket_types.set([child])

        response = staff_client.put(f"/api/shows/{show.id}/", {
            "movie": show.movie_id, "screen": show.screen_id, "starts_at": iso(show.starts_at), "price": "9.50"},
            format="json")

        assert response.status_code == 200, response.json()
        assert [offered["code"] for offered in offer(api_client, show)] == ["adult", "child"]

    def test_a_new_show_can_be_limited(self, staff_client, child):
        response = staff_client.post("/api/shows/", {
            "movie": MovieFactory().id, "screen": ScreenFactory().id,
            "starts_at": iso(timezone.now().replace(microsecond=0) + timedelta(days=1)), "price": "9.50",
            "ticket_types": ["child"]}, format="json")

        assert response.status_code == 201, response.json()
        assert [offered["code"] for offered in response.json()["ticket_types"]] == ["child"]

    @pytest.mark.parametrize("codes", [["nobody"], ["child", "child"], "child", [None], ["x" * 10_000],
                                       ["child"] * 51])
    def test_bad_codes_are_400_on_ticket_types_and_change_nothing(self, staff_client, child, show, codes):
        response = staff_client.patch(f"/api/shows/{show.id}/", {"ticket_types": codes, "price": "1.00"},
                                      format="json")

        assert response.status_code == 400
        assert list(response.json()) == ["ticket_types"]
        assert not show.ticket_types.exists()
        assert Show.objects.get(pk=show.pk).price == Decimal("9.50")

    def test_an_unknown_code_is_named(self, staff_client, show):
        response = staff_client.patch(f"/api/shows/{show.id}/", {"ticket_types": ["adult", "nobody"]},
                                      format="json")

        assert response.json() == {"ticket_types": ["No ticket type has the code nobody."]}


@pytest.mark.django_db(transaction=True)  # the read cache is bumped when a write commits
class TestCachedShowBodies:
    def test_a_staff_edit_of_a_discount_changes_the_show_body_and_its_etag_at_once(self, api_client, staff_client,
                                                                                  child, show):
        before = api_client.get(f"/api/shows/{show.id}/")
        listed = api_client.get("/api/shows/")
        assert api_client.get(f"/api/shows/{show.id}/", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304

        staff_client.patch(f"{PATH}{child.pk}/", {"discount_percent": "50"}, format="json")
        after = api_client.get(f"/api/shows/{show.id}/", HTTP_IF_NONE_MATCH=before["ETag"])

        assert after.status_code == 200
        assert after["ETag"] != before["ETag"]
        assert after.json()["ticket_types"][1]["prices"]["standard"] == "4.75"
        assert api_client.get("/api/shows/")["ETag"] != listed["ETag"]
        assert api_client.get("/api/shows/").json()["results"][0]["ticket_types"][1]["prices"]["standard"] == "4.75"

    def test_a_new_type_and_a_deactivated_one_change_the_offer_at_once(self, api_client, staff_client, child, show):
        api_client.get(f"/api/shows/{show.id}/")

        staff_client.post(PATH, {"code": "senior", "name": "Senior", "discount_amount": "2.00"}, format="json")
        with_senior = [offered["code"] for offered in offer(api_client, show)]
        staff_client.patch(f"{PATH}{child.pk}/", {"active": False}, format="json")

        assert with_senior == ["adult", "child", "senior"]
        assert [offered["code"] for offered in offer(api_client, show)] == ["adult", "senior"]


class TestAgeRating:
    def test_movies_carry_an_age_rating_empty_by_default(self, api_client, staff_client):
        rated = staff_client.post("/api/movies/", {"title": "Alien", "duration_minutes": 117, "age_rating": "18"},
                                  format="json")
        unrated = MovieFactory()

        assert (rated.status_code, rated.json()["age_rating"]) == (201, "18")
        assert api_client.get(f"/api/movies/{rated.json()['id']}/").json()["age_rating"] == "18"
        assert api_client.get(f"/api/movies/{unrated.id}/").json()["age_rating"] == ""

    def test_an_age_rating_past_16_characters_is_400(self, staff_client):
        response = staff_client.post("/api/movies/", {"title": "Alien", "duration_minutes": 117,
                                                      "age_rating": "x" * 10_000}, format="json")

        assert (response.status_code, list(response.json())) == (400, ["age_rating"])


def test_each_page_of_the_cached_list_is_its_own_answer(api_client):
    for number in range(3):
        TicketType.objects.create(code=f"kind-{number}", name=f"Kind {number}")

    first = api_client.get(PATH, {"page_size": 2}).json()
    second = api_client.get(PATH, {"page_size": 2, "page": 2}).json()

    assert [len(first["results"]), len(second["results"])] == [2, 2]
    assert {kind["code"] for kind in first["results"]}.isdisjoint(kind["code"] for kind in second["results"])
