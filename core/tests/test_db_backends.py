"""The project's database backends (core.db_backends): PostgreSQL connections reused by request after request are
checked (SELECT 1) only after they sat idle, and one that died is replaced either way; SQLite converts each
statement's placeholders once."""
import psycopg
import pytest
from django.db import OperationalError, connection
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoSQLiteCursor

from core.db_backends.postgresql import base
from core.db_backends.sqlite3 import base as sqlite

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend")
pytestmark = pytest.mark.django_db(transaction=True)

STATEMENTS = ["SELECT 1", "SELECT %s", "SELECT * FROM t WHERE a = %s AND b LIKE '%%x%%' AND c IN (%s, %s)",
              "SELECT '%%s', %s, '100%%'", "UPDATE t SET a = CASE id WHEN %s THEN %s END WHERE b = %s"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backend")
def test_sqlite_converts_each_statement_once_as_django_does():
    sqlite._format_to_qmark.cache_clear()
    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, sqlite.SQLiteCursorWrapper)
        for _ in range(3):
            assert [cursor.cursor.convert_query(each) for each in STATEMENTS] == [
                DjangoSQLiteCursor.convert_query(cursor.cursor, each) for each in STATEMENTS]
        assert cursor.cursor.convert_query("SELECT %(a)s", param_names=["a"]) == "SELECT :a"
        cursor.execute("SELECT %s, '%%'", [7])
        assert cursor.fetchone() == (7, "%")
    assert sqlite._format_to_qmark.cache_info()[:2] == (2 * len(STATEMENTS), len(STATEMENTS) + 1)  # hits, misses


@pytest.fixture
def reused_connection(monkeypatch):
    """The test's connection as a server thread's, reused by one request after another (CONN_MAX_AGE unlimited);
    `between_requests()` is one request's end and the next one's start. The health checks it makes are counted."""
    monkeypatch.setattr(connection, "close_at", None)
    checks = []
    is_usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append("SELECT 1") or is_usable())
    connection.ensure_connection()
    connection.last_request_boundary = None

    def between_requests():
        connection.close_if_unusable_or_obsolete()
        connection.close_if_unusable_or_obsolete()

    yield between_requests, checks
    connection.close()


def a_query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def killed(pid):
    """Ends the server process of the connection `pid` from another connection, as a restart would."""
    settings = connection.get_connection_params()
    with psycopg.connect(**{key: value for key, value in settings.items() if key != "cursor_factory"},
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@postgresql_only
def test_a_connection_in_steady_use_is_not_checked(reused_connection):
    between_requests, checks = reused_connection
    a_query()
    for _ in range(3):
        between_requests()
        a_query()

    assert checks == []


@postgresql_only
def test_a_connection_idle_for_a_while_is_checked_and_replaced_when_dead(reused_connection):
    between_requests, checks = reused_connection
    pid = a_query()
    connection.close_if_unusable_or_obsolete()  # the request's end
    connection.last_request_boundary -= base.HEALTH_CHECK_AFTER_IDLE_SECONDS
    killed(pid)
    connection.close_if_unusable_or_obsolete()  # the next request's start, a while later

    assert a_query() != pid
    assert checks == ["SELECT 1"]


@postgresql_only
def test_a_connection_that_died_in_steady_use_fails_one_request_and_is_replaced(reused_connection):
    between_requests, checks = reused_connection
    pid = a_query()
    killed(pid)
    between_requests()

    with pytest.raises(OperationalError):  # the API answers it 503, with Retry-After
        a_query()
    between_requests()  # Django's own check of a connection that erred closes it
    assert a_query() != pid
