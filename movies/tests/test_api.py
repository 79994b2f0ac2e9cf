"""The catalogue endpoints through HTTP, as API.md describes them."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from bookings.tests.factories import booking_with_seats
from core.cache import bump
from movies.models import Movie, Screen, Show
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory

pytestmark = pytest.mark.django_db


def hours_from_now(hours):
    return timezone.now().replace(microsecond=0) + timedelta(hours=hours)


def iso(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ids(response):
    return [item["id"] for item in response.json()["results"]]


class TestMovies:
    def test_list_is_paginated_and_sorted_by_title(self, api_client):
        for title in ["Zeta", "Alpha", "Mu"]:
            MovieFactory(title=title)

        response = api_client.get("/api/movies/")

        body = response.json()
        assert response.status_code == 200
        assert set(body) == {"count", "next", "previous", "results"}
        assert [movie["title"] for movie in body["results"]] == ["Alpha", "Mu", "Zeta"]
        assert set(body["results"][0]) == {"id", "title", "description", "duration_minutes", "genre", "language",
                                           "release_date", "poster_url", "age_rating"}

    def test_search_is_case_insensitive_on_title(self, api_client):
        wanted = MovieFactory(title="The Dark Night")
        MovieFactory(title="Sunny Day", description="dark")

        assert ids(api_client.get("/api/movies/?search=DARK")) == [wanted.id]

    @pytest.mark.parametrize(("query", "expected"), [("genre=comedy", "Laugh"), ("language=FRENCH", "Amour")])
    def test_genre_and_language_filters(self, api_client, query, expected):
        MovieFactory(title="Laugh", genre="Comedy", language="English")
        MovieFactory(title="Amour", genre="Romance", language="French")

        response = api_client.get(f"/api/movies/?{query}")

        assert [movie["title"] for movie in response.json()["results"]] == [expected]

    @pytest.mark.parametrize(
        ("ordering", "expected"),
        [("title", ["A", "B", "C"]), ("-title", ["C", "B", "A"]), ("-release_date", ["B", "C", "A"]),
         ("release_date", ["A", "C", "B"]), ("duration_minutes", ["C", "A", "B"])],
    )
    def test_ordering(self, api_client, ordering, expected):
        MovieFactory(title="A", release_date="2020-01-01", duration_minutes=100)
        MovieFactory(title="B", release_date="2024-01-01", duration_minutes=150)
        MovieFactory(title="C", release_date="2022-01-01", duration_minutes=90)

        response = api_client.get(f"/api/movies/?ordering={ordering}")

        assert [movie["title"] for movie in response.json()["results"]] == expected

    @pytest.mark.parametrize(("ordering", "expected"), [("", ["A", "B"]), (",", ["A", "B"]),
                                                        ("-release_date,", ["B", "A"])])
    def test_empty_ordering_terms_keep_a_stable_order(self, api_client, ordering, expected):
        MovieFactory(title="B", release_date="2024-01-01")
        MovieFactory(title="A", release_date="2024-01-01")

        response = api_client.get(f"/api/movies/?ordering={ordering}")

        # Equal release dates: the id (B was created first) breaks the tie.
        assert [movie["title"] for movie in response.json()["results"]] == expected

    def test_unknown_ordering_is_400(self, api_client):
        response = api_client.get("/api/movies/?ordering=password")

        assert response.status_code == 400
        assert "ordering" in response.json()

    def test_page_size_is_capped_at_100(self, api_client):
        MovieFactory.create_batch(105)

        response = api_client.get("/api/movies/?page_size=500")

        assert response.json()["count"] == 105
        assert len(response.json()["results"]) == 100

    def test_page_size_and_page(self, api_client):
        MovieFactory.create_batch(5)

        second_page = api_client.get("/api/movies/?page_size=2&page=2")
        past_the_end = api_client.get("/api/movies/?page_size=2&page=9")

        assert len(second_page.json()["results"]) == 2
        assert second_page.json()["previous"]
        assert second_page.json()["next"]
        assert past_the_end.status_code == 404
        assert past_the_end.json()["code"] == "not_found"

    def test_detail_and_unknown_id(self, api_client):
        movie = MovieFactory()

        assert api_client.get(f"/api/movies/{movie.id}/").json()["title"] == movie.title
        assert api_client.get("/api/movies/999999/").status_code == 404
        assert api_client.get("/api/movies/abc/").json()["code"] == "not_found"

    def test_list_runs_a_constant_number_of_queries(self, api_client, django_assert_max_num_queries):
        MovieFactory.create_batch(60)

        with django_assert_max_num_queries(2):
            response = api_client.get("/api/movies/?page_size=100")

        assert len(response.json()["results"]) == 60


class TestShowLists:
    def test_upcoming_only_soonest_first_with_nested_objects(self, api_client):
        later = ShowFactory(starts_at=hours_from_now(48))
        sooner = ShowFactory(starts_at=hours_from_now(2))
        ShowFactory(starts_at=hours_from_now(-3))

        response = api_client.get("/api/shows/")

        assert ids(response) == [sooner.id, later.id]
        show = response.json()["results"][0]
        assert show == {
            "id": sooner.id,
            "movie": {"id": sooner.movie.id, "title": sooner.movie.title},
            "screen": {"id": sooner.screen.id, "name": sooner.screen.name},
            "starts_at": iso(sooner.starts_at),
            "ends_at": iso(sooner.starts_at + timedelta(minutes=120)),
            "price": "9.50",
            "prices": {"standard": "9.50", "premium": "9.50", "accessible": "9.50"},
            "ticket_types": [{"code": "adult", "name": "Adult",
                              "prices": {"standard": "9.50", "premium": "9.50", "accessible": "9.50"}}],
            "currency": "EUR",
            "total_seats": 50,
            "available_seats": 50,
        }

    def test_from_replaces_the_upcoming_default(self, api_client):
        past = ShowFactory(starts_at=hours_from_now(-30))
        ShowFactory(starts_at=hours_from_now(-50))
        upcoming = ShowFactory(starts_at=hours_from_now(5))

        response = api_client.get("/api/shows/", {"from": iso(hours_from_now(-40))})

        assert ids(response) == [past.id, upcoming.id]

    def test_to_alone_keeps_the_upcoming_default(self, api_client):
        ShowFactory(starts_at=hours_from_now(-5))
        soon = ShowFactory(starts_at=hours_from_now(5))
        ShowFactory(starts_at=hours_from_now(50))

        response = api_client.get("/api/shows/", {"to": iso(hours_from_now(24))})

        assert ids(response) == [soon.id]

    def test_offsets_in_the_query_are_honoured(self, api_client):
        show = ShowFactory(starts_at=datetime(2030, 1, 1, 18, 0, tzinfo=UTC))

        just_before = api_client.get("/api/shows/", {"from": "2030-01-01T20:00:00+02:00"})
        just_after = api_client.get("/api/shows/", {"from": "2030-01-01T20:00:01+02:00"})
        naive_is_utc = api_client.get("/api/shows/", {"from": "2030-01-01T18:00:00"})

        assert ids(just_before) == [show.id]
        assert ids(just_after) == []
        assert ids(naive_is_utc) == [show.id]

    def test_date_selects_one_day_even_in_the_past(self, api_client):
        day = timezone.now().date() - timedelta(days=3)
        on_the_day = ShowFactory(starts_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=23))
        ShowFactory(starts_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=24))

        response = api_client.get("/api/shows/", {"date": day.isoformat()})

        assert ids(response) == [on_the_day.id]

    @override_settings(TIME_ZONE="Asia/Kolkata")
    def test_date_is_a_day_in_the_time_zone_setting(self, api_client):
        # 2030-01-02 in Kolkata (UTC+05:30) starts at 2030-01-01T18:30Z.
        inside = ShowFactory(starts_at=datetime(2030, 1, 1, 18, 30, tzinfo=UTC))
        ShowFactory(starts_at=datetime(2030, 1, 1, 18, 29, tzinfo=UTC))

        response = api_client.get("/api/shows/", {"date": "2030-01-02"})

        assert ids(response) == [inside.id]
        assert response.json()["results"][0]["starts_at"] == "2030-01-01T18:30:00Z"

    def test_movie_and_screen_filters(self, api_client):
        show = ShowFactory(starts_at=hours_from_now(3))
        ShowFactory(starts_at=hours_from_now(3))

        assert ids(api_client.get("/api/shows/", {"movie": show.movie_id})) == [show.id]
        assert ids(api_client.get("/api/shows/", {"screen": show.screen_id})) == [show.id]

    @pytest.mark.parametrize(
        "query",
        [{"from": "yesterday"}, {"to": "2030-13-01T00:00:00Z"}, {"date": "2030-02-30"}, {"date": "tomorrow"},
         {"date": "9999-12-31"}, {"date": "0001-01-01"},
         {"movie": "abc"}, {"movie": "0"}, {"screen": "-1"}, {"movie": "1" * 30}, {"from": "x" * 10_000}],
    )
    def test_invalid_filter_values_are_400(self, api_client, query):
        response = api_client.get("/api/shows/", query)

        assert response.status_code == 400
        assert set(response.json()) == set(query)

    def test_a_movies_shows(self, api_client):
        movie = MovieFactory()
        second = ShowFactory(movie=movie, starts_at=hours_from_now(30))
        first = ShowFactory(movie=movie, starts_at=hours_from_now(6))
        ShowFactory(movie=movie, starts_at=hours_from_now(-6))
        ShowFactory(starts_at=hours_from_now(7))

        response = api_client.get(f"/api/movies/{movie.id}/shows/")

        assert ids(response) == [first.id, second.id]

    def test_a_movies_shows_take_the_same_filters(self, api_client):
        movie = MovieFactory()
        past = ShowFactory(movie=movie, starts_at=hours_from_now(-6))

        assert ids(api_client.get(f"/api/movies/{movie.id}/shows/", {"from": iso(hours_from_now(-7))})) == [past.id]
        assert api_client.get(f"/api/movies/{movie.id}/shows/", {"date": "bad"}).status_code == 400

    def test_shows_of_an_unknown_movie_is_404(self, api_client):
        response = api_client.get("/api/movies/424242/shows/")

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_available_seats_count_live_tickets_only(self, api_client):
        show = ShowFactory(starts_at=hours_from_now(3))
        booking_with_seats(show, [1, 2, 3])
        booking_with_seats(show, [4, 5], cancelled=True)

        listed = api_client.get("/api/shows/").json()["results"][0]
        detail = api_client.get(f"/api/shows/{show.id}/").json()

        assert listed["available_seats"] == detail["available_seats"] == 47
        assert detail["total_seats"] == 50

    def test_show_list_runs_a_constant_number_of_queries(self, api_client, django_assert_max_num_queries):
        for hour in range(40):
            show = ShowFactory(starts_at=hours_from_now(hour + 1))
            booking_with_seats(show, [1, 2])

        # The page, its count, the active ticket types and the shows' limits of them, and (a cache miss) when the
        # next hold expires.
        with django_assert_max_num_queries(5):
            response = api_client.get("/api/shows/?page_size=100")

        assert len(response.json()["results"]) == 40
        assert {show["available_seats"] for show in response.json()["results"]} == {48}

    def test_movie_shows_run_a_constant_number_of_queries(self, api_client, django_assert_max_num_queries):
        movie = MovieFactory()
        for hour in range(30):
            ShowFactory(movie=movie, starts_at=hours_from_now(hour + 1))

        with django_assert_max_num_queries(6):
            response = api_client.get(f"/api/movies/{movie.id}/shows/?page_size=100")

        assert len(response.json()["results"]) == 30


class TestSeatMap:
    def test_rows_labels_and_availability(self, api_client):
        show = ShowFactory(screen=ScreenFactory(rows=3, seats_per_row=4))
        booking_with_seats(show, [2, 12])
        booking_with_seats(show, [5], cancelled=True)

        response = api_client.get(f"/api/shows/{show.id}/seats/")

        body = response.json()
        assert response.status_code == 200
        assert (body["show"], body["total_seats"], body["available_seats"]) == (show.id, 12, 10)
        assert [row["row"] for row in body["rows"]] == ["A", "B", "C"]
        assert body["rows"][0]["seats"][:2] == [
            {"number": 1, "label": "A1", "column": 1, "category": "standard", "price": "9.50", "available": True},
            {"number": 2, "label": "A2", "column": 2, "category": "standard", "price": "9.50", "available": False},
        ]
        assert body["rows"][1]["seats"][0] == {"number": 5, "label": "B1", "column": 1, "category": "standard",
                                               "price": "9.50", "available": True}
        assert body["rows"][2]["seats"][-1] == {"number": 12, "label": "C4", "column": 4, "category": "standard",
                                                "price": "9.50", "available": False}

    def test_shows_of_one_screen_answer_their_own_prices_and_seats(self, api_client):
        # Seat entries are built once per layout and prices, and shared by the answers that pick them.
        screen = ScreenFactory(rows=2, seats_per_row=3)
        cheap, dear = ShowFactory(screen=screen), ShowFactory(screen=screen, price=Decimal("12.00"))
        booking_with_seats(cheap, [1])
        booking_with_seats(dear, [2])

        def seats(show):
            rows = api_client.get(f"/api/shows/{show.id}/seats/").json()["rows"]
            return [(seat["price"], seat["available"]) for row in rows for seat in row["seats"]]

        assert seats(cheap) == [("9.50", False)] + [("9.50", True)] * 5
        assert seats(dear) == [("12.00", True), ("12.00", False)] + [("12.00", True)] * 4
        booking_with_seats(cheap, [6])
        bump("seats", f"show:{cheap.pk}")  # as the booking service does after its commit
        assert seats(cheap) == [("9.50", False)] + [("9.50", True)] * 4 + [("9.50", False)]
        assert seats(dear) == [("12.00", True), ("12.00", False)] + [("12.00", True)] * 4

    def test_rows_after_z(self, api_client):
        show = ShowFactory(screen=ScreenFactory(rows=28, seats_per_row=2))

        rows = api_client.get(f"/api/shows/{show.id}/seats/").json()["rows"]

        assert [row["row"] for row in rows[25:]] == ["Z", "AA", "AB"]
        assert rows[27]["seats"][-1] == {"number": 56, "label": "AB2", "column": 2, "category": "standard",
                                         "price": "9.50", "available": True}

    def test_largest_map_runs_three_queries(self, api_client, django_assert_max_num_queries):
        show = ShowFactory(screen=ScreenFactory(rows=52, seats_per_row=50))
        booking_with_seats(show, range(1, 501))

        # The show, and its live tickets with when their holds end.
        with django_assert_max_num_queries(2):
            response = api_client.get(f"/api/shows/{show.id}/seats/")

        assert response.json()["available_seats"] == 2100

    def test_unknown_show_is_404(self, api_client):
        assert api_client.get("/api/shows/999999/seats/").status_code == 404

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_the_seat_map_is_read_only_for_everyone(self, user_client, staff_client, method):
        show = ShowFactory()

        for client in (user_client, staff_client):
            response = getattr(client, method)(f"/api/shows/{show.id}/seats/")
            assert response.status_code == 405
            assert response.json()["code"] == "method_not_allowed"


MOVIE_BODY = {"title": "New", "duration_minutes": 100, "genre": "Drama", "language": "English"}
SCREEN_BODY = {"name": "Hall 9", "rows": 5, "seats_per_row": 8}


class TestStaffWrites:
    @pytest.mark.parametrize(("path", "body"), [("/api/movies/", MOVIE_BODY), ("/api/screens/", SCREEN_BODY)])
    def test_staff_create(self, staff_client, path, body):
        response = staff_client.post(path, body, format="json")

        assert response.status_code == 201
        assert {key: response.json()[key] for key in body} == body

    @pytest.mark.parametrize(("path", "body"), [("/api/movies/", MOVIE_BODY), ("/api/screens/", SCREEN_BODY)])
    def test_non_staff_get_403_and_anonymous_401(self, user_client, api_client, path, body):
        assert user_client.post(path, body, format="json").json()["code"] == "permission_denied"
        assert user_client.post(path, body, format="json").status_code == 403
        assert api_client.post(path, body, format="json").status_code == 401
        assert not Movie.objects.exists()
        assert not Screen.objects.exists()

    def test_non_staff_cannot_change_or_delete(self, user_client, api_client):
        show = ShowFactory()
        for path in [f"/api/movies/{show.movie_id}/", f"/api/screens/{show.screen_id}/", f"/api/shows/{show.id}/"]:
            changes = {"price": "1.00", "title": "x", "name": "x"}
            assert user_client.patch(path, changes, format="json").status_code == 403
            assert user_client.delete(path).status_code == 403
            assert api_client.delete(path).status_code == 401
        assert Show.objects.get().price == Decimal("9.50")

    def test_staff_create_show_with_ids_and_read_it_back_nested(self, staff_client, api_client):
        movie, screen = MovieFactory(duration_minutes=90), ScreenFactory()
        starts_at = hours_from_now(24)

        response = staff_client.post("/api/shows/", {
            "movie": movie.id, "screen": screen.id, "starts_at": iso(starts_at), "price": "9.50",
        }, format="json")

        assert response.status_code == 201
        assert response.json()["movie"] == {"id": movie.id, "title": movie.title}
        assert response.json()["ends_at"] == iso(starts_at + timedelta(minutes=90))
        assert response.json()["available_seats"] == 50
        assert ids(api_client.get("/api/shows/")) == [response.json()["id"]]

    @pytest.mark.parametrize(
        "changes",
        [{"movie": 999999}, {"screen": "abc"}, {"starts_at": "soon"}, {"starts_at": "9999-12-31T23:00:00Z"},
         {"starts_at": "0001-01-01T00:00:00Z"}, {"price": "-1.00"}, {"price": "NaN"},
         {"price": "1" * 20}, {"movie": None}],
    )
    def test_invalid_show_fields_are_400(self, staff_client, changes):
        body = {"movie": MovieFactory().id, "screen": ScreenFactory().id, "starts_at": iso(hours_from_now(5)),
                "price": "9.50", **changes}

        response = staff_client.post("/api/shows/", body, format="json")

        assert response.status_code == 400
        assert set(response.json()) == set(changes)
        assert not Show.objects.exists()

    @pytest.mark.parametrize(
        "spelled",
        [
            lambda pk: pk + 0.5,  # the lookup would truncate it to pk
            float,  # 3.0: a JSON float, not an id
            lambda pk: str(pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),  # Arabic-Indic digits
            lambda pk: str(pk).translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # full-width digits
            lambda pk: f"{pk}.0",
            lambda pk: f" {pk}",
            lambda pk: True,
            lambda pk: [pk],
            lambda pk: 2**70,
            lambda pk: -pk,
        ],
        ids=["float", "integral-float", "arabic-indic-digits", "full-width-digits", "decimal-string", "padded-string",
             "boolean", "list", "past-64-bits", "negative"],
    )
    @pytest.mark.parametrize("field", ["movie", "screen"])
    def test_an_id_is_an_integer_or_a_string_of_ascii_digits_and_nothing_else(self, staff_client, field, spelled):
        body = {"movie": MovieFactory().id, "screen": ScreenFactory().id, "starts_at": iso(hours_from_now(5)),
                "price": "9.50"}
        body[field] = spelled(body[field])

        response = staff_client.post("/api/shows/", body, format="json")

        assert response.status_code == 400
        assert list(response.json()) == [field]
        assert not Show.objects.exists()

    def test_an_id_may_be_sent_as_a_string_of_ascii_digits(self, staff_client):
        body = {"movie": str(MovieFactory().id), "screen": str(ScreenFactory().id), "starts_at": iso(hours_from_now(5)),
                "price": "9.50"}

        assert staff_client.post("/api/shows/", body, format="json").status_code == 201

    @pytest.mark.parametrize(
        "changes",
        [{"duration_minutes": 0}, {"duration_minutes": 1441}, {"title": "x" * 10_000}, {"poster_url": "not a url"},
         {"release_date": "someday"}],
    )
    def test_invalid_movie_fields_are_400(self, staff_client, changes):
        response = staff_client.post("/api/movies/", {**MOVIE_BODY, **changes}, format="json")

        assert response.status_code == 400
        assert set(response.json()) == set(changes)

    @pytest.mark.parametrize("changes", [{"rows": 0}, {"rows": 53}, {"seats_per_row": 51}, {"name": ""}])
    def test_invalid_screen_fields_are_400(self, staff_client, changes):
        response = staff_client.post("/api/screens/", {**SCREEN_BODY, **changes}, format="json")

        assert response.status_code == 400
        assert set(response.json()) == set(changes)

    @pytest.mark.parametrize("starts_at", ["0001-01-01T20:00:00Z", "9999-12-31T23:00:00Z"])
    def test_moving_a_show_out_of_the_calendar_is_400(self, staff_client, starts_at):
        show = ShowFactory()

        response = staff_client.patch(f"/api/shows/{show.id}/", {"starts_at": starts_at}, format="json")

        assert response.status_code == 400
        assert set(response.json()) == {"starts_at"}
        assert Show.objects.get().starts_at == show.starts_at

    def test_overlapping_show_is_refused(self, staff_client):
        existing = ShowFactory(movie=MovieFactory(duration_minutes=120), starts_at=hours_from_now(10))

        response = staff_client.post("/api/shows/", {
            "movie": MovieFactory().id, "screen": existing.screen_id,
            "starts_at": iso(existing.starts_at + timedelta(minutes=119)), "price": "5.00",
        }, format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "show_overlap"
        assert Show.objects.count() == 1

    def test_touching_shows_are_allowed(self, staff_client):
        existing = ShowFactory(movie=MovieFactory(duration_minutes=120), starts_at=hours_from_now(10))
        body = {"movie": MovieFactory(duration_minutes=60).id, "screen": existing.screen_id, "price": "5.00"}

        after = staff_client.post("/api/shows/", {**body, "starts_at": iso(existing.ends_at)}, format="json")
        before = staff_client.post(
            "/api/shows/", {**body, "starts_at": iso(existing.starts_at - timedelta(minutes=60))}, format="json"
        )

        assert (after.status_code, before.status_code) == (201, 201)

    def test_moving_a_show_onto_another_is_refused(self, staff_client):
        first = ShowFactory(starts_at=hours_from_now(10))
        second_start = hours_from_now(20)
        second = ShowFactory(screen=first.screen, starts_at=second_start)

        response = staff_client.patch(f"/api/shows/{second.id}/", {"starts_at": iso(first.starts_at)}, format="json")

        assert response.json()["code"] == "show_overlap"
        second.refresh_from_db()
        assert second.starts_at == second_start

    def test_lengthening_a_movie_into_the_next_show_is_refused(self, staff_client):
        first = ShowFactory(movie=MovieFactory(duration_minutes=100), starts_at=hours_from_now(10))
        ShowFactory(screen=first.screen, starts_at=first.starts_at + timedelta(minutes=120))

        longer = staff_client.patch(f"/api/movies/{first.movie_id}/", {"duration_minutes": 121}, format="json")
        touching = staff_client.patch(f"/api/movies/{first.movie_id}/", {"duration_minutes": 120}, format="json")

        assert longer.json()["code"] == "show_overlap"
        assert touching.status_code == 200

    def test_show_with_live_tickets_keeps_its_screen_and_start(self, staff_client):
        starts_at = hours_from_now(10)
        show = ShowFactory(starts_at=starts_at)
        booking_with_seats(show, [1])

        moved = staff_client.patch(f"/api/shows/{show.id}/", {"starts_at": iso(hours_from_now(30))}, format="json")
        rescreened = staff_client.patch(f"/api/shows/{show.id}/", {"screen": ScreenFactory().id}, format="json")
        repriced = staff_client.patch(f"/api/shows/{show.id}/", {"price": "11.00"}, format="json")

        assert moved.status_code == rescreened.status_code == 400
        assert moved.json()["code"] == rescreened.json()["code"] == "show_has_bookings"
        assert repriced.status_code == 200
        show.refresh_from_db()
        assert (show.starts_at, show.price) == (starts_at, Decimal("11.00"))

    def test_show_whose_bookings_are_cancelled_may_move(self, staff_client):
        show = ShowFactory(starts_at=hours_from_now(10))
        booking_with_seats(show, [1], cancelled=True)

        response = staff_client.patch(f"/api/shows/{show.id}/", {"starts_at": iso(hours_from_now(30))}, format="json")

        assert response.status_code == 200

    def test_screen_with_live_tickets_keeps_its_size(self, staff_client):
        show = ShowFactory()
        booking_with_seats(show, [1])

        resized = staff_client.patch(f"/api/screens/{show.screen_id}/", {"rows": 9}, format="json")
        renamed = staff_client.patch(f"/api/screens/{show.screen_id}/", {"name": "Renamed"}, format="json")

        assert resized.status_code == 400
        assert resized.json()["code"] == "screen_has_bookings"
        assert renamed.status_code == 200
        assert Screen.objects.get().rows == 5

    @pytest.mark.parametrize("cancelled", [False, True])
    def test_anything_with_bookings_cannot_be_deleted(self, staff_client, cancelled):
        show = ShowFactory()
        booking_with_seats(show, [1], cancelled=cancelled)

        for path in [f"/api/shows/{show.id}/", f"/api/movies/{show.movie_id}/", f"/api/screens/{show.screen_id}/"]:
            response = staff_client.delete(path)
            assert response.status_code == 409
            assert response.json()["code"] == "protected"
        assert Show.objects.count() == Movie.objects.count() == Screen.objects.count() == 1

    def test_deleting_a_movie_without_bookings_deletes_its_shows(self, staff_client):
        show = ShowFactory()

        response = staff_client.delete(f"/api/movies/{show.movie_id}/")

        assert response.status_code == 204
        assert not Show.objects.exists()

