"""The framework's ceiling: one plain Django view with a fixed small JSON body, under the project's settings.

Served by gunicorn exactly like the API (`gunicorn bench.ceiling:application`), with the same middleware,
so the API's requests/s can be read as a share of what Django itself can do on this machine.
Never part of the product's URLs.
"""
import os

from django.core.wsgi import get_wsgi_application
from django.http import JsonResponse
from django.urls import path

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.ceiling_settings"

BODY = {"status": "ok", "service": "ceiling"}


def ceiling(request):
    return JsonResponse(BODY)


urlpatterns = [path("ceiling/", ceiling)]

application = get_wsgi_application()
