"""The floor under a booking: the least POST /api/shows/{id}/book/ can cost on this stack, to read the real
path's CPU against.

One view, `floor_book`, books one seat as the product does and decides the same way: the same JWT check
(signature, expiry, an active user, the token not revoked by a password change), a read of the seat before
the lock that refuses a taken one, then one transaction that locks the show's row (BEGIN IMMEDIATE on SQLite),
reads the seat again inside the lock, writes the booking, its ticket with a code and the mail task's row, and
bumps the show's read-cache version after commit. It does so in the fewest statements, written as SQL, with
no serializer and no DRF; only the mail task's row goes through the product's own writer (bookings.tasks, one
INSERT). Routed beside the product's URLs only in the bench's process (bench.cpu); never part of the product.
"""
import json

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from bookings import tasks, tickets
from core.cache import bump_after_commit
from movie_booking.urls import urlpatterns as product_urlpatterns

REFUSED = {"detail": "Given token not valid for any token type", "code": "token_not_valid"}
TAKEN = {"detail": "Some of the requested seats are already taken; nothing was booked.", "code": "seat_unavailable"}

# The seat's live ticket, if any: sold, or held with the hold alive (held_until null once sold).
LIVE_TICKET = ("SELECT 1 FROM bookings_ticket WHERE show_id = %s AND seat_number = %s AND is_active "
               "AND (held_until IS NULL OR held_until > %s)")


@csrf_exempt  # a bearer token, no cookie: as DRF's views are
def floor_book(request, show_id):
    user_id = authenticated_user_id(request)
    if user_id is None:
        return JsonResponse(REFUSED, status=401)
    seat = json.loads(request.body)["seat_number"]
    now = timezone.now()
    moment = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        # The show's price and default ticket type, whether it is still to come, and the seat's live ticket.
        cursor.execute(f"SELECT price, starts_at > %s, EXISTS({LIVE_TICKET}), "
                       "(SELECT id FROM movies_tickettype WHERE is_default) FROM movies_show WHERE id = %s",
                       [moment, show_id, seat, moment, show_id])
        price, to_come, taken, ticket_type_id = cursor.fetchone()
    if taken:
        return JsonResponse({**TAKEN, "seats": [seat]}, status=409)
    if not to_come:
        return JsonResponse({"detail": "This show has already started.", "code": "show_started"}, status=400)
    with transaction.atomic(), connection.cursor() as cursor:
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        cursor.execute(f"SELECT id FROM movies_show WHERE id = %s{lock}", [show_id])
        cursor.execute(LIVE_TICKET, [show_id, seat, moment])
        if cursor.fetchone():
            return JsonResponse({**TAKEN, "seats": [seat]}, status=409)
        cursor.execute("INSERT INTO bookings_booking (user_id, show_id, status, total_price, created_at, "
                       "confirmed_at) VALUES (%s, %s, 'CONFIRMED', %s, %s, %s) RETURNING id",
                       [user_id, show_id, price, moment, moment])
        (booking_id,) = cursor.fetchone()
        code = tickets.new_ticket_code()
        cursor.execute("INSERT INTO bookings_ticket (booking_id, show_id, seat_number, is_active, category, price, "
                       "ticket_type_id, code) VALUES (%s, %s, %s, %s, 'standard', %s, %s, %s)",
                       [booking_id, show_id, seat, True, price, ticket_type_id, code])
        tasks.queue_confirmation_mail(booking_id)  # the product's own: one INSERT of the task's row
        bump_after_commit("seats", f"show:{show_id}")
    return JsonResponse({"id": booking_id, "status": "CONFIRMED", "seats": [{"number": seat, "ticket_code": code}]},
                        status=201)


def authenticated_user_id(request):
    """The id of the active user whose valid, unrevoked access token the request carries; None otherwise."""
    header = request.headers.get("Authorization", "").split()
    if len(header) != 2 or header[0] != "Bearer":
        return None
    try:
        token = AccessToken(header[1])
    except TokenError:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_active, password FROM users_user WHERE id = %s", [token[jwt_settings.USER_ID_CLAIM]])
        user = cursor.fetchone()
    if user is None or not user[0]:
        return None
    if settings.SIMPLE_JWT.get("CHECK_REVOKE_TOKEN") and (
            token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user[1])):
        return None
    return token[jwt_settings.USER_ID_CLAIM]


urlpatterns = [path("floor/shows/<int:show_id>/book/", floor_book), *product_urlpatterns]
