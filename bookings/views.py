"""Book seats, list and read your bookings, cancel them."""
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import idempotency, selectors, services
from bookings.serializers import BookingRequestSerializer, BookingSerializer, MyBookingsQuerySerializer
from core.schema import VALIDATION_ERROR_SCHEMA, error_response
from core.throttling import BookingRateThrottle
from core.views import CreatedLocationMixin
from movies.models import Show

BOOK_BODY = openapi.Schema(
    title="BookingRequest",
    type=openapi.TYPE_OBJECT,
    description='Exactly one of `seat_number` or `seat_numbers`. A seat is a number (5), a string of digits ("5") '
                'or a label ("C7", any case). At most 10 distinct seats.',
    properties={
        "seat_number": openapi.Schema(type=openapi.TYPE_INTEGER, minimum=1, description="One seat"),
        "seat_numbers": openapi.Schema(
            type=openapi.TYPE_ARRAY, min_items=1, max_items=10,
            items=openapi.Schema(type=openapi.TYPE_STRING, description='A seat number or label: "5", "C7"'),
        ),
    },
    example={"seat_numbers": ["A1", "A2"]},
)
IDEMPOTENCY_KEY = openapi.Parameter(
    "Idempotency-Key", openapi.IN_HEADER, type=openapi.TYPE_STRING, required=False, min_length=1, max_length=255,
    pattern=r"^[\x21-\x7e]+$",
    description="Optional, 1-255 visible ASCII characters. A retry with the same key gets the first answer "
                "again (status and body) and never books twice; kept for 24 hours.",
)
SEAT_UNAVAILABLE = openapi.Response(
    "A requested seat is taken; nothing was booked",
    openapi.Schema(
        title="SeatUnavailable",
        type=openapi.TYPE_OBJECT,
        required=["detail", "code", "seats"],
        properties={
            "detail": openapi.Schema(type=openapi.TYPE_STRING),
            "code": openapi.Schema(type=openapi.TYPE_STRING, enum=["seat_unavailable"]),
            "seats": openapi.Schema(type=openapi.TYPE_ARRAY, items=openapi.Schema(type=openapi.TYPE_STRING),
                                    description="The taken seats, as labels"),
        },
    ),
)


class BookShowView(CreatedLocationMixin, APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [BookingRateThrottle]
    created_url_name = "booking-detail"

    @swagger_auto_schema(
        operation_id="shows_book",
        operation_summary="Book seats",
        operation_description="Book one or several seats of a show, all or nothing.",
        request_body=BOOK_BODY,
        manual_parameters=[IDEMPOTENCY_KEY],
        responses={201: BookingSerializer, 400: error_response("Invalid seats, or the show has started "
                                                               "(`code: show_started`)", VALIDATION_ERROR_SCHEMA),
                   409: SEAT_UNAVAILABLE},
    )
    def post(self, request, pk):
        key = idempotency.key_from(request)
        if key is None:
            return self.book(request, pk)
        return idempotency.answer_once(
            user=request.user, key=key, request_fingerprint=idempotency.fingerprint(pk, request.body),
            respond=lambda: self.answer(request, pk),
        )

    def answer(self, request, pk):
        """The booking's answer, with errors rendered as the API gives them, so that they can be recorded."""
        try:
            return self.book(request, pk)
        except Exception as error:  # noqa: BLE001 - handle_exception re-raises what it cannot answer
            return self.handle_exception(error)

    def book(self, request, pk):
        show = generics.get_object_or_404(Show.objects.select_related("screen"), pk=pk)
        seats = BookingRequestSerializer(data=request.data, context={"screen": show.screen})
        seats.is_valid(raise_exception=True)
        booking = services.book_seats(user=request.user, show_id=show.pk,
                                      seat_numbers=seats.validated_data["seat_numbers"])
        return Response(BookingSerializer(selectors.bookings_with_details().get(pk=booking.pk)).data,
                        status=status.HTTP_201_CREATED)


class MyBookingsView(generics.ListAPIView):
    """Your bookings, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = BookingSerializer
    filter_backends = []

    @swagger_auto_schema(operation_id="my_bookings", operation_summary="List my bookings",
                         query_serializer=MyBookingsQuerySerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = MyBookingsQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.user_bookings(user=self.request.user, **query.validated_data)


class BookingViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One booking: its owner (or staff) reads it; only its owner cancels it."""

    permission_classes = [IsAuthenticated]
    serializer_class = BookingSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.bookings_with_details().none()
        # Another user's booking does not exist for you: 404, as for an unknown id.
        return selectors.visible_bookings(user=self.request.user)

    @swagger_auto_schema(
        operation_summary="Cancel a booking",
        request_body=no_body,
        responses={200: BookingSerializer, 400: error_response("The show has started (`code: show_started`)"),
                   403: error_response("Staff may read another's booking but not cancel it")},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel your booking; its seats are free at once. Cancelling again answers the same booking."""
        booking = self.get_object()
        if booking.user_id != request.user.pk:
            raise PermissionDenied("Only the booking's owner can cancel it; staff cancel in the admin.")
        services.cancel_booking(booking=booking)
        return Response(BookingSerializer(self.get_queryset().get(pk=booking.pk)).data)
