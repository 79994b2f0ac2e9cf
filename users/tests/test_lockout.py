"""Lockout after repeated failed logins (django-axes) for one account from one address, at the admin's login form
and the API's login alike."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import override_settings

from users.tests.factories import PASSWORD, UserFactory

LIMIT = 3
COOLOFF = timedelta(minutes=15)
ADMIN_LOGIN = "/admin/login/?next=/admin/"
API_LOGIN = "/api/auth/login/"
WRONG = "wrong-password-1"

pytestmark = [
    pytest.mark.django_db,
    # The per-IP throttle stays out of the way: these tests count the lockout's own refusals.
    pytest.mark.usefixtures("_no_throttle"),
]


@pytest.fixture
def _no_throttle():
    with override_settings(THROTTLE_AUTH=None, AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=COOLOFF):
        yield


@pytest.fixture
def staff():
    return UserFactory(username="boss", email="boss@example.com", is_staff=True, is_superuser=True)


def admin_login(client, username, password, ip="127.0.0.1"):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def api_login(client, ip="127.0.0.1", **credentials):
    return client.post(API_LOGIN, credentials, content_type="application/json", REMOTE_ADDR=ip)


def logged_in_to_admin(client):
    return client.get("/admin/").status_code == 200


def cool_off_passes():
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOLOFF - timedelta(seconds=1))


class TestAdminLogin:
    def test_locks_out_after_the_limit_even_the_right_password(self, client, staff):
        answers = [admin_login(client, "boss", WRONG).status_code for _ in range(LIMIT)]

        right = admin_login(client, "boss", PASSWORD)

        assert answers == [200] * (LIMIT - 1) + [429]  # the form again, then the lockout page (never a 500)
        assert right.status_code == 429
        assert b"too many login attempts" in right.content
        assert not logged_in_to_admin(client)

    def test_the_lock_ends_after_the_cool_off(self, client, staff):
        for _ in range(LIMIT):
            admin_login(client, "boss", WRONG)

        cool_off_passes()
        right = admin_login(client, "boss", PASSWORD)

        assert right.status_code == 302
        assert logged_in_to_admin(client)

    def test_a_successful_login_resets_the_count(self, client, staff):
        for _ in range(LIMIT - 1):
            admin_login(client, "boss", WRONG)
        assert admin_login(client, "boss", PASSWORD).status_code == 302
        client.post("/admin/logout/")

        answers = [admin_login(client, "boss", WRONG).status_code for _ in range(LIMIT - 1)]

        assert answers == [200] * (LIMIT - 1)
        assert admin_login(client, "boss", PASSWORD).status_code == 302

    def test_failures_from_one_address_lock_the_account_from_there_only(self, client, staff):
        for _ in range(LIMIT):
            admin_login(client, "boss", WRONG, ip="10.0.0.1")

        assert admin_login(client, "boss", PASSWORD, ip="10.0.0.1").status_code == 429
        assert admin_login(client, "boss", PASSWORD, ip="10.0.0.99").status_code == 302

    def test_failures_for_other_usernames_never_lock_an_address(self, client, staff):
        for n in range(LIMIT * 2):
            admin_login(client, f"nobody{n}", WRONG, ip="10.0.0.7")

        assert admin_login(client, "boss", PASSWORD, ip="10.0.0.7").status_code == 302


class TestApiLogin:
    def test_counts_per_account_however_it_is_spelled(self, api_client):
        UserFactory(username="carol", email="carol@example.com")
        spellings = [{"username": "carol"}, {"username": "CAROL"}, {"email": "Carol@Example.com"}]

        answers = [api_login(api_client, ip="10.0.1.1", password=WRONG, **spelled).status_code for spelled in spellings]
        right = api_login(api_client, ip="10.0.1.1", username="carol", password=PASSWORD)

        assert answers == [401] * (LIMIT - 1) + [429]
        assert right.status_code == 429
        assert right["Content-Type"] == "application/json"
        assert right.json()["code"] == "throttled"
        assert right.json()["detail"].startswith("Too many failed logins for this account from this address.")
        assert int(right["Retry-After"]) == COOLOFF.total_seconds()

    def test_a_guesser_elsewhere_never_locks_the_owner_out(self, api_client):
        """Anyone can send wrong passwords for a name: they lock that name out from their own address only."""
        UserFactory(username="carol")
        for _ in range(LIMIT * 2):
            api_login(api_client, ip="203.0.113.9", username="carol", password=WRONG)

        assert api_login(api_client, ip="203.0.113.9", username="carol", password=PASSWORD).status_code == 429
        assert api_login(api_client, ip="10.0.1.2", username="carol", password=PASSWORD).status_code == 200

    def test_one_address_failing_for_many_accounts_locks_none_of_the_others(self, api_client, user):
        """Behind a carrier's NAT or an office proxy, thousands share one address: one guesser there locks
        nobody else out (THROTTLE_AUTH bounds the address's guessing instead)."""
        for n in range(LIMIT * 2):
            api_login(api_client, ip="10.0.2.1", username=f"nobody{n}", password=WRONG)

        assert api_login(api_client, ip="10.0.2.1", username=user.username, password=PASSWORD).status_code == 200

    @override_settings(THROTTLE_AUTH="4/minute")
    def test_guessing_from_one_address_is_bounded_by_the_throttle(self, api_client):
        answers = [api_login(api_client, ip="10.0.2.9", username=f"nobody{n}", password=WRONG).status_code
                   for n in range(6)]

        assert answers == [401] * 4 + [429] * 2

    def test_the_lock_ends_after_the_cool_off(self, api_client, user):
        for _ in range(LIMIT):
            api_login(api_client, username=user.username, password=WRONG)

        cool_off_passes()

        assert api_login(api_client, username=user.username, password=PASSWORD).status_code == 200

    def test_a_successful_login_resets_the_accounts_count(self, api_client, user):
        for _ in range(LIMIT - 1):
            api_login(api_client, ip="10.0.3.1", username=user.username, password=WRONG)
        assert api_login(api_client, ip="10.0.3.1", username=user.username, password=PASSWORD).status_code == 200

        answers = [api_login(api_client, ip="10.0.3.1", username=user.username, password=WRONG).status_code
                   for _ in range(LIMIT - 1)]

        assert answers == [401] * (LIMIT - 1)

    def test_the_owners_login_elsewhere_does_not_clear_a_guessers_count(self, api_client, user):
        for _ in range(LIMIT - 1):
            api_login(api_client, ip="203.0.113.7", username=user.username, password=WRONG)
        assert api_login(api_client, ip="10.0.3.5", username=user.username, password=PASSWORD).status_code == 200

        one_more = api_login(api_client, ip="203.0.113.7", username=user.username, password=WRONG)

        assert one_more.status_code == 429

    def test_logging_in_to_ones_own_account_does_not_clear_the_count_against_another(self, api_client, user):
        victim = UserFactory()
        for _ in range(LIMIT - 1):
            api_login(api_client, ip="10.0.4.1", username=victim.username, password=WRONG)
        assert api_login(api_client, ip="10.0.4.1", username=user.username, password=PASSWORD).status_code == 200

        one_more = api_login(api_client, ip="10.0.4.1", username=victim.username, password=WRONG)

        assert one_more.status_code == 429

    def test_the_admin_and_the_api_share_one_count(self, client, api_client, staff):
        for _ in range(LIMIT - 1):
            api_login(api_client, username="boss", password=WRONG, ip="10.0.5.1")

        assert admin_login(client, "boss", WRONG, ip="10.0.5.1").status_code == 429
        assert api_login(api_client, username="boss", password=PASSWORD, ip="10.0.5.1").status_code == 429
