"""How ids are read from paths: one converter for every route, and a router whose detail routes use it.

An id is digits that fit the database's 64-bit integers. Anything past that range names nothing, so the path
matches no route and is answered 404 by the unknown-path view, before any view or database lookup sees it
(a lookup with such a number would fail in the database driver instead of finding nothing). CoreConfig
registers the converter as `id` before any URLconf is read.
"""
from rest_framework.routers import SimpleRouter

from core.serializers import MAX_ID


class IdConverter:
    regex = "[0-9]+"

    def to_python(self, value):
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is past the range of ids")  # Django reads this as "no match"
        return number

    def to_url(self, value):
        return str(value)



class Router(SimpleRouter):
    """DRF's SimpleRouter with `path()` routes, whose detail routes take their lookup through `<id:...>`
    unless a viewset names another converter (`lookup_value_converter`)."""

    def __init__(self):
        super().__init__(use_regex_path=False)

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        converter = getattr(viewset, "lookup_value_converter", "id")
        return f"<{converter}:{lookup_prefix}{lookup_url_kwarg}>"
