"""The auth endpoints, through HTTP, as API.md describes them."""
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.core.management import call_command
from django.test import override_settings
from rest_framework_simplejwt.tokens import RefreshToken

from users.tests.factories import PASSWORD, UserFactory

User = get_user_model()
SIGNUP = "/api/auth/signup/"
LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"
ME = "/api/auth/me/"

pytestmark = pytest.mark.django_db


def signup_body(**overrides):
    return {"username": "alice", "email": "alice@example.com", "password": "s3cret-pass-word", **overrides}


def login(api_client, **credentials):
    return api_client.post(LOGIN, credentials, format="json")


class TestSignup:
    def test_creates_user_and_answers_its_public_fields(self, api_client):
        response = api_client.post(SIGNUP, signup_body(password2="s3cret-pass-word"), format="json")

        assert response.status_code == 201
        user = User.objects.get(username="alice")
        assert response.json() == {"id": user.id, "username": "alice", "email": "alice@example.com"}
        assert user.check_password("s3cret-pass-word")
        assert not user.is_staff

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (signup_body(username="TAKEN"), "username"),
            (signup_body(email="Taken@EXAMPLE.com"), "email"),
            (signup_body(email="not-an-email"), "email"),
            (signup_body(password="123"), "password"),
            (signup_body(password="password"), "password"),
            (signup_body(password="alice-example"), "password"),
            (signup_body(password2="something-else-9"), "password2"),
            ({"email": "x@example.com", "password": "s3cret-pass-word"}, "username"),
            ({"username": "x", "password": "s3cret-pass-word"}, "email"),
            ({"username": "x", "email": "x@example.com"}, "password"),
            (signup_body(username="bad name!"), "username"),
            (signup_body(username="a" * 10_000), "username"),
            (signup_body(username="TAKEN@EXAMPLE.COM"), "username"),
            (signup_body(username="dem\u043e"), "username"),  # a Cyrillic о
            (signup_body(username="\uff54\uff41\uff4b\uff45\uff4e"), "username"),  # fullwidth: NFKC makes it `taken`
        ],
    )
    def test_refusals_name_the_field_and_create_nobody(self, api_client, body, field):
        UserFactory(username="taken", email="taken@example.com")

        response = api_client.post(SIGNUP, body, format="json")

        assert response.status_code == 400
        assert field in response.json()
        assert User.objects.count() == 1

    @pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', "null"])
    def test_body_that_is_not_a_json_object_is_a_json_400(self, api_client, raw):
        response = api_client.post(SIGNUP, raw, content_type="application/json")

        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert not User.objects.exists()

    def test_non_json_body_has_detail_and_code(self, api_client):
        response = api_client.post(SIGNUP, "{broken", content_type="application/json")

        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"


class TestLogin:
    @pytest.mark.parametrize(
        "credentials",
        [
            {"username": "carol"},
            {"username": "CAROL"},
            {"email": "carol@example.com"},
            {"email": "Carol@Example.com"},
            {"username": "carol@example.com"},
        ],
    )
    def test_by_username_or_email_gives_a_token_pair(self, api_client, credentials):
        carol = UserFactory(username="carol", email="carol@example.com")

        response = login(api_client, password=PASSWORD, **credentials)

        assert response.status_code == 200
        assert set(response.json()) == {"access", "refresh"}
        me = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        assert me.json()["id"] == carol.id

    def test_an_email_shaped_username_is_refused_and_the_owner_of_that_email_still_logs_in(self, api_client):
        victim = UserFactory(username="victim", email="victim@mail.com")

        signup = api_client.post(SIGNUP, signup_body(username="VICTIM@MAIL.COM", email="thief@example.com"),
                                 format="json")
        by_email = login(api_client, email="victim@mail.com", password=PASSWORD)

        assert signup.status_code == 400
        assert "username" in signup.json()
        assert by_email.status_code == 200
        me = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {by_email.json()['access']}")
        assert me.json()["id"] == victim.id

    @pytest.mark.parametrize(
        "credentials",
        [
            {"email": "carol"},  # `email` matches emails only
            {"username": "mallory@example.com"},  # an identifier with `@` matches emails only
        ],
    )
    def test_each_field_matches_its_own_kind_of_identifier_only(self, api_client, credentials):
        UserFactory(username="carol", email="carol@example.com")
        # An account made before usernames lost `@`: its username must not answer for the email it spells.
        UserFactory(username="mallory@example.com", email="other@example.com")

        response = login(api_client, password=PASSWORD, **credentials)

        assert response.status_code == 401
        assert response.json()["code"] == "no_active_account"

    def test_wrong_password_and_unknown_user_get_the_same_401(self, api_client):
        UserFactory(username="carol")

        wrong_password = login(api_client, username="carol", password="wrong-password-1")
        unknown_user = login(api_client, username="nobody", password="wrong-password-1")

        assert wrong_password.status_code == unknown_user.status_code == 401
        assert wrong_password.json() == unknown_user.json()
        assert wrong_password.json()["code"] == "no_active_account"

    def test_inactive_user_cannot_log_in(self, api_client):
        UserFactory(username="carol", is_active=False)

        assert login(api_client, username="carol", password=PASSWORD).status_code == 401

    def test_neither_username_nor_email_is_400(self, api_client):
        response = login(api_client, password=PASSWORD)

        assert response.status_code == 400
        assert "username" in response.json()

    @override_settings(THROTTLE_AUTH="3/day")  # a day: no window ends within the test
    def test_throttled_per_ip_with_retry_after(self, api_client):
        for _ in range(3):
            login(api_client, username="nobody", password="x")

        response = login(api_client, username="nobody", password="x")

        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        assert int(response["Retry-After"]) > 0

    @override_settings(THROTTLE_AUTH="3/day")  # a day: no window ends within the test
    def test_a_forged_x_forwarded_for_does_not_dodge_the_throttle(self, api_client):
        for n in range(3):
            api_client.post(LOGIN, {"username": "nobody", "password": "x"}, format="json",
                            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

        response = api_client.post(LOGIN, {"username": "nobody", "password": "x"}, format="json",
                                   HTTP_X_FORWARDED_FOR="10.0.0.99")

        assert response.status_code == 429

    # The lockout after repeated failures is django-axes' business, tested in test_lockout.py.
    @override_settings(THROTTLE_AUTH=None, AXES_ENABLED=False)
    def test_throttle_off_lets_everything_through(self, api_client):
        statuses = {login(api_client, username="nobody", password="x").status_code for _ in range(25)}

        assert statuses == {401}


class TestRefreshAndLogout:
    def tokens(self, api_client, user):
        return login(api_client, username=user.username, password=PASSWORD).json()

    def test_refresh_rotates_and_the_old_refresh_is_refused(self, api_client, user):
        first = self.tokens(api_client, user)

        rotated = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
        reused = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")

        assert rotated.status_code == 200
        assert set(rotated.json()) == {"access", "refresh"}
        assert rotated.json()["refresh"] != first["refresh"]
        assert reused.status_code == 401
        assert reused.json()["code"] == "token_not_valid"
        assert api_client.post(REFRESH, {"refresh": rotated.json()["refresh"]}, format="json").status_code == 200

    def test_refresh_for_a_deleted_user_is_401(self, api_client, user):
        tokens = self.tokens(api_client, user)
        user.delete()

        response = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

        assert response.status_code == 401
        assert response.json()["code"] == "no_active_account"

    def test_logout_blacklists_the_refresh_token(self, api_client, user):
        tokens = self.tokens(api_client, user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

        logout = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
        refresh = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
        logout_again = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

        assert logout.status_code == 205
        assert logout.content == b""
        assert refresh.status_code == 401
        assert logout_again.status_code == 401

    def test_logout_needs_an_access_token(self, api_client, user):
        tokens = self.tokens(api_client, user)

        response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")

        assert response.status_code == 401
        assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 200

    def test_logout_refuses_another_users_refresh_token(self, user_client, api_client):
        other_refresh = str(RefreshToken.for_user(UserFactory()))

        response = user_client.post(LOGOUT, {"refresh": other_refresh}, format="json")

        assert response.status_code == 401
        assert api_client.post(REFRESH, {"refresh": other_refresh}, format="json").status_code == 200

    @override_settings(THROTTLE_AUTH="3/day")  # a day: no window ends within the test
    def test_refresh_is_throttled_per_ip_and_counted_apart_from_login(self, api_client, user):
        for _ in range(3):
            api_client.post(REFRESH, {"refresh": "garbage"}, format="json")

        throttled = api_client.post(REFRESH, {"refresh": "garbage"}, format="json")

        assert throttled.status_code == 429
        assert throttled.json()["code"] == "throttled"
        assert int(throttled["Retry-After"]) > 0
        assert login(api_client, username=user.username, password=PASSWORD).status_code == 200

    @pytest.mark.parametrize("refresh", ["", "garbage", "a.b.c"])
    def test_malformed_refresh_token(self, api_client, refresh):
        response = api_client.post(REFRESH, {"refresh": refresh}, format="json")

        assert response.status_code in (400, 401)
        assert response["Content-Type"] == "application/json"


class TestMe:
    def test_answers_the_callers_account(self, user_client, user):
        response = user_client.get(ME)

        assert response.status_code == 200
        assert response.json()["id"] == user.id
        assert set(response.json()) == {"id", "username", "email", "date_joined", "email_verified"}

    @pytest.mark.parametrize(
        "header",
        [
            None,
            "Bearer",
            "Bearer not-a-token",
            "Bearer a.b.c",
            "Token abc",
        ],
    )
    def test_missing_or_malformed_token_is_json_401(self, api_client, header):
        if header:
            api_client.credentials(HTTP_AUTHORIZATION=header)

        response = api_client.get(ME)

        assert response.status_code == 401
        assert {"detail", "code"} <= set(response.json())

    def test_forged_token_is_401(self, api_client, user):
        access = RefreshToken.for_user(user).access_token
        header, payload, signature = str(access).split(".")
        forged = f"{header}.{payload}.{signature[::-1]}"

        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {forged}")

        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"

    def test_expired_token_is_401(self, api_client, user):
        access = RefreshToken.for_user(user).access_token
        access.set_exp(lifetime=-access.lifetime)

        response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {access}")

        assert response.status_code == 401


PASSWORD_CHANGE = "/api/auth/password/"
NEW_PASSWORD = "a-brand-new-secret-77"


def tokens_of(api_client, user, password=PASSWORD):
    return login(api_client, username=user.username, password=password).json()


def me_with(api_client, access):
    return api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {access}")


def refresh_with(api_client, refresh):
    return api_client.post(REFRESH, {"refresh": refresh}, format="json")


class TestPasswordChange:
    def change(self, api_client, access, **body):
        return api_client.post(PASSWORD_CHANGE, body, format="json", HTTP_AUTHORIZATION=f"Bearer {access}")

    def test_answers_a_fresh_pair_and_every_older_token_is_refused(self, api_client, user):
        old = tokens_of(api_client, user)
        older = tokens_of(api_client, user)  # a second device

        response = self.change(api_client, old["access"], old_password=PASSWORD, new_password=NEW_PASSWORD)

        assert response.status_code == 200
        assert private_and_not_stored(response)
        fresh = response.json()
        assert set(fresh) == {"access", "refresh"}
        for stale in (old, older):
            assert me_with(api_client, stale["access"]).status_code == 401
            assert me_with(api_client, stale["access"]).json()["code"] == "password_changed"
            assert refresh_with(api_client, stale["refresh"]).status_code == 401
        assert me_with(api_client, fresh["access"]).json()["id"] == user.id
        assert refresh_with(api_client, fresh["refresh"]).status_code == 200
        assert login(api_client, username=user.username, password=NEW_PASSWORD).status_code == 200
        assert login(api_client, username=user.username, password=PASSWORD).status_code == 401

    def test_a_wrong_old_password_is_400_on_it_and_changes_nothing(self, api_client, user):
        old = tokens_of(api_client, user)

        response = self.change(api_client, old["access"], old_password="not-my-password-1", new_password=NEW_PASSWORD)

        assert response.status_code == 400
        assert list(response.json()) == ["old_password"]
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
        assert me_with(api_client, old["access"]).status_code == 200

    @pytest.mark.parametrize("new_password", ["123", "password", "12345678901", "user-example"])
    def test_the_validators_refuse_a_weak_new_password_with_400_on_it(self, api_client, new_password):
        user = UserFactory(username="user", email="user@example.com")
        old = tokens_of(api_client, user)

        response = self.change(api_client, old["access"], old_password=PASSWORD, new_password=new_password)

        assert response.status_code == 400
        assert list(response.json()) == ["new_password"]
        assert all(isinstance(message, str) for message in response.json()["new_password"])
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    @pytest.mark.parametrize("body", [{}, {"old_password": PASSWORD}, {"new_password": NEW_PASSWORD},
                                      {"old_password": None, "new_password": NEW_PASSWORD},
                                      {"old_password": PASSWORD, "new_password": "x" * 10_000}])
    def test_missing_or_invalid_fields_are_400(self, user_client, user, body):
        response = user_client.post(PASSWORD_CHANGE, body, format="json")

        assert response.status_code == 400
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_needs_a_token(self, api_client):
        response = api_client.post(PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                                   format="json")

        assert response.status_code == 401


class TestRevocation:
    """A password changed any other way, or a deactivated account, refuses every token issued before."""

    def assert_refused(self, api_client, stale):
        assert me_with(api_client, stale["access"]).status_code == 401
        assert refresh_with(api_client, stale["refresh"]).status_code == 401

    def test_set_password(self, api_client, user):
        stale = tokens_of(api_client, user)

        user.set_password(NEW_PASSWORD)
        user.save()

        self.assert_refused(api_client, stale)

    def test_admin_password_form(self, api_client, admin_client, user):
        stale = tokens_of(api_client, user)

        response = admin_client.post(f"/admin/users/user/{user.pk}/password/",
                                     {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})

        assert response.status_code == 302
        self.assert_refused(api_client, stale)

    def test_manage_py_changepassword(self, api_client, user, monkeypatch):
        stale = tokens_of(api_client, user)
        monkeypatch.setattr(changepassword.Command, "_get_pass", lambda command, prompt="": NEW_PASSWORD)

        call_command("changepassword", user.username, stdout=io.StringIO())

        self.assert_refused(api_client, stale)

    def test_deactivation(self, api_client, user):
        stale = tokens_of(api_client, user)

        user.is_active = False
        user.save()

        self.assert_refused(api_client, stale)

    def test_tokens_of_an_unchanged_account_keep_working(self, api_client, user):
        tokens = tokens_of(api_client, user)

        user.email = "new-address@example.com"
        user.save()

        assert me_with(api_client, tokens["access"]).status_code == 200
        assert refresh_with(api_client, tokens["refresh"]).status_code == 200


def private_and_not_stored(response):
    return {part.strip() for part in response["Cache-Control"].split(",")} == {"private", "no-store"}


@pytest.mark.parametrize("path", [LOGIN, REFRESH, SIGNUP])
def test_token_and_signup_answers_are_never_stored(api_client, user, path):
    bodies = {LOGIN: {"username": user.username, "password": PASSWORD},
              REFRESH: {"refresh": str(RefreshToken.for_user(user))},
              SIGNUP: signup_body()}

    response = api_client.post(path, bodies[path], format="json")

    assert response.status_code in (200, 201)
    assert private_and_not_stored(response)


def test_answers_about_ones_own_account_are_private_and_never_stored(api_client):
    refresh = RefreshToken.for_user(UserFactory(email_verified=False))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    answers = {
        "me": api_client.get(ME),
        "resend the verification mail": api_client.post("/api/auth/verify-email/resend/"),
        "verify, refused": api_client.post("/api/auth/verify-email/", {"token": "no-such-token"}, format="json"),
        "log out": api_client.post(LOGOUT, {"refresh": str(refresh)}, format="json"),
    }

    assert [response.status_code for response in answers.values()] == [200, 202, 400, 205]
    for name, response in answers.items():
        assert private_and_not_stored(response), name


def test_auth_answers_run_a_bounded_number_of_queries(api_client, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):  # most are django-axes' count of the failure
        assert login(api_client, username=user.username, password="wrong-password-1").status_code == 401
    with django_assert_max_num_queries(8):
        tokens = tokens_of(api_client, user)
    with django_assert_max_num_queries(21):  # six of them lock the token's row and check the blacklist again
        tokens = refresh_with(api_client, tokens["refresh"]).json()
    with django_assert_max_num_queries(3):
        response = api_client.post(PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                                   format="json", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert response.status_code == 200
