"""JSON parsing that refuses, with a 400, what Python's json accepts but nothing after it can handle."""
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, also refusing nesting deep enough to exhaust the stack, and unpaired
    UTF-16 surrogates (`"\\ud800"`), which cannot be stored, compared or echoed back as UTF-8."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        if _has_unpaired_surrogate(data):
            raise ParseError("JSON parse error - a string holds an unpaired surrogate (not valid Unicode).")
        return data


def _has_unpaired_surrogate(data):
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False
