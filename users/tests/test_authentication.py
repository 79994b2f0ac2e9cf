"""The bearer-token authentication's own parts (users.authentication): the read of the user, and each token
validated once."""
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.tokens import AccessToken

from users.authentication import user_by_id
from users.tests.factories import UserFactory

ME = "/api/auth/me/"


@pytest.mark.django_db
class TestTheUserRead:
    def test_is_the_instance_the_orm_would_make(self):
        made = UserFactory(first_name="Ada", email="ada@example.com")

        read = user_by_id(made.pk)

        from_orm = get_user_model().objects.get(pk=made.pk)
        assert [getattr(read, field.attname) for field in from_orm._meta.concrete_fields] == [
            getattr(from_orm, field.attname) for field in from_orm._meta.concrete_fields]
        assert (read._state.adding, read._state.db) == (False, "default")
        read.first_name = "Grace"
        read.save(update_fields=["first_name"])
        assert get_user_model().objects.get(pk=made.pk).first_name == "Grace"

    @pytest.mark.parametrize("user_id", [0, -1, 10**20, "seven", None])
    def test_an_id_that_names_nobody_is_none(self, user_id):
        UserFactory()

        assert user_by_id(user_id) is None


@pytest.mark.django_db
class TestRefused:
    def test_a_token_of_a_user_deleted_since(self, api_client):
        gone = UserFactory()
        token = str(AccessToken.for_user(gone))
        gone.delete()

        answer = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

        assert (answer.status_code, answer.json()["code"]) == (401, "user_not_found")

    def test_a_token_of_a_user_deactivated_since(self, api_client):
        deactivated = UserFactory()
        token = str(AccessToken.for_user(deactivated))
        deactivated.is_active = False
        deactivated.save()

        answer = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

        assert (answer.status_code, answer.json()["code"]) == (401, "user_inactive")


@pytest.mark.django_db
class TestValidatedOnce:
    def test_a_token_is_decoded_once_however_many_requests_send_it(self, api_client):
        token = str(AccessToken.for_user(UserFactory()))
        with mock.patch.object(TokenBackend, "decode", autospec=True, side_effect=TokenBackend.decode) as decode:
            answers = [api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code for _ in range(3)]

        assert (answers, decode.call_count) == ([200, 200, 200], 1)

    def test_a_token_that_expired_since_it_was_validated_is_refused(self, api_client):
        token = AccessToken.for_user(UserFactory())
        token.set_exp(lifetime=timedelta(seconds=1))
        assert api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

        time.sleep(1.1)
        answer = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

        assert (answer.status_code, answer.json()["code"]) == (401, "token_not_valid")

    def test_a_token_that_is_not_valid_is_refused_every_time(self, api_client):
        token = str(AccessToken.for_user(UserFactory()))
        forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
        assert api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

        answers = [api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {forged}") for _ in range(2)]

        assert [(answer.status_code, answer.json()["code"]) for answer in answers] == [(401, "token_not_valid")] * 2
