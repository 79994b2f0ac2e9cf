"""WSGI entry point: `gunicorn movie_booking.wsgi:application`."""
import gc
import os
from importlib import import_module

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver
from rest_framework.settings import api_settings

from core.chunked_bodies import ChunkedBodyMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_booking.settings")

application = ChunkedBodyMiddleware(get_wsgi_application())


def warm_up():
    """Build now what Django and DRF otherwise build on a process's first request: the URLconf with every view
    it imports, the reverse lookup, DRF's configured classes and simplejwt's token backend: 0.16 s of CPU on the
    bench machine, paid otherwise by each worker while its first buyers wait. Nothing here opens a connection, so
    a server that loads the app before forking (gunicorn's preload_app) hands all of it to every worker."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  (imports the views)
    resolver.reverse_dict  # noqa: B018
    for name in api_settings.import_strings:
        getattr(api_settings, name)
    import_module("rest_framework_simplejwt.state")


warm_up()
# Everything built so far lives as long as the process: moved out of the collector's reach, a full collection
# walks a few thousand objects instead of 150,000 (50-75 ms holding the GIL, in a worker that may hold the
# database's write lock), and a forked worker's collections do not touch, and so copy, its parent's pages.
gc.collect()
gc.freeze()
