"""Cached catalogue reads and seat maps (core.cache): ETags, 304s, hits without queries, and never a stale seat."""
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from bookings.tests.factories import booking_with_seats
from conftest import bearer_client
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def show(db):
    return ShowFactory(screen=ScreenFactory(rows=2, seats_per_row=5))


def catalogue_paths(show):
    return ["/api/movies/", f"/api/movies/{show.movie.id}/", f"/api/movies/{show.movie.id}/shows/",
            "/api/screens/", f"/api/screens/{show.screen.id}/", "/api/shows/", f"/api/shows/{show.id}/",
            f"/api/shows/{show.id}/seats/"]


def taken(client, show):
    seat_map = client.get(f"/api/shows/{show.id}/seats/").json()
    return {seat["number"] for row in seat_map["rows"] for seat in row["seats"] if not seat["available"]}


class TestConditionalReads:
    def test_every_catalogue_read_has_an_etag_and_a_304_for_it(self, api_client, user_client, show):
        for path in catalogue_paths(show):
            for client in (api_client, user_client):
                first = client.get(path)
                again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

                assert first.status_code == 200, path
                assert first["ETag"].startswith('"'), path
                assert first["Cache-Control"] == "no-cache", path
                assert again.status_code == 304, path
                assert again.content == b"", path
                assert again["ETag"] == first["ETag"], path

    def test_another_etag_gets_the_answer(self, api_client, show):
        first = api_client.get(f"/api/shows/{show.id}/seats/")

        response = api_client.get(f"/api/shows/{show.id}/seats/", HTTP_IF_NONE_MATCH='"something-else"')

        assert response.status_code == 200
        assert response.json() == first.json()

    def test_a_hit_runs_no_query(self, api_client, show, django_assert_num_queries):
        for path in catalogue_paths(show):
            first = api_client.get(path).json()
            with django_assert_num_queries(0):
                assert api_client.get(path).json() == first, path

    def test_a_bad_token_is_still_401_on_a_cached_read(self, api_client, show):
        api_client.get("/api/shows/")

        response = api_client.get("/api/shows/", HTTP_AUTHORIZATION="Bearer not-a-token")

        assert response.status_code == 401

    def test_errors_are_not_cached(self, api_client, show):
        assert api_client.get("/api/shows/?page=9").status_code == 404
        assert api_client.get("/api/shows/424242/seats/").status_code == 404
        ShowFactory(pk=424242)

        assert api_client.get("/api/shows/424242/seats/").status_code == 200


@pytest.mark.django_db(transaction=True)  # versions are bumped when a write commits
class TestWritesChangeWhatIsRead:
    def test_a_booking_hold_and_cancel_show_at_once(self, api_client, user_client, show):
        seat_map = api_client.get(f"/api/shows/{show.id}/seats/")
        detail_etag = api_client.get(f"/api/shows/{show.id}/")["ETag"]
        list_etag = api_client.get("/api/shows/")["ETag"]

        booked = user_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json").json()
        after_booking = api_client.get(f"/api/shows/{show.id}/seats/", HTTP_IF_NONE_MATCH=seat_map["ETag"])
        user_client.post(f"/api/shows/{show.id}/hold/", {"seat_number": 2}, format="json")
        after_hold = taken(api_client, show)
        user_client.post(f"/api/bookings/{booked['id']}/cancel/")

        assert after_booking.status_code == 200
        assert after_hold == {1, 2}
        assert taken(api_client, show) == {2}
        assert api_client.get(f"/api/shows/{show.id}/")["ETag"] != detail_etag
        assert api_client.get("/api/shows/")["ETag"] != list_etag
        assert api_client.get(f"/api/shows/{show.id}/").json()["available_seats"] == 9

    def test_a_staff_edit_shows_at_once(self, api_client, staff_client, show):
        api_client.get("/api/movies/")
        api_client.get(f"/api/shows/{show.id}/seats/")

        staff_client.patch(f"/api/movies/{show.movie.id}/", {"title": "Renamed"}, format="json")
        staff_client.patch(f"/api/screens/{show.screen.id}/", {"layout": ["sssss", "x...."]}, format="json")

        assert api_client.get("/api/movies/").json()["results"][0]["title"] == "Renamed"
        assert api_client.get(f"/api/shows/{show.id}/seats/").json()["total_seats"] == 5

    def test_a_hold_expiring_shows_with_nothing_written(self, api_client, user_client, show, settings):
        settings.HOLD_SECONDS = 2
        user_client.post(f"/api/shows/{show.id}/hold/", {"seat_number": 3}, format="json")
        assert taken(api_client, show) == {3}  # cached, for at most the hold's remaining second

        time.sleep(2.1)

        assert taken(api_client, show) == set()
        assert api_client.get(f"/api/shows/{show.id}/").json()["available_seats"] == 10

    def test_an_unpadded_id_and_a_padded_one_are_the_same_show(self, api_client, user_client, show):
        api_client.get(f"/api/shows/00{show.id}/seats/")

        user_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 4}, format="json")

        assert taken(api_client, show) == {4}
        seat_map = api_client.get(f"/api/shows/00{show.id}/seats/").json()
        assert not seat_map["rows"][0]["seats"][3]["available"]


class TestTimeAloneChangesWhatIsRead:
    """Nothing is written when a show starts, yet it leaves the upcoming lists at that instant."""

    @pytest.fixture
    def starting_soon(self, show):
        """`show` starts in 2 seconds; another show of its movie starts tomorrow."""
        show.starts_at = timezone.now() + timedelta(seconds=2)
        show.save()
        ShowFactory(movie=show.movie)
        return show

    def test_a_show_that_starts_leaves_every_upcoming_list_at_once(self, api_client, starting_soon):
        paths = [f"/api/movies/{starting_soon.movie.id}/shows/", "/api/shows/", "/api/shows/?to=2100-01-01T00:00:00Z",
                 f"/api/shows/?movie={starting_soon.movie.id}"]
        before = {path: api_client.get(path).json() for path in paths}
        second_page_etag = api_client.get("/api/shows/?page_size=1&page=2")["ETag"]

        wait_until(starting_soon.starts_at)

        for path in paths:
            assert [show["id"] for show in before[path]["results"]][0] == starting_soon.id, path
            after = api_client.get(path).json()
            assert starting_soon.id not in [show["id"] for show in after["results"]], path
            assert after["count"] == before[path]["count"] - 1, path
        assert api_client.get("/api/shows/?page_size=1&page=2", HTTP_IF_NONE_MATCH=second_page_etag).status_code == 404

    def test_every_cached_read_after_a_start_is_what_the_database_says(self, api_client, starting_soon):
        paths = [*catalogue_paths(starting_soon), f"/api/shows/?date={starting_soon.starts_at.date()}",
                 "/api/shows/?page_size=1&page=2"]
        for path in paths:
            api_client.get(path)

        wait_until(starting_soon.starts_at)

        served = {path: api_client.get(path).json() for path in paths}
        cache.clear()
        assert served == {path: api_client.get(path).json() for path in paths}

    def test_my_upcoming_bookings_leave_out_a_show_that_has_started(self, user, user_client, starting_soon):
        booking_with_seats(starting_soon, [1], user=user)
        assert user_client.get("/api/my-bookings/?upcoming=true").json()["count"] == 1

        wait_until(starting_soon.starts_at)

        assert user_client.get("/api/my-bookings/?upcoming=true").json()["count"] == 0
        assert user_client.get("/api/my-bookings/?upcoming=false").json()["count"] == 1


def wait_until(moment):
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()) + 0.05)


@pytest.mark.django_db(transaction=True)
def test_readers_racing_bookers_never_see_a_sold_seat_free(shared_cache):
    """Once a booking's 201 is back, every read that starts after it shows the seat taken: on every cache
    backend (one process's memory, the one-machine SQLite file, Redis) and both databases."""
    show = ShowFactory(screen=ScreenFactory(rows=4, seats_per_row=10))
    booking_with_seats(show, [40])  # one sold seat before the race, so the first reads are cached
    buyers = UserFactory.create_batch(12)
    reader_clients = [bearer_client(UserFactory()) for _ in range(4)]
    for client in reader_clients:
        client.credentials()  # anonymous: served from the cache
    sold_at = {}  # seat -> when its 201 was back
    reads = []  # (when the read started, seats it showed taken)
    done = threading.Event()

    def buy(index):
        services.book_seats(user=buyers[index], show=show, seat_numbers=[index + 1])
        sold_at[index + 1] = time.monotonic()

    def read(client):
        while not done.is_set():
            started = time.monotonic()
            reads.append((started, taken(client, show)))

    def run(work, *args):
        try:
            work(*args)
        finally:
            connection.close()

    readers = [threading.Thread(target=run, args=(read, client)) for client in reader_clients]
    for reader in readers:
        reader.start()
    bookers = [threading.Thread(target=run, args=(buy, index)) for index in range(12)]
    for booker in bookers:
        booker.start()
        time.sleep(0.02)
    for booker in bookers:
        booker.join(timeout=60)
    time.sleep(0.1)
    done.set()
    for reader in readers:
        reader.join(timeout=60)

    assert len(sold_at) == 12
    stale = [(seat, started) for started, seen in reads for seat, sold in sold_at.items()
             if started > sold and seat not in seen]
    assert not stale, f"{len(stale)} reads after a sale showed the seat free"
    assert len(reads) > 50
    assert taken(reader_clients[0], show) == set(range(1, 13)) | {40}


def test_movies_list_is_cached_per_query(api_client):
    MovieFactory(title="Alpha", genre="Drama")
    MovieFactory(title="Beta", genre="Comedy")

    drama = api_client.get("/api/movies/?genre=drama").json()["results"]
    comedy = api_client.get("/api/movies/?genre=comedy").json()["results"]

    assert [movie["title"] for movie in drama] == ["Alpha"]
    assert [movie["title"] for movie in comedy] == ["Beta"]


UNREACHABLE_REDIS = {"default": {"BACKEND": "core.cache_backends.RedisCache", "LOCATION": "redis://127.0.0.1:9/0",
                                 "OPTIONS": {"socket_connect_timeout": 0.5}}}


class TestWhenTheCacheFails:
    def test_each_host_and_scheme_gets_its_own_links(self, api_client, settings, show):
        settings.ALLOWED_HOSTS = ["api.example.com", "other.example.net"]
        ShowFactory()

        first = api_client.get("/api/shows/?page_size=1", HTTP_HOST="api.example.com").json()
        other = api_client.get("/api/shows/?page_size=1", HTTP_HOST="other.example.net").json()

        assert first["next"].startswith("http://api.example.com/")
        assert other["next"].startswith("http://other.example.net/")

    def test_a_cache_that_does_not_answer_leaves_reads_to_the_database(self, api_client, show, settings):
        settings.CACHES = UNREACHABLE_REDIS

        response = api_client.get(f"/api/shows/{show.id}/seats/")

        assert response.status_code == 200
        assert response.json()["available_seats"] == 10
        assert response["ETag"]

    @pytest.mark.django_db(transaction=True)
    def test_a_write_that_committed_is_answered_as_done_when_its_version_bump_fails(self, user_client, settings):
        show = ShowFactory()
        settings.CACHES = UNREACHABLE_REDIS
        settings.THROTTLE_BOOKING = None

        response = user_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json")

        assert response.status_code == 201
        assert Booking.objects.filter(show=show).count() == 1
