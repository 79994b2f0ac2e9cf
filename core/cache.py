"""Cached public reads that are never stale: rendered answers kept under versioned keys in the shared cache.

A read names the version scopes its answer depends on (e.g. "catalogue", "seats", "show:7"); every write that
changes such an answer bumps those versions after it commits (`bump_after_commit`), so the next read on any
server builds a key nobody has used and misses. Versions start from the clock, not from 1, so a version lost
from the cache never comes back to a number that old entries were stored under. The middleware answers hits
(and a matching If-None-Match, with 304) before the view runs; misses run the view and store what it rendered.
An entry's key holds only the query parameters its view reads, in a fixed order, and the view sees only those:
junk parameters share the clean request's entry and answer.

Every use of the shared cache here and in the throttles goes through one breaker per process
(`using_shared_cache`): after the cache fails, it is left alone for CACHE_RETRY_SECONDS, reads are answered
from the database and throttles count in the process, so a hung Redis costs one request a timeout, not each.
"""
import hashlib
import logging
import sqlite3
import threading
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from django.utils import timezone
from django.utils.http import parse_etags, quote_etag
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)

# What a shared cache that does not answer raises (Redis, or the one-machine SQLite file).
CACHE_ERRORS = (redis.RedisError, sqlite3.Error, OSError)
VERSION_KEY = "read-version:{scope}"
ENTRY_KEY = "read:{digest}"
HEALTH_KEY = "health"
# Clients (and any shared cache on the way) must ask again every time; they may keep the body and revalidate.
CACHE_CONTROL = "no-cache"


class SharedCacheBreaker:
    """Whether this process should use the shared cache now: not for CACHE_RETRY_SECONDS after it failed; then
    one request tries it again (the others keep leaving it alone until that one has its answer)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._retry_at = None  # None: closed, the cache answered last time

    def allows(self):
        if self._retry_at is None:
            return True
        with self._lock:
            if self._retry_at is None or time.monotonic() < self._retry_at:
                return self._retry_at is None
            self._retry_at = time.monotonic() + settings.CACHE_RETRY_SECONDS  # this request tries it
            return True

    def succeeded(self):
        if self._retry_at is not None:
            with self._lock:
                if self._retry_at is not None:
                    self._retry_at = None
                    logger.warning("The shared cache answers again.")

    def failed(self, error):
        with self._lock:
            opened = self._retry_at is None
            self._retry_at = time.monotonic() + settings.CACHE_RETRY_SECONDS
        if opened:
            logger.warning("The shared cache failed (%s): left alone for %s s, reads come from the database and "
                           "throttles count in this process.", error, settings.CACHE_RETRY_SECONDS)

    def reset(self):
        with self._lock:
            self._retry_at = None


shared_cache_breaker = SharedCacheBreaker()


def using_shared_cache(operation, fallback):
    """`operation()`, or `fallback()` when the shared cache fails in it or failed less than CACHE_RETRY_SECONDS
    ago (`operation` is then not tried)."""
    if not shared_cache_breaker.allows():
        return fallback()
    try:
        result = operation()
    except CACHE_ERRORS as error:
        shared_cache_breaker.failed(error)
        return fallback()
    shared_cache_breaker.succeeded()
    return result


def shared_cache_answers():
    """Whether the shared cache answers (for health): one read, unless the breaker says it failed just now."""
    def probe():
        cache.get(HEALTH_KEY)
        return True

    return using_shared_cache(probe, fallback=lambda: False)


class CachedRead:
    """How the public GETs of one view action are cached.

    `scopes(kwargs)` lists the version scopes the answer depends on; `lifetime(kwargs)` bounds how long it may
    be kept in seconds (e.g. until the earliest live hold on the seat map expires; None: READ_CACHE_SECONDS).
    `query` names every query parameter the view reads (its filters, the page); DRF's `format` is added. The
    others are dropped before the view runs, so they neither make an entry of their own nor show in its links.
    """

    def __init__(self, scopes, lifetime=None, query=()):
        self.scopes = scopes
        self.lifetime = lifetime or (lambda kwargs: None)
        self.query = sorted({*query, api_settings.URL_FORMAT_OVERRIDE} - {None})

    def canonical_query(self, query_dict):
        """The parameters the view reads, in a fixed order, each with the value the view sees (the last one)."""
        canonical = QueryDict(mutable=True)
        for name in self.query:
            if name in query_dict:
                canonical[name] = query_dict[name]
        canonical._mutable = False
        return canonical


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


def bump(*scopes):
    """Give each scope a version no cached answer was stored under.

    The write this follows has committed, so a cache that does not answer must not turn it into an error: the
    scopes are kept in the process and bumped, with any others kept so, the next time the cache answers it
    (a read or a write here). Until then another server may serve answers cached before; they expire after
    READ_CACHE_SECONDS at most.
    """
    with _lost_bumps_lock:
        pending = {*scopes, *_lost_bumps}
        _lost_bumps.clear()
    if not pending:
        return

    def bump_all():
        for scope in sorted(pending):
            key = VERSION_KEY.format(scope=scope)
            try:
                cache.incr(key)
            except ValueError:  # not in the cache (never read, or evicted): any fresh start will do
                cache.add(key, time.time_ns())
        return True

    if not using_shared_cache(bump_all, fallback=lambda: False):
        with _lost_bumps_lock:
            _lost_bumps.update(pending)
        if scopes:  # a replay (every read while the cache is down tries one) was logged when its bump was lost
            logger.error("Could not bump the read cache's versions %s; bumped when the cache answers again.",
                         sorted(scopes))


# Scopes whose bump the shared cache did not take (it was down): bumped by this process's next cache use.
_lost_bumps = set()
_lost_bumps_lock = threading.Lock()


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
            using_shared_cache(lambda: cache.set(key, (etag, response.content, response["Content-Type"]), lifetime),
                               fallback=lambda: None)
        return _conditional(request, response, etag)

    def process_view(self, request, view_func, view_args, view_kwargs):
        read = _cached_read(request, view_func)
        if read is None:
            return None
        request.read_cache_entry = (None, 0)  # an ETag only, unless the cache can serve this read
        request.GET = read.canonical_query(request.GET)
        request.META["QUERY_STRING"] = request.GET.urlencode()
        if "HTTP_AUTHORIZATION" in request.META:
            return None

        if _lost_bumps:
            bump()

        def look_up():
            # The absolute URL: pagination links carry the host and scheme the client used.
            url_and_versions = f"{request.build_absolute_uri()}\n{versions(read.scopes(view_kwargs))}"
            key = ENTRY_KEY.format(digest=hashlib.blake2b(url_and_versions.encode(), digest_size=20).hexdigest())
            return key, cache.get(key)

        key, hit = using_shared_cache(look_up, fallback=lambda: (None, None))
        if key is None:  # the cache is unavailable: answered from the database, not kept
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
