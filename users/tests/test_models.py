import pytest
from django.db import IntegrityError

from users.services import UserAlreadyExists, register_user
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("duplicate", [{"username": "DAVE"}, {"email": "DAVE@EXAMPLE.COM"}])
def test_database_refuses_duplicates_in_another_letter_case(duplicate):
    UserFactory(username="dave", email="dave@example.com")

    with pytest.raises(IntegrityError):
        UserFactory(**{"username": "other", "email": "other@example.com", **duplicate})


def test_register_user_turns_a_lost_race_into_user_already_exists():
    # The serializer's friendly check can be passed by two racing signups; the constraint decides.
    UserFactory(username="dave", email="dave@example.com")

    with pytest.raises(UserAlreadyExists) as refused:
        register_user(username="Dave", email="new@example.com", password="s3cret-pass-word")

    assert refused.value.as_body() == {"username": ["A user with that username already exists."]}
