"""The read cache's keys (core.cache) hold only the query parameters a view reads: a stranger's junk parameters
share the clean request's entry, on the SQLite file and on Redis alike, so they cannot fill the cache."""
import sqlite3

import pytest
import redis
from django.conf import settings

from movies.tests.factories import MovieFactory, ShowFactory

pytestmark = pytest.mark.django_db

JUNK = ["utm_source=mail", "x=1", "x=2&y=3", "cachebuster=4711", "SEARCH=upper", "page%20=2", "a" * 200 + "=b"]


def read_entries():
    """The keys of the read cache's entries (not its versions) in the shared cache the test set up."""
    location = settings.CACHES["default"]["LOCATION"]
    if location.startswith("redis://"):
        with redis.Redis.from_url(location) as client:
            return {key.decode() for key in client.scan_iter(match="*:read:*")}
    with sqlite3.connect(location) as connection:
        return {key for (key,) in connection.execute("SELECT key FROM cache WHERE key LIKE '%:read:%'")}


@pytest.fixture
def catalogue():
    show = ShowFactory()
    MovieFactory.create_batch(3, genre="Drama")
    return show


def clean_reads(show):
    return ["/api/movies/?genre=drama&page=1", "/api/movies/", "/api/screens/", "/api/shows/?page_size=1",
            f"/api/movies/{show.movie_id}/shows/", f"/api/shows/{show.pk}/", f"/api/shows/{show.pk}/seats/"]


@pytest.mark.parametrize("shared_cache", ["sqlite-file", "redis"], indirect=True)
def test_junk_query_parameters_make_no_entry_and_get_the_clean_answer(shared_cache, api_client, catalogue):
    clean = {path: api_client.get(path) for path in clean_reads(catalogue)}
    entries = read_entries()

    for path, answer in clean.items():
        for junk in JUNK:
            joined = f"{path}{'&' if '?' in path else '?'}{junk}"
            with_junk = api_client.get(joined)

            assert with_junk.status_code == 200, joined
            assert with_junk.content == answer.content, joined
            assert with_junk["ETag"] == answer["ETag"], joined
            assert api_client.get(joined, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 304, joined

    assert len(entries) == len(clean)
    assert read_entries() == entries


@pytest.mark.parametrize("shared_cache", ["sqlite-file", "redis"], indirect=True)
def test_the_parameters_a_view_reads_key_in_any_order_and_apart(shared_cache, api_client, catalogue):
    MovieFactory(title="Casablanca", genre="Drama", language="English")

    one_order = api_client.get("/api/movies/?genre=drama&search=casa&x=1")
    other_order = api_client.get("/api/movies/?x=2&search=casa&genre=drama")
    another_search = api_client.get("/api/movies/?genre=drama&search=zzz")

    assert other_order["ETag"] == one_order["ETag"]
    assert [movie["title"] for movie in one_order.json()["results"]] == ["Casablanca"]
    assert another_search.json()["results"] == []
    assert len(read_entries()) == 2


def test_the_links_of_a_page_carry_no_junk(api_client, catalogue):
    ShowFactory()

    page = api_client.get("/api/shows/?page_size=1&tracking=abc").json()

    assert page["next"] == "http://testserver/api/shows/?page=2&page_size=1"
