"""Idempotency-Key for booking and holding: a retried request gets the first answer again and never books twice.

The key's row is inserted before the booking and filled with the answer in the same transaction, so
a booking and its recorded answer commit together or not at all. A concurrent retry with the same key
blocks on that row (PostgreSQL's unique index; SQLite's write lock) until the first attempt finishes,
then replays its answer. Answers that are 429 or 5xx are not recorded: the key stays free for a real retry.
Nor is a request whose body could not be read (415, a parse error): it is refused before the key is claimed, so
the corrected request is answered afresh.
"""
import hashlib
import json
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from bookings.models import IdempotencyKey

# Read from META: `request.headers` would build the dict of every header for this one on each booking.
HEADER_META_KEY = "HTTP_IDEMPOTENCY_KEY"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)


class InvalidIdempotencyKey(APIException):
    status_code = 400
    default_detail = "Idempotency-Key must be 1 to 255 visible ASCII characters."
    default_code = "invalid_idempotency_key"


class IdempotencyKeyReused(APIException):
    status_code = 422
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


def key_from(request):
    """The request's Idempotency-Key, None without the header; raises InvalidIdempotencyKey."""
    key = request.META.get(HEADER_META_KEY)
    if key is None:
        return None
    if not KEY_PATTERN.match(key):
        raise InvalidIdempotencyKey()
    return key


def fingerprint(operation, show_id, data):
    """Identifies a request: what it does (book, hold), the show, and its parsed body compared as JSON values
    (key order, spacing ignored)."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{operation}\n{show_id}\n{body}".encode()).hexdigest()


def answer_once(*, user, key, request_fingerprint, respond):
    """Return the recorded answer for (user, key), or call `respond()` and record what it answers."""
    with transaction.atomic():
        record, claimed = _claim(user, key, request_fingerprint)
        if not claimed:
            if record.request_fingerprint != request_fingerprint:
                raise IdempotencyKeyReused()
            return Response(json.loads(record.response_body), status=record.response_status,
                            headers={"Idempotent-Replayed": "true"})
        response = respond()
        if response.status_code == 429 or response.status_code >= 500:
            transaction.set_rollback(True)  # not an answer to keep: free the key (and undo any write)
            return response
        record.response_status = response.status_code
        record.response_body = json.dumps(response.data, cls=JSONEncoder)
        record.save(update_fields=["response_status", "response_body"])
        return response


def _claim(user, key, request_fingerprint):
    """(record, claimed): a new empty record this transaction now holds, or the key's committed one."""
    expired_before = timezone.now() - IDEMPOTENCY_KEY_TTL
    IdempotencyKey.objects.filter(user=user, created_at__lt=expired_before).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, request_fingerprint=request_fingerprint), True
    except IntegrityError:
        # Another attempt with this key committed first (we waited for it on the unique index).
        return IdempotencyKey.objects.get(user=user, key=key), False
