"""Staff deletes racing bookings of the same show, each request a real thread with its own database connection."""
from collections import Counter

import pytest
from django.db import connection

from bookings.models import Booking
from bookings.tests.factories import booking_with_seats
from bookings.tests.test_races import run_at_once
from conftest import CATALOGUE_PERMISSIONS, bearer_client, staff_with_permissions
from core.exceptions import ProtectedObject
from movies import services
from movies.models import Show
from movies.tests.factories import ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 15
BUYERS = 5


def answering_500s_as_responses(client):
    client.raise_request_exception = False  # a server error is an answer under test here, not a test crash
    return client


@pytest.mark.parametrize("kind", ["show", "screen", "movie"])
def test_a_delete_racing_bookings_is_204_or_409_and_never_500(kind):
    staff = answering_500s_as_responses(bearer_client(staff_with_permissions(*CATALOGUE_PERMISSIONS)))
    buyers = [answering_500s_as_responses(bearer_client(user)) for user in UserFactory.create_batch(BUYERS)]
    seen = Counter()

    for _ in range(ROUNDS):
        show = ShowFactory()
        target = {"show": show, "screen": show.screen, "movie": show.movie}[kind]

        def act(index, show=show, target=target):
            if index == 0:
                return staff.delete(f"/api/{kind}s/{target.pk}/")
            return buyers[index - 1].post(f"/api/shows/{show.pk}/book/", {"seat_number": index}, format="json")

        delete, *bookings = run_at_once(BUYERS + 1, act)

        booking_statuses = sorted(booking.status_code for booking in bookings)
        seen[(delete.status_code, *booking_statuses)] += 1
        booked = Booking.objects.filter(show_id=show.pk).count()
        if delete.status_code == 204:
            # Every booking came after the delete: the show was gone.
            assert booking_statuses == [404] * BUYERS, seen
            assert not Show.objects.filter(pk=show.pk).exists()
        elif delete.status_code == 409:
            # The delete came after at least one booking, and saw it.
            assert delete.json()["code"] == "protected"
            assert set(booking_statuses) <= {201, 404}, seen
            assert 201 in booking_statuses, seen
            assert booked == booking_statuses.count(201)
            assert Show.objects.filter(pk=show.pk).exists()

    # (delete status, booking statuses...) -> rounds
    assert all(delete_status in (204, 409) for delete_status, *_ in seen), seen


def test_a_reference_the_bookings_check_missed_still_fails_the_delete_as_protected():
    """The last guard: a row referring to the show that appears after Django's check for bookings (here written
    just before the DELETE statement, in the same transaction) breaks the foreign key at commit; the delete then
    answers ProtectedObject (409), never an IntegrityError (500), and deletes nothing."""
    show = ShowFactory()
    show_id = show.pk

    def book_just_before_the_delete(execute, sql, params, many, context):
        if sql.startswith('DELETE FROM "movies_show"'):
            booking_with_seats(show, [1])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(book_just_before_the_delete), pytest.raises(ProtectedObject):
        services.delete_show(show=show)

    assert Show.objects.filter(pk=show_id).exists()
