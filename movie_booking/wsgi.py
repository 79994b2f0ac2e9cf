"""WSGI entry point: `gunicorn movie_booking.wsgi:application`."""
import os

from django.core.wsgi import get_wsgi_application

from core.chunked_bodies import ChunkedBodyMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_booking.settings")

application = ChunkedBodyMiddleware(get_wsgi_application())
