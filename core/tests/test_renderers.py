"""The orjson renderer writes exactly the bytes DRF's own JSONRenderer writes."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail

from core.renderers import JSONRenderer

EVERY_CONTROL_CHARACTER = "".join(map(chr, range(32))) + "\x7f"

BODIES = [
    {"id": 1, "title": "Ça tourne — 映画", "rows": [{"seats": [{"number": 7, "available": True, "price": None}]}]},
    {"text": EVERY_CONTROL_CHARACTER + '"\\/' + "\u2028\u2029" + "\U0001f3ac"},
    {"text": "a paragraph separator alone\u2029", "title": "dashes – and ‘quotes’"},
    {"starts_at": datetime(2026, 12, 2, 10, 0, tzinfo=UTC), "naive": datetime(2026, 12, 2, 10, 0, 5, 123456),
     "day": date(2026, 12, 2), "length": timedelta(minutes=90)},
    {"total": Decimal("19.50"), "code": UUID("12345678-1234-5678-1234-567812345678")},
    {"detail": ErrorDetail("No such seat.", code="invalid"), "lazy": gettext_lazy("This field is required.")},
    {"counts": (1, 2, 3), "huge": 2**70, "negative": -(2**63), "float": 0.1},
    {1: "a key that is not a string"},
    [],
    "plain",
]


@pytest.mark.parametrize("body", BODIES)
def test_same_bytes_as_drf(body):
    assert JSONRenderer().render(body) == renderers.JSONRenderer().render(body)


def test_indented_and_empty_answers_as_drf():
    body = {"a": [1, {"b": None}]}
    indented = "application/json; indent=4"

    assert JSONRenderer().render(body, indented) == renderers.JSONRenderer().render(body, indented)
    assert JSONRenderer().render(None) == b""
