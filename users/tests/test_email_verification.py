"""Email verification (API.md, "Abuse limits, email verification"), through HTTP, with mail received by a real
SMTP server on loopback."""
import io
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings.models import Booking
from bookings.tests.factories import booking_with_seats
from bookings.tests.fake_stripe import free_port
from conftest import bearer_client
from movies.tests.factories import ShowFactory
from users import tokens
from users.tests.factories import UserFactory

User = get_user_model()
SIGNUP = "/api/auth/signup/"
VERIFY = "/api/auth/verify-email/"
RESEND = "/api/auth/verify-email/resend/"
ME = "/api/auth/me/"


@pytest.fixture
def user(db):
    """An account whose address is not verified yet (the factory makes verified ones)."""
    return UserFactory(email_verified=False)


def sign_up(api_client, username="alice"):
    body = {"username": username, "email": f"{username}@example.com", "password": "s3cret-pass-word"}
    response = api_client.post(SIGNUP, body, format="json")
    assert response.status_code == 201, response.json()
    return User.objects.get(username=username)


def run_the_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def token_in(message):
    return re.search(r'"token": "([^"]+)"', message.get_body(preferencelist=("plain",)).get_content()).group(1)


def verify(api_client, token):
    return api_client.post(VERIFY, {"token": token}, format="json")


def is_verified(user):
    return User.objects.get(pk=user.pk).email_verified


@pytest.mark.django_db(transaction=True)
class TestThroughTheMail:
    def test_signup_mails_one_token_that_verifies_the_address_once(self, api_client, smtp_server):
        user = sign_up(api_client)

        [(recipients, message)] = smtp_server.messages
        token = token_in(message)
        first = verify(api_client, token)
        again = verify(api_client, token)

        assert recipients == ["alice@example.com"]
        assert message["Subject"] == "Confirm your email address"
        assert first.status_code == 200
        assert first.json()["email_verified"] is True
        assert bearer_client(user).get(ME).json()["email_verified"] is True
        assert again.status_code == 400
        assert again.json()["code"] == "invalid_token"

    def test_an_expired_token_is_refused_and_changes_nothing(self, api_client, smtp_server, settings):
        settings.EMAIL_VERIFICATION_HOURS = 2
        user = sign_up(api_client)
        [(_, message)] = smtp_server.messages
        later = datetime.now() + timedelta(hours=2, minutes=1)

        with mock.patch.object(tokens.EmailVerificationTokenGenerator, "_now", return_value=later):
            response = verify(api_client, token_in(message))

        assert response.status_code == 400
        assert response.json()["code"] == "invalid_token"
        assert not is_verified(user)

    def test_a_resend_mails_a_new_token_that_works(self, api_client, smtp_server):
        user = sign_up(api_client)

        response = bearer_client(user).post(RESEND)

        assert response.status_code == 202
        assert len(smtp_server.messages) == 2
        assert verify(api_client, token_in(smtp_server.messages[1][1])).status_code == 200
        assert is_verified(user)

    def test_with_a_worker_the_mail_is_queued_in_the_signups_transaction_and_retried_while_the_server_is_down(
            self, api_client, smtp_server, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        port = settings.EMAIL_PORT
        settings.EMAIL_PORT = free_port()  # nothing listens: connection refused

        user = sign_up(api_client)
        [queued] = DBTaskResult.objects.all()
        run_the_worker()
        retry = DBTaskResult.objects.get(status="READY")
        settings.EMAIL_PORT = port  # the server is back, and the retry's time has come
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
        run_the_worker()

        assert queued.task_path.endswith("send_verification_mail")
        assert queued.args_kwargs["args"] == [user.pk]
        assert retry.args_kwargs["args"] == [user.pk, 2]
        [(recipients, message)] = smtp_server.messages
        assert recipients == ["alice@example.com"]
        assert verify(api_client, token_in(message)).status_code == 200

    @override_settings(EMAIL_VERIFICATION="none")
    def test_with_verification_off_signup_mails_nothing_and_resend_is_refused(self, api_client, smtp_server):
        user = sign_up(api_client)

        response = bearer_client(user).post(RESEND)

        assert smtp_server.messages == []
        assert response.status_code == 400
        assert response.json()["code"] == "verification_disabled"


@pytest.mark.django_db
class TestTokens:
    def test_me_says_whether_the_email_is_verified(self, user_client):
        assert user_client.get(ME).json()["email_verified"] is False

    @pytest.mark.parametrize("token", [
        "", "nonsense", "a-b-c", "MQ-abc-def", "x-y-z" * 10, "9" * 10_000, "MQ" * 5_000 + "-a-b",
        "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0-a-b",  # a user id of 24 digits
        "w6k-a-b",  # a user id that is not ASCII
    ])
    def test_a_malformed_or_forged_token_is_400_invalid_token(self, api_client, user, token):
        response = verify(api_client, token)

        assert response.status_code == 400
        assert response.json()["code"] == "invalid_token"
        assert not is_verified(user)

    def test_a_token_for_another_user_or_an_edited_one_is_refused(self, api_client, user):
        other = UserFactory(email_verified=False)
        token = tokens.make_token(user)
        uid, stamp, digest = token.split("-")
        someone_elses = tokens.make_token(other).split("-")[0] + f"-{stamp}-{digest}"
        edited = digest[:-1] + ("1" if digest.endswith("0") else "0")  # a real edit, whatever the digest ends with

        assert verify(api_client, someone_elses).json()["code"] == "invalid_token"
        assert verify(api_client, f"{uid}-{stamp}-{edited}").status_code == 400
        assert not is_verified(user)
        assert not is_verified(other)

    def test_a_token_for_an_address_the_user_no_longer_has_is_refused(self, api_client, user):
        token = tokens.make_token(user)
        User.objects.filter(pk=user.pk).update(email="new@example.com")

        response = verify(api_client, token)

        assert response.json()["code"] == "invalid_token"
        assert not is_verified(user)

    def test_a_missing_token_is_400_on_token(self, api_client):
        response = api_client.post(VERIFY, {}, format="json")

        assert response.status_code == 400
        assert "token" in response.json()

    def test_a_stale_bearer_header_does_not_stop_verification(self, api_client, user):
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

        assert verify(api_client, tokens.make_token(user)).status_code == 200

    @override_settings(THROTTLE_AUTH="2/day")
    def test_verification_is_throttled_like_login(self, api_client):
        answers = [verify(api_client, "nonsense").status_code for _ in range(3)]

        assert answers == [400, 400, 429]

    def test_resend_needs_a_login(self, api_client):
        assert api_client.post(RESEND).status_code == 401

    def test_resend_on_a_verified_address_is_400_already_verified(self, mailoutbox):
        user = UserFactory(email_verified=True)

        response = bearer_client(user).post(RESEND)

        assert response.status_code == 400
        assert response.json()["code"] == "already_verified"

    @override_settings(THROTTLE_VERIFY_RESEND="2/day")
    def test_resend_is_throttled_per_user(self, user):
        client = bearer_client(user)

        answers = [client.post(RESEND).status_code for _ in range(3)]

        assert answers == [202, 202, 429]

    def test_demo_users_are_verified(self):
        call_command("load_demo", stdout=io.StringIO())

        assert set(User.objects.values_list("username", "email_verified")) == {("demo", True), ("admin", True)}


@pytest.mark.django_db
class TestMandatory:
    @pytest.fixture
    def show(self):
        return ShowFactory()

    def attempts(self, client, show, own_hold):
        return {
            "book": client.post(f"/api/shows/{show.id}/book/", {"seat_numbers": ["A1"]}, format="json"),
            "hold": client.post(f"/api/shows/{show.id}/hold/", {"seat_numbers": ["A2"]}, format="json"),
            "pay": client.post(f"/api/bookings/{own_hold.id}/pay/"),
        }

    def held_by(self, user, show):
        hold = booking_with_seats(show, [10], user=user)
        Booking.objects.filter(pk=hold.pk).update(status=Booking.Status.HELD,
                                                  expires_at=timezone.now() + timedelta(minutes=10))
        return hold

    @override_settings(EMAIL_VERIFICATION="mandatory")
    def test_an_unverified_user_may_not_book_hold_or_pay_and_nothing_is_written(self, show):
        user = UserFactory(email_verified=False)
        hold = self.held_by(user, show)

        answers = self.attempts(bearer_client(user), show, hold)

        assert {name: answer.status_code for name, answer in answers.items()} == {"book": 403, "hold": 403,
                                                                                  "pay": 403}
        assert all(answer.json()["code"] == "email_unverified" for answer in answers.values())
        assert Booking.objects.count() == 1
        assert not hold.payments.exists()

    @override_settings(EMAIL_VERIFICATION="mandatory")
    def test_verified_users_and_staff_pass(self, show):
        for user in (UserFactory(email_verified=True), UserFactory(is_staff=True)):
            answers = self.attempts(bearer_client(user), show, self.held_by(user, show))

            assert all(answer.json().get("code") != "email_unverified" for answer in answers.values()), answers
            assert answers["book"].status_code == answers["hold"].status_code == 201
            show = ShowFactory()

    @pytest.mark.parametrize("mode", ["none", "optional"])
    def test_other_modes_refuse_nobody(self, show, mode):
        user = UserFactory(email_verified=False)
        with override_settings(EMAIL_VERIFICATION=mode):
            answers = self.attempts(bearer_client(user), show, self.held_by(user, show))

        assert answers["book"].status_code == answers["hold"].status_code == 201
        assert answers["pay"].status_code != 403

    @override_settings(EMAIL_VERIFICATION="mandatory")
    def test_anonymous_is_still_401(self, api_client, show):
        response = api_client.post(f"/api/shows/{show.id}/book/", {"seat_numbers": ["A1"]}, format="json")

        assert response.status_code == 401


@pytest.mark.parametrize(("name", "value"), [("EMAIL_VERIFICATION", "sometimes"), ("EMAIL_VERIFICATION_HOURS", "0")])
def test_a_bad_setting_stops_the_start(name, value):
    environment = {**os.environ, name: value, "DJANGO_SETTINGS_MODULE": "movie_booking.settings"}

    started = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=environment,
                             cwd=django_settings.BASE_DIR, capture_output=True, text=True, timeout=60)

    assert started.returncode != 0
    assert f"ImproperlyConfigured: {name} must be" in started.stderr


@pytest.mark.django_db
def test_swagger_documents_verification_and_the_403_of_book_hold_and_pay(api_client):
    document = api_client.get("/swagger.json").json()

    def answers(route):
        return {status: document["responses"][answer["$ref"].rsplit("/", 1)[-1]] if "$ref" in answer else answer
                for status, answer in document["paths"][route]["post"]["responses"].items()}

    verify_answers, resend_answers = answers("/auth/verify-email/"), answers("/auth/verify-email/resend/")
    assert set(verify_answers) >= {"200", "400", "429"}
    assert "invalid_token" in verify_answers["400"]["description"]
    assert "email_verified" in document["definitions"][verify_answers["200"]["schema"]["$ref"].rsplit("/", 1)[-1]][
        "properties"]
    assert set(resend_answers) >= {"202", "400", "401", "429"}
    assert "already_verified" in resend_answers["400"]["description"]
    for route in ("/shows/{id}/book/", "/shows/{id}/hold/", "/bookings/{id}/pay/"):
        assert "email_unverified" in answers(route)["403"]["description"], route
    assert "Not the owner" in answers("/bookings/{id}/pay/")["403"]["description"]


@pytest.mark.django_db
@pytest.mark.parametrize(("new_email", "verified_after"), [("new@example.com", False), ("carol@example.com", True)])
def test_an_email_changed_in_the_admin_is_unverified_again(admin_client, new_email, verified_after):
    carol = UserFactory(username="carol", email="carol@example.com", email_verified=True)
    form = {"username": "carol", "email": new_email, "email_verified": "on", "is_active": "on",
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}

    response = admin_client.post(f"/admin/users/user/{carol.pk}/change/", form)

    assert response.status_code == 302, response.content
    assert User.objects.get(pk=carol.pk).email == new_email
    assert is_verified(carol) is verified_after
