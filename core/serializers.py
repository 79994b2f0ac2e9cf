"""Serializer fields shared by the apps, and the formats of the bodies built without a serializer."""
import re
from datetime import UTC

from rest_framework import serializers

MAX_ID = 2**63 - 1  # ids are 64-bit; a larger number cannot name anything
ASCII_DIGITS = re.compile(r"[0-9]+")


def utc_timestamp(moment):
    """ISO 8601 in UTC with a Z, exactly as UTCDateTimeField writes it; None stays None."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def money(amount):
    """A price with two decimals as a string, exactly as a DecimalField(decimal_places=2) writes it."""
    return f"{amount:.2f}"


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC on the way out (`...Z`); on the way in any offset, and no offset means UTC."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An object written by its id: a JSON integer, or a string of ASCII digits.

    DRF's field passes the value to the database lookup, which takes `1.5` and `1.0` for 1 and `"١٢"` (Arabic
    digits) for 12: a float or a string of other digits would silently name another object. They are 400.
    """

    def to_internal_value(self, data):
        if isinstance(data, str) and ASCII_DIGITS.fullmatch(data):
            data = int(data)
        if type(data) is not int:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class BoundedListField(serializers.ListField):
    """DRF's ListField, refusing a list longer than `max_length` before it validates a single entry: DRF checks
    the length after the entries, so a 10,000-entry list costs 10,000 validations and a 10,000-line error."""

    def to_internal_value(self, data):
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)
