"""Catalogue writes follow Django's model permissions (add, change, delete of that model), not the is_staff flag."""
import re
from datetime import timedelta

import pytest

from conftest import BACK_OFFICE_PERMISSIONS, bearer_client, staff_with_permissions
from movies.models import Movie, Screen, Show
from movies.tests.factories import MovieFactory, ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def catalogue():
    """Every catalogue row as stored, to show that a refused write changed nothing."""
    return [list(model.objects.order_by("pk").values()) for model in (Movie, Screen, Show)]


def movie_body(show):
    return {"title": f"New {show.pk}", "duration_minutes": 100, "genre": "Drama", "language": "English"}


def screen_body(show):
    return {"name": f"Hall {show.pk}", "rows": 3, "seats_per_row": 4}


def show_body(show):
    return {"movie": show.movie_id, "screen": show.screen_id, "price": "8.00",
            "starts_at": (show.starts_at + timedelta(hours=5)).isoformat()}


# Each write of the API on a show of its own (with its movie and screen): the permission it needs, the request,
# and the status it answers when allowed.
WRITES = {
    "create a movie": ("movies.add_movie", "post", lambda show: "/api/movies/", movie_body, 201),
    "replace a movie": ("movies.change_movie", "put", lambda show: f"/api/movies/{show.movie_id}/", movie_body, 200),
    "rename a movie": ("movies.change_movie", "patch", lambda show: f"/api/movies/{show.movie_id}/",
                       lambda show: {"title": "Renamed"}, 200),
    "delete a movie": ("movies.delete_movie", "delete", lambda show: f"/api/movies/{show.movie_id}/", None, 204),
    "create a screen": ("movies.add_screen", "post", lambda show: "/api/screens/", screen_body, 201),
    "replace a screen": ("movies.change_screen", "put", lambda show: f"/api/screens/{show.screen_id}/", screen_body,
                         200),
    "resize a screen": ("movies.change_screen", "patch", lambda show: f"/api/screens/{show.screen_id}/",
                        lambda show: {"rows": 7}, 200),
    "delete a screen": ("movies.delete_screen", "delete", lambda show: f"/api/screens/{show.screen_id}/", None, 204),
    "create a show": ("movies.add_show", "post", lambda show: "/api/shows/", show_body, 201),
    "replace a show": ("movies.change_show", "put", lambda show: f"/api/shows/{show.pk}/", show_body, 200),
    "set a price to 0": ("movies.change_show", "patch", lambda show: f"/api/shows/{show.pk}/",
                         lambda show: {"price": "0.00"}, 200),
    "delete a show": ("movies.delete_show", "delete", lambda show: f"/api/shows/{show.pk}/", None, 204),
}


def send(user, write, show):
    _, method, path, body, _ = write
    return getattr(bearer_client(user), method)(path(show), body and body(show), format="json")


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_each_write_needs_its_model_permission(write):
    permission, *_, allowed_status = write
    every_other = [other for other in BACK_OFFICE_PERMISSIONS if other != permission]
    target = ShowFactory()
    before = catalogue()

    refused = send(staff_with_permissions(*every_other), write, target)

    assert refused.status_code == 403
    assert refused.json() == {"detail": f"This needs the permission {permission}.", "code": "permission_denied"}
    assert catalogue() == before
    for allowed in (staff_with_permissions(permission), UserFactory(is_staff=True, is_superuser=True)):
        target = ShowFactory()
        before = catalogue()
        assert send(allowed, write, target).status_code == allowed_status
        assert catalogue() != before


def test_view_booking_only_staff_cannot_create_reprice_or_delete(api_client):
    """The issue's cases: a staff user whose only permission is bookings.view_booking."""
    show = ShowFactory()
    viewer = bearer_client(staff_with_permissions("bookings.view_booking"))
    before = catalogue()

    created = viewer.post("/api/movies/", movie_body(show), format="json")
    repriced = viewer.patch(f"/api/shows/{show.pk}/", {"price": "0.00"}, format="json")
    deleted = viewer.delete(f"/api/movies/{show.movie_id}/")

    assert [created.status_code, repriced.status_code, deleted.status_code] == [403, 403, 403]
    assert {created.json()["code"], repriced.json()["code"], deleted.json()["code"]} == {"permission_denied"}
    assert catalogue() == before
    assert viewer.get(f"/api/shows/{show.pk}/").json()["price"] == "9.50"  # reads stay public


def test_the_api_document_names_each_writes_permission(api_client):
    paths = api_client.get("/swagger.json").json()["paths"]
    show = ShowFactory()

    for permission, method, path, *_ in WRITES.values():
        route = re.sub(r"/\d+/", "/{id}/", path(show)).removeprefix("/api")
        assert permission in paths[route][method]["responses"]["403"]["description"], (method, route)


ADMIN_ROWS = {"movie": MovieFactory, "screen": ScreenFactory, "show": ShowFactory}


def delete_selected_in_admin(client, user, model, row):
    """Log `user` in to the admin, list `model`, and confirm the delete action on `row`: the actions offered."""
    client.force_login(user)
    listing = client.get(f"/admin/movies/{model}/")
    assert listing.status_code == 200
    form = listing.context["action_form"]
    client.post(f"/admin/movies/{model}/", {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    return set() if form is None else {name for name, _ in form.fields["action"].choices if name}


def all_but_delete(model):
    return [permission for permission in BACK_OFFICE_PERMISSIONS if permission != f"movies.delete_{model}"]


@pytest.mark.parametrize("model", ADMIN_ROWS)
def test_the_admins_delete_action_needs_the_delete_permission(client, model):
    row = ADMIN_ROWS[model]()
    without = staff_with_permissions(*all_but_delete(model))

    assert "delete_selected" not in delete_selected_in_admin(client, without, model, row)
    assert type(row).objects.filter(pk=row.pk).exists()
    for allowed in (staff_with_permissions(f"movies.view_{model}", f"movies.delete_{model}"),
                    UserFactory(is_staff=True, is_superuser=True)):
        row = ADMIN_ROWS[model]()
        assert "delete_selected" in delete_selected_in_admin(client, allowed, model, row)
        assert not type(row).objects.filter(pk=row.pk).exists()
