"""Content negotiation: DRF's, with its commonest case answered before anything is parsed."""
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except for a request that names no format (no `?format=`, no suffix) and accepts any media
    type or exactly the view's first renderer's: that renderer answers at once, as DRF's own loop would choose it,
    without building the query string's QueryDict and parsing the Accept header. Nearly every request is one, and on
    a refused booking that work was a tenth of the view's CPU (bench/floor.py)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        meta = request._request.META
        first = renderers[0] if renderers else None
        if (first is not None and format_suffix is None and not meta.get("QUERY_STRING")
                and meta.get("HTTP_ACCEPT", "*/*") in ("*/*", first.media_type)):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
