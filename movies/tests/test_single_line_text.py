"""Single-line text of the catalogue (titles, names, genre, language, screen names) refuses control characters and
line breaks: they end up in mail subjects, CSV reports and admin lists, where a line break splits or forges a line."""
import pytest

from movies.models import Movie, Screen, TicketType
from movies.tests.factories import MovieFactory

pytestmark = pytest.mark.django_db

BAD = ["Dune\nPart Two", "Dune\rBcc: x", "Dune\x00", "Dune\x1b[31m", "Dune\u2028Two", "Tab\there"]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("field", ["title", "genre", "language", "age_rating"])
def test_a_movie_field_with_a_control_character_is_a_400_on_it(staff_client, field, value):
    body = {"title": "Dune", "duration_minutes": 120, field: value}

    response = staff_client.post("/api/movies/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Movie.objects.exists()


@pytest.mark.parametrize("value", BAD)
def test_a_screen_name_with_a_control_character_is_a_400(staff_client, value):
    response = staff_client.post("/api/screens/", {"name": value, "rows": 2, "seats_per_row": 2}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert not Screen.objects.exists()


@pytest.mark.parametrize("field", ["name", "check_at_door"])
def test_a_ticket_type_field_with_a_line_break_is_a_400(staff_client, field):
    body = {"code": "member", "name": "Member", field: "Member\ncard"}

    response = staff_client.post("/api/ticket-types/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not TicketType.objects.filter(code="member").exists()


def test_the_admin_refuses_a_title_with_a_line_break(admin_client):
    movie = MovieFactory(title="Dune")

    response = admin_client.post(f"/admin/movies/movie/{movie.pk}/change/", {
        "title": "Dune\nBcc: everyone", "duration_minutes": 120, "description": "",
        "shows-TOTAL_FORMS": "0", "shows-INITIAL_FORMS": "0"})

    assert response.status_code == 200
    assert "Control characters" in response.content.decode()
    movie.refresh_from_db()
    assert movie.title == "Dune"


def test_plain_unicode_text_is_kept(staff_client):
    response = staff_client.post("/api/movies/", {"title": "Ça tourne — 映画 🎬", "duration_minutes": 90,
                                                  "genre": "Comédie", "language": "Français"}, format="json")

    assert response.status_code == 201
    assert Movie.objects.get().title == "Ça tourne — 映画 🎬"
