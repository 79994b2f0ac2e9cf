"""Request bodies sent with `Transfer-Encoding: chunked`, which Django alone would read as empty.

Django reads exactly CONTENT_LENGTH bytes of a body, so a chunked request, which has no Content-Length,
reached the views with no body at all: a well-formed `{"seat_number": 5}` was refused as missing its fields.
This WSGI middleware gives such a body the length it has. Servers that decode the chunks themselves say so
with `wsgi.input_terminated` (gunicorn does); their input is read to its end, at most one byte past
DATA_UPLOAD_MAX_MEMORY_SIZE, so that an oversized body still gets Django's 413. A server that passes the raw
chunks on (Django's runserver) gets a JSON 411: a Content-Length is required there.
"""
import io
import json

from django.conf import settings

LENGTH_REQUIRED = json.dumps({
    "detail": "This server needs a Content-Length header with a request body; it cannot read a chunked body.",
    "code": "length_required",
}).encode()


class ChunkedBodyMiddleware:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and not environ.get("CONTENT_LENGTH"):
            if not environ.get("wsgi.input_terminated"):
                start_response("411 Length Required", [
                    ("Content-Type", "application/json"), ("Content-Length", str(len(LENGTH_REQUIRED))),
                ])
                return [LENGTH_REQUIRED]
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            body = environ["wsgi.input"].read(-1 if limit is None else limit + 1)
            environ = {**environ, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
        return self.application(environ, start_response)
