from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError

from core.db import run_with_retries
from core.exceptions import ServiceUnavailable


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
