"""What every endpoint shares: JSON errors, health, documentation, body limits."""
import secrets
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/api/nothing-here/", "/api/", "/api/movies/x/y/z/", "/api/nothing", "/api/shows/x"])
def test_unknown_api_path_is_json_404(api_client, method, path):
    response = getattr(api_client, method)(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no API endpoint at this path.", "code": "not_found"}


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/api/auth/me", "/api/movies", "/api/shows/7/book", "/api/bookings/12"])
def test_a_path_without_its_trailing_slash_is_told_the_path_with_it(api_client, method, path):
    response = getattr(api_client, method)(f"{path}?page=2", {"seat_number": 1}, format="json")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found",
                               "detail": f"There is no API endpoint at this path; paths end with a slash: {path}/"}


def test_unknown_path_outside_api_is_json_404_too(api_client):
    response = api_client.get("/no-such-page/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_json_405(user_client):
    response = user_client.delete("/api/auth/me/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_health_queries_the_database(api_client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_health_is_503_when_the_database_does_not_answer(api_client):
    with mock.patch("core.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response = api_client.get("/api/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response["Retry-After"]


def test_database_outage_inside_a_view_is_json_503(user_client):
    with mock.patch("users.views.MeView.get_object", side_effect=OperationalError("server closed the connection")):
        response = user_client.get("/api/auth/me/")

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert response["Retry-After"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_body_is_413_and_writes_nothing(api_client, django_user_model):
    body = {"username": "big", "email": "big@example.com", "password": "x" * 2000}

    response = api_client.post("/api/auth/signup/", body, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not django_user_model.objects.exists()


def test_swagger_document_lists_the_auth_paths_and_bearer_security(api_client):
    response = api_client.get("/swagger.json", HTTP_AUTHORIZATION="Bearer expired-or-garbage")

    assert response.status_code == 200
    document = response.json()
    assert document["swagger"] == "2.0"
    assert document["securityDefinitions"]["Bearer"] == {
        "type": "apiKey", "name": "Authorization", "in": "header",
        "description": "The access token from POST /api/auth/login/, typed as `Bearer eyJ...`",
    }
    for path in ["/auth/signup/", "/auth/login/", "/auth/token/refresh/", "/auth/logout/", "/auth/me/",
                 "/auth/password/", "/health/"]:
        assert path in document["paths"], path
    login = document["paths"]["/auth/login/"]["post"]
    assert login["security"] == []
    assert {"200", "400", "401", "429"} <= set(login["responses"])
    assert {"401"} <= set(document["paths"]["/auth/me/"]["get"]["responses"])


@pytest.mark.parametrize("path", ["/swagger/", "/redoc/"])
def test_documentation_pages_render(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert b"drf-yasg" in response.content


def test_responses_forbid_framing_and_sniffing(api_client):
    response = api_client.get("/api/health/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("query", ["search=" + "x" * 10_000, "genre=" + "x" * 500, "page_size=abc", "page=-1"])
def test_oversized_or_junk_query_values_never_500(api_client, query):
    response = api_client.get(f"/api/movies/?{query}")

    assert response.status_code in (200, 400, 404)
    assert response["Content-Type"] == "application/json"


def run_settings(*command, **env):
    """Run Python in a fresh interpreter with exactly these variables, which win over any .env value."""
    command = command or ("-c", "import movie_booking.settings")
    base = {"PATH": "/usr/bin:/bin", "DEBUG": "", "SECRET_KEY": "", "ALLOWED_HOSTS": ""}
    return subprocess.run([sys.executable, *command], cwd=settings.BASE_DIR, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_deployment_checklist_is_clean_with_production_settings():
    result = run_settings("manage.py", "check", "--deploy", "--fail-level", "WARNING",
                          DEBUG="False", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="api.example.com",
                          SESSION_COOKIE_SECURE="", CSRF_COOKIE_SECURE="", SECURE_SSL_REDIRECT="",
                          SECURE_HSTS_SECONDS="", SECURE_HSTS_INCLUDE_SUBDOMAINS="", SECURE_HSTS_PRELOAD="")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = run_settings(DEBUG="False", ALLOWED_HOSTS="example.com")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_refuse_to_start_without_allowed_hosts_when_debug_is_off():
    result = run_settings(DEBUG="False", SECRET_KEY="k" * 50)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS is required" in result.stderr


def test_settings_start_with_debug_off_and_both_set():
    result = run_settings(DEBUG="False", SECRET_KEY="k" * 50, ALLOWED_HOSTS="example.com")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 5000 + "]" * 5000,
        '{"username": "\\ud800", "password": "x"}',
        '{"username": "ok", "password": "x", "\\udfff": 1}',
    ],
)
def test_json_that_python_accepts_but_nothing_can_use_is_400(api_client, raw):
    response = api_client.post("/api/auth/login/", raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("post", "/swagger/", {}, 405),
        ("delete", "/redoc/", {}, 405),
        ("get", "/swagger/?format=xyz", {}, 404),
        ("get", "/redoc/", {"HTTP_ACCEPT": "application/xml"}, 406),
    ],
)
def test_documentation_pages_answer_errors_in_json(client, method, path, headers, status):
    response = getattr(client, method)(path, **headers)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"]


@pytest.mark.parametrize("path", ["/api/movies/%D9%A1/", "/api/movies/%EF%BC%91/", "/api/shows/%EF%BC%93/seats/"])
def test_ids_are_ascii_digits_only(api_client, path):
    assert api_client.get(path).status_code == 404


@pytest.mark.parametrize(("env", "believed"), [({}, False), ({"SECURE_PROXY_SSL_HEADER": "off"}, False),
                                               ({"SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https"}, True)])
def test_a_clients_x_forwarded_proto_is_believed_only_when_the_deployment_says_a_proxy_sets_it(env, believed):
    script = ("import django; django.setup(); from django.test import RequestFactory; "
              "print(RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https').is_secure())")
    result = run_settings("-c", script, DEBUG="False", SECRET_KEY="k" * 50, ALLOWED_HOSTS="example.com",
                          DJANGO_SETTINGS_MODULE="movie_booking.settings", **env)

    assert result.stdout.split() == [str(believed)], result.stderr

@pytest.mark.parametrize(("env", "backend"), [({}, "core.cache_backends.SQLiteCache"),
                                              ({"REDIS_URL": "redis://127.0.0.1:6379/0"},
                                               "core.cache_backends.RedisCache")])
def test_the_shared_cache_is_a_sqlite_file_unless_redis_url_is_set(env, backend, tmp_path):
    script = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = run_settings("-c", f"import django; django.setup(); {script}", DEBUG="True", CACHE_DIR=str(tmp_path),
                          DJANGO_SETTINGS_MODULE="movie_booking.settings", **env)

    assert result.stdout.split() == [backend], result.stderr


def test_a_redis_that_refuses_connections_is_left_alone_and_signup_goes_on(api_client, django_user_model):
    # A real Redis client against a loopback port where nothing listens: the connection is refused. The throttle
    # counts in the process instead (core.throttling), so the signup is not refused for the cache's sake.
    unreachable = {"default": {"BACKEND": "core.cache_backends.RedisCache",
                               "LOCATION": "redis://127.0.0.1:9/0"}}
    with override_settings(CACHES=unreachable):
        response = api_client.post("/api/auth/signup/", {"username": "carol", "email": "carol@example.com",
                                                          "password": "a-long-pass-1234"})
        health = api_client.get("/api/health/")

    assert response.status_code == 201
    assert django_user_model.objects.filter(username="carol").exists()
    assert (health.status_code, health.json()["cache"]) == (200, "unavailable")
