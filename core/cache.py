"""Cached public reads that are never stale: rendered answers kept under versioned keys in the shared cache.

A read names the version scopes its answer depends on (e.g. "catalogue", "seats", "show:7"); every write that
changes such an answer bumps those versions after it commits (`bump_after_commit`), so the next read on any
server builds a key nobody has used and misses. Versions start from the clock, not from 1, so a version lost
from the cache never comes back to a number that old entries were stored under. The middleware answers hits
(and a matching If-None-Match, with 304) before the view runs; misses run the view and store what it rendered.
"""
import hashlib
import logging
import sqlite3
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.http import parse_etags, quote_etag

logger = logging.getLogger(__name__)

# What a shared cache that does not answer raises (Redis, or the one-machine SQLite file).
CACHE_ERRORS = (redis.RedisError, sqlite3.Error, OSError)
VERSION_KEY = "read-version:{scope}"
ENTRY_KEY = "read:{digest}"
# Clients (and any shared cache on the way) must ask again every time; they may keep the body and revalidate.
CACHE_CONTROL = "no-cache"


class CachedRead:
    """How the public GETs of one view action are cached.

    `scopes(kwargs)` lists the version scopes the answer depends on; `lifetime(kwargs)` bounds how long it may
    be kept in seconds (e.g. until the earliest live hold on the seat map expires; None: READ_CACHE_SECONDS).
    """

    def __init__(self, scopes, lifetime=None):
        self.scopes = scopes
        self.lifetime = lifetime or (lambda kwargs: None)


def cache_until(response, moment):
    """Keep `response` in the read cache no later than `moment` (an aware datetime; None: no bound of its own).

    For a view that reads the bound in the same query as the answer, e.g. the seat map's earliest live hold.
    """
    response.read_cache_until = moment
    return response


def versions(scopes):
    """The current version of each scope, creating the missing ones."""
    keys = [VERSION_KEY.format(scope=scope) for scope in scopes]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, time.time_ns())
            found[key] = cache.get(key)
    return [found[key] for key in keys]


def bump(*scopes, attempts=3):
    """Give each scope a version no cached answer was stored under.

    The write this follows has committed, so a cache that does not answer must not turn it into an error:
    the bump is tried a few times, then logged; answers cached before stay readable until they expire
    (READ_CACHE_SECONDS at most).
    """
    for attempt in range(1, attempts + 1):
        try:
            for scope in scopes:
                key = VERSION_KEY.format(scope=scope)
                try:
                    cache.incr(key)
                except ValueError:  # not in the cache (never read, or evicted): any fresh start will do
                    cache.add(key, time.time_ns())
            return
        except CACHE_ERRORS as error:
            if attempt == attempts:
                logger.error("Could not bump the read cache's versions %s: %s", scopes, error)
                return
            time.sleep(0.05 * attempt)


def bump_after_commit(*scopes):
    """Bump the scopes once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: bump(*scopes))


class ReadCacheMiddleware:
    """Serves cached public reads before the view, and stores the misses the view renders.

    Views opt in with a `cached_reads` mapping of action (or "get") to CachedRead. Their 200 answers carry an
    ETag, and a request whose If-None-Match holds it is answered 304. Requests that carry an Authorization
    header are not served from the cache (a bad token must still be answered 401), only given the ETag.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        entry = getattr(request, "read_cache_entry", None)
        if entry is None or response.status_code != 200 or response.streaming:
            return response
        key, lifetime = entry
        until = getattr(response, "read_cache_until", None)
        if until is not None:
            lifetime = min(lifetime, int((until - timezone.now()).total_seconds()))
        etag = quote_etag(hashlib.blake2b(response.content, digest_size=16).hexdigest())
        if key is not None and lifetime > 0:
            try:
                cache.set(key, (etag, response.content, response["Content-Type"]), lifetime)
            except CACHE_ERRORS as error:
                logger.warning("Read cache unavailable, answer not kept: %s", error)
        return _conditional(request, response, etag)

    def process_view(self, request, view_func, view_args, view_kwargs):
        read = _cached_read(request, view_func)
        if read is None:
            return None
        request.read_cache_entry = (None, 0)  # an ETag only, unless the cache can serve this read
        if "HTTP_AUTHORIZATION" in request.META:
            return None
        try:
            # The absolute URL: pagination links carry the host and scheme the client used.
            url_and_versions = f"{request.build_absolute_uri()}\n{versions(read.scopes(view_kwargs))}"
            key = ENTRY_KEY.format(digest=hashlib.blake2b(url_and_versions.encode(), digest_size=20).hexdigest())
            hit = cache.get(key)
        except CACHE_ERRORS as error:
            logger.warning("Read cache unavailable, answering from the database: %s", error)
            return None
        if hit is None:
            lifetime = read.lifetime(view_kwargs)
            request.read_cache_entry = (key, settings.READ_CACHE_SECONDS if lifetime is None
                                        else min(lifetime, settings.READ_CACHE_SECONDS))
            return None
        etag, content, content_type = hit
        return _conditional(request, HttpResponse(content, content_type=content_type), etag)


def _cached_read(request, view_func):
    if request.method not in ("GET", "HEAD"):
        return None
    reads = getattr(getattr(view_func, "cls", None), "cached_reads", None)
    if not reads:
        return None
    actions = getattr(view_func, "actions", None)
    return reads.get(actions.get("get") if actions else "get")


def _conditional(request, response, etag):
    """`response` with its ETag, or a 304 when the request's If-None-Match already holds that ETag."""
    known = parse_etags(request.headers.get("If-None-Match", ""))
    if "*" in known or etag.removeprefix("W/") in (tag.removeprefix("W/") for tag in known):
        response = HttpResponseNotModified()
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response
