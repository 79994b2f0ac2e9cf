from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError, connection
from django.utils import timezone

from core.db import ModelColumns, insert_rows, key_param, run_with_retries
from core.exceptions import ServiceUnavailable
from movies.models import Screen, Show
from movies.tests.factories import MovieFactory, ScreenFactory


def locked():
    return OperationalError("database is locked")


def test_transient_error_is_retried_until_success():
    work = mock.Mock(side_effect=[locked(), locked(), "done"])

    assert run_with_retries(work, base_delay=0) == "done"
    assert work.call_count == 3


def test_persistent_transient_error_becomes_service_unavailable():
    work = mock.Mock(side_effect=locked())

    with pytest.raises(ServiceUnavailable):
        run_with_retries(work, attempts=4, base_delay=0)
    assert work.call_count == 4


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_postgres_serialization_failure_and_deadlock_are_transient(sqlstate):
    driver_error = Exception("could not serialize access")
    driver_error.sqlstate = sqlstate
    error = OperationalError("could not serialize access")
    error.__cause__ = driver_error
    work = mock.Mock(side_effect=[error, "done"])

    assert run_with_retries(work, base_delay=0) == "done"


def test_other_errors_propagate_at_once():
    work = mock.Mock(side_effect=IntegrityError("duplicate key"))

    with pytest.raises(IntegrityError):
        run_with_retries(work, base_delay=0)
    assert work.call_count == 1


@pytest.mark.django_db
class TestPlainSQLRows:
    """core.db's writes and reads without the ORM's query building give the ORM's own rows and instances."""

    def test_insert_rows_writes_every_field_and_gives_each_instance_its_key_in_order(self):
        screen = ScreenFactory(layout=["ss_ss", "pp_pp"], rows=2, seats_per_row=5)
        shows = [Show(movie=MovieFactory(), screen=screen, starts_at=timezone.now() + timedelta(days=days),
                      price=Decimal(f"{days}.35")) for days in (1, 2, 3)]

        assert insert_rows(shows) == shows

        assert [(show.pk, show.price, show.starts_at) for show in shows] == list(
            Show.objects.filter(pk__in=[show.pk for show in shows]).order_by("starts_at")
            .values_list("pk", "price", "starts_at"))
        shows[0].price = Decimal("4.10")
        shows[0].save()  # an UPDATE of its row, not a second INSERT
        assert (Show.objects.count(), Show.objects.get(pk=shows[0].pk).price) == (3, Decimal("4.10"))

    def test_model_columns_read_back_the_instance_the_orm_reads(self):
        screen = ScreenFactory(layout=["ss_ss", "pp_pp"], rows=2, seats_per_row=5)
        columns = ModelColumns(Screen, "screen")

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns.sql(connection)} FROM movies_screen screen WHERE id = %s", [screen.pk])
            read = columns.instance(cursor.fetchone(), connection)

        from_orm = Screen.objects.get(pk=screen.pk)
        assert {field.attname: getattr(read, field.attname) for field in Screen._meta.concrete_fields} == {
            field.attname: getattr(from_orm, field.attname) for field in Screen._meta.concrete_fields}
        assert read.layout == ["ss_ss", "pp_pp"]

    @pytest.mark.parametrize(("key", "param"), [(7, 7), ("7", 7), (10**20, None), ("x", None), (None, None)])
    def test_key_param_is_the_key_or_none_when_no_row_can_hold_it(self, key, param):
        assert key_param(Show._meta.pk, key, connection) == param
