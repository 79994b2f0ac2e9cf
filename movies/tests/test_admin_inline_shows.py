"""A movie's admin page adds and moves its shows inline: the overlap rule holds between those shows too."""
from datetime import timedelta

import pytest

from movies.models import Movie, Show
from movies.tests.factories import ScreenFactory, ShowFactory

pytestmark = pytest.mark.django_db


def movie_form(shows, *, title="Dune", duration_minutes=120, initial_shows=0):
    """The movie's change form with `shows` as its inline rows (dicts: screen, starts_at, price, and id, DELETE
    for saved ones)."""
    form = {"title": title, "description": "", "duration_minutes": duration_minutes, "genre": "", "language": "",
            "release_date": "", "poster_url": "",
            "shows-TOTAL_FORMS": len(shows), "shows-INITIAL_FORMS": initial_shows,
            "shows-MIN_NUM_FORMS": 0, "shows-MAX_NUM_FORMS": 1000}
    for index, show in enumerate(shows):
        form.update({f"shows-{index}-{field}": value for field, value in show.items() if field != "starts_at"})
        form[f"shows-{index}-starts_at_0"] = show["starts_at"].strftime("%Y-%m-%d")
        form[f"shows-{index}-starts_at_1"] = show["starts_at"].strftime("%H:%M:%S")
        form.setdefault(f"shows-{index}-price", "9.50")
    return form


def inline_errors(response):
    return [form.errors for form in response.context["inline_admin_formsets"][0].formset.forms]


def test_two_new_overlapping_shows_are_a_form_error_on_the_second(admin_client):
    screen = ScreenFactory()
    first = ShowFactory.build().starts_at

    response = admin_client.post("/admin/movies/movie/add/", movie_form([
        {"screen": screen.id, "starts_at": first},
        {"screen": screen.id, "starts_at": first + timedelta(minutes=90)},
    ]))

    assert response.status_code == 200
    first_errors, second_errors = inline_errors(response)
    assert not first_errors
    assert "overlaps another show" in str(second_errors)
    assert not Movie.objects.exists()
    assert not Show.objects.exists()


def test_a_saved_show_moved_onto_a_new_one_is_a_form_error(admin_client):
    saved = ShowFactory()
    later = saved.starts_at + timedelta(hours=5)

    response = admin_client.post(f"/admin/movies/movie/{saved.movie_id}/change/", movie_form([
        {"id": saved.id, "movie": saved.movie_id, "screen": saved.screen_id, "starts_at": later},
        {"screen": saved.screen_id, "starts_at": later + timedelta(minutes=30)},
    ], title=saved.movie.title, initial_shows=1))

    assert response.status_code == 200
    assert "overlaps another show" in str(inline_errors(response)[1])
    assert list(Show.objects.values_list("starts_at", flat=True)) == [saved.starts_at]


def test_only_the_overlapping_row_is_refused_not_those_that_touch_or_use_another_screen(admin_client):
    screen, other = ScreenFactory(), ScreenFactory()
    first = ShowFactory.build().starts_at

    response = admin_client.post("/admin/movies/movie/add/", movie_form([
        {"screen": screen.id, "starts_at": first},
        {"screen": screen.id, "starts_at": first + timedelta(minutes=120)},  # starts as the first ends
        {"screen": other.id, "starts_at": first + timedelta(minutes=30)},
        {"screen": screen.id, "starts_at": first + timedelta(minutes=200)},  # inside the second
    ]))

    assert response.status_code == 200
    *accepted, refused = inline_errors(response)
    assert accepted == [{}, {}, {}]
    assert "overlaps another show" in str(refused)
    assert not Show.objects.exists()


def test_a_longer_running_time_that_makes_the_new_shows_overlap_is_a_form_error(admin_client):
    screen = ScreenFactory()
    first = ShowFactory.build().starts_at

    response = admin_client.post("/admin/movies/movie/add/", movie_form([
        {"screen": screen.id, "starts_at": first},
        {"screen": screen.id, "starts_at": first + timedelta(minutes=120)},
    ], duration_minutes=121))

    assert response.status_code == 200
    assert "overlaps another show" in str(inline_errors(response)[1])
    assert not Show.objects.exists()


def test_a_longer_running_time_that_makes_a_saved_show_overlap_a_new_one_is_a_form_error(admin_client):
    saved = ShowFactory()  # 120 minutes
    touching = saved.starts_at + timedelta(minutes=120)

    response = admin_client.post(f"/admin/movies/movie/{saved.movie_id}/change/", movie_form([
        {"id": saved.id, "movie": saved.movie_id, "screen": saved.screen_id, "starts_at": saved.starts_at},
        {"screen": saved.screen_id, "starts_at": touching},
    ], title=saved.movie.title, duration_minutes=150, initial_shows=1))

    assert response.status_code == 200
    assert "overlaps another show" in str(inline_errors(response)[1])
    assert Movie.objects.get().duration_minutes == 120
    assert Show.objects.count() == 1


def test_an_invalid_running_time_on_a_new_movie_with_shows_is_a_form_error(admin_client):
    screen = ScreenFactory()

    response = admin_client.post("/admin/movies/movie/add/", movie_form([
        {"screen": screen.id, "starts_at": ShowFactory.build().starts_at},
    ], duration_minutes=""))

    assert response.status_code == 200
    assert "duration_minutes" in response.context["adminform"].form.errors
    assert not Movie.objects.exists()
    assert not Show.objects.exists()


def test_a_running_time_past_the_calendar_on_a_movie_with_shows_is_a_form_error(admin_client):
    saved = ShowFactory()

    response = admin_client.post(f"/admin/movies/movie/{saved.movie_id}/change/", movie_form([
        {"id": saved.id, "movie": saved.movie_id, "screen": saved.screen_id, "starts_at": saved.starts_at},
    ], title=saved.movie.title, duration_minutes=10**12, initial_shows=1))

    assert response.status_code == 200
    assert "duration_minutes" in response.context["adminform"].form.errors
    assert Movie.objects.get().duration_minutes == 120
