"""Serializer fields shared by the apps."""
from datetime import UTC

from rest_framework import serializers


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC on the way out (`...Z`); on the way in any offset, and no offset means UTC."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)
