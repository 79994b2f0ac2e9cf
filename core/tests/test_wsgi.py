"""The WSGI entry point builds, at import, what a process would otherwise build on its first request."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh process imports the entry point, answers one request that goes through routing, the view, the bearer
# token's check and the error handler (401, no database needed), and names the modules that request imported.
FIRST_REQUEST = """
import io, sys
import movie_booking.wsgi
before = set(sys.modules)
environ = {
    "REQUEST_METHOD": "POST", "PATH_INFO": "/api/shows/1/book/", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b"{}"), "wsgi.errors": sys.stderr,
    "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    "CONTENT_LENGTH": "2", "CONTENT_TYPE": "application/json", "HTTP_AUTHORIZATION": "Bearer not-a-token",
}
statuses = []
b"".join(movie_booking.wsgi.application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
print(statuses[0])
print(*sorted(set(sys.modules) - before))
"""
OWN_AND_FRAMEWORK_PACKAGES = ("movie_booking", "core", "users", "movies", "bookings", "rest_framework",
                              "rest_framework_simplejwt", "drf_yasg", "jwt")


def test_the_first_request_imports_no_view_and_no_framework_module():
    answer = subprocess.run([sys.executable, "-c", FIRST_REQUEST], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "DJANGO_SETTINGS_MODULE": "movie_booking.settings"})

    assert answer.returncode == 0, answer.stderr
    status, imported = answer.stdout.splitlines()
    assert status == "401 Unauthorized"
    late = [name for name in imported.split() if name.split(".")[0] in OWN_AND_FRAMEWORK_PACKAGES]
    assert late == []


def test_what_the_import_built_is_out_of_the_collectors_reach():
    answer = subprocess.run(
        [sys.executable, "-c", "import gc, movie_booking.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "movie_booking.settings"})

    assert answer.returncode == 0, answer.stderr
    frozen, collected = map(int, answer.stdout.split())
    assert frozen > 50 * collected
