"""Retrying a unit of database work that failed for a transient reason.

Contention is not failure: writers queue for locks (PostgreSQL row locks, SQLite's busy timeout).
What is left is rare and safe to retry from the start: a PostgreSQL serialization failure or deadlock,
a lock that waited past its timeout, SQLite's "database is locked" after the busy timeout.
"""
import functools
import logging
import random
import time

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router

from core.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

# serialization_failure, deadlock_detected, lock_not_available
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_transient(error):
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate in TRANSIENT_SQLSTATES or "database is locked" in str(error)


def run_with_retries(work, *, attempts=5, base_delay=0.05):
    """Call `work()` (which opens its own transaction) until it succeeds, at most `attempts` times.

    Transient errors are retried after a jittered, growing pause; when they persist the caller gets
    ServiceUnavailable (503 with Retry-After). Any other error propagates at once.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DatabaseError as error:
            if not is_transient(error):
                raise
            if attempt == attempts:
                logger.warning("Giving up after %d transient database errors: %s", attempts, error)
                raise ServiceUnavailable() from error
            time.sleep(random.uniform(0, base_delay * 2 ** (attempt - 1)))


def database(alias=DEFAULT_DB_ALIAS):
    """This thread's connection to the database: taken once by a function on the booking path, since every
    attribute read through `django.db.connection` looks the thread's connection up again."""
    return connections[alias]


def once_per_database(build):
    """`build(connection, *options)`, the text of a statement, made once per database and options, then reused: on
    the booking path quoting names and joining a statement's text each time cost more than the database's answer."""
    texts = {}

    @functools.wraps(build)
    def text(connection, *options):
        key = (connection.alias, *options)
        if key not in texts:
            texts[key] = build(connection, *options)
        return texts[key]

    return text


class ModelColumns:
    """A model's columns written out once as SQL, and a row's share of them turned back into an instance.

    For the few reads on the booking path written as plain SQL: there the ORM's building and compiling of a
    query costs several times what the database takes to answer it (bench/floor.py). The instance is the one
    the ORM would make (`Model.from_db`, the database's value converters applied), so callers cannot tell.
    """

    def __init__(self, model, alias):
        self.model, self.alias = model, alias
        self.fields = model._meta.concrete_fields
        self.attnames = [field.attname for field in self.fields]
        self._converters = {}

    def sql(self, connection):
        """The columns, qualified by the alias, for a SELECT list."""
        quote = connection.ops.quote_name
        return ", ".join(f"{quote(self.alias)}.{quote(field.column)}" for field in self.fields)

    def table(self, connection):
        """The model's table under the alias, for a FROM or JOIN."""
        quote = connection.ops.quote_name
        return f"{quote(self.model._meta.db_table)} {quote(self.alias)}"

    def __len__(self):
        return len(self.fields)

    @staticmethod
    def row_instances(row, connection, *columns):
        """The instances that the consecutive shares of `row` describe, one per ModelColumns of `columns`."""
        start, instances = 0, []
        for each in columns:
            instances.append(each.instance(row, connection, start))
            start += len(each)
        return instances

    def instance(self, row, connection, start=0):
        """The instance that `row[start:start + len(self)]` describes, as read on `connection`."""
        values = list(row[start:start + len(self.fields)])
        for index, column, converters in self._converters_for(connection):
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)

    def _converters_for(self, connection):
        """[(index, column, its converters)] for the columns that have any."""
        if connection.alias not in self._converters:
            columns = [field.get_col(self.alias) for field in self.fields]
            converted = [(index, column, connection.ops.get_db_converters(column)
                          + column.get_db_converters(connection)) for index, column in enumerate(columns)]
            self._converters[connection.alias] = [each for each in converted if each[2]]
        return self._converters[connection.alias]


def key_param(field, value, connection):
    """`value` as a query parameter for `field`, or None when no row can hold it (not of the field's type, or past
    the database's integer range), as the ORM answers no row for such a lookup."""
    try:
        value = field.to_python(value)
        field.run_validators(value)
    except (ValidationError, TypeError):
        return None
    return None if value is None else field.get_db_prep_value(value, connection)


def insert_rows(instances):
    """Write new instances of one model in one INSERT, giving each the values the database makes (an auto-increment
    key), as bulk_create does but with the statement written out directly: on the booking path the ORM's building of
    an INSERT cost more than the database's answer. Where the database cannot return the values of a multi-row
    INSERT, bulk_create does it. No signal is sent, as with bulk_create."""
    model = type(instances[0])
    connection = connections[router.db_for_write(model)]
    written, made_by_database = _written_and_made_by_database(model)
    if made_by_database and not connection.features.can_return_rows_from_bulk_insert:
        return model.objects.bulk_create(instances)
    params = [field.get_db_prep_save(field.pre_save(instance, add=True), connection)
              for instance in instances for field in written]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection, model, len(instances)), params)
        made = cursor.fetchall() if made_by_database else [()] * len(instances)
    for instance, values in zip(instances, made, strict=True):
        for field, value in zip(made_by_database, values, strict=True):
            setattr(instance, field.attname, value)
        instance._state.adding, instance._state.db = False, connection.alias
    return instances


@functools.cache
def _written_and_made_by_database(model):
    """The concrete fields an INSERT of `model` writes, and those the database makes and returns: split once per
    model, not on each insert of the booking path (5-8 us a model)."""
    fields = model._meta.concrete_fields
    return ([field for field in fields if not field.db_returning], [field for field in fields if field.db_returning])


@once_per_database
def _insert_sql(connection, model, rows):
    """INSERT of `rows` new rows of `model`, every column but those the database makes, which it returns."""
    quote = connection.ops.quote_name
    written, made_by_database = _written_and_made_by_database(model)
    columns = ", ".join(quote(field.column) for field in written)
    row = f"({', '.join(['%s'] * len(written))})"
    returning = f" RETURNING {', '.join(quote(field.column) for field in made_by_database)}" if made_by_database else ""
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}{returning}"
