"""WSGI entry point: `gunicorn movie_booking.wsgi:application`."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movie_booking.settings")

application = get_wsgi_application()
