"""BookingSerializer writes its answer out by hand; it must be exactly what its declared fields render."""
from datetime import timedelta
from decimal import Decimal

import hypothesis
import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from bookings import selectors, services
from bookings.models import Booking, Payment, Refund, Voucher
from bookings.serializers import (
    BookingRequestSerializer,
    BookingSerializer,
    plain_seat_numbers,
    plain_seat_request,
)
from movies.models import Screen
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def read_as(user):
    request = APIRequestFactory().get("/")
    request.user = user
    return {"request": request}


def test_written_out_as_the_declared_fields_render_it(settings):
    owner, staff = UserFactory(), UserFactory(is_staff=True)
    show = ShowFactory(screen=ScreenFactory(rows=2, seats_per_row=5, layout=["ppsss", "aasss"]))
    confirmed = services.book_seats(user=owner, show=show, seat_numbers=[1, 3, 6])
    held = services.hold_seats(user=owner, show=show, seat_numbers=[4])
    dead = services.hold_seats(user=owner, show=show, seat_numbers=[5])
    Booking.objects.filter(pk=dead.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    cancelled = services.cancel_booking(booking=services.book_seats(user=owner, show=show, seat_numbers=[7]))

    bookings = selectors.bookings_with_details().filter(pk__in=[confirmed.pk, held.pk, dead.pk, cancelled.pk])
    assert {booking.current_status for booking in bookings} == set(Booking.Status.values)
    for booking in bookings:
        for reader in (owner, staff):
            serializer = BookingSerializer(booking, context=read_as(reader))
            declared = serializers.ModelSerializer.to_representation(serializer, booking)
            assert list(serializer.data.items()) == list(declared.items())


@pytest.mark.parametrize("provider", ["none", "stripe"])
def test_one_booking_read_in_plain_sql_answers_what_the_orm_read_answers(settings, django_assert_max_num_queries,
                                                                          provider):
    owner = UserFactory()
    show = ShowFactory(screen=ScreenFactory(rows=2, seats_per_row=5, layout=["ppsss", "aas_s"]))
    Voucher.objects.create(code="TENOFF", discount_percent=Decimal("10"))
    with_voucher = services.book_seats(user=owner, show=show, seat_numbers=[1, 6, 7], voucher="tenoff")
    held = services.hold_seats(user=owner, show=show, seat_numbers=[3])
    cancelled = services.cancel_booking(booking=services.book_seats(user=owner, show=show, seat_numbers=[4]))
    paid = Payment.objects.create(booking=with_voucher, provider="box_office", amount_cents=1000, currency="EUR",
                                  status="paid", paid_at=timezone.now())
    Refund.objects.create(payment=paid, amount_cents=250, reason="goodwill", status="succeeded")
    settings.PAYMENT_PROVIDER = provider  # read with payments online or not; the bookings were made without

    for booking in (with_voucher, held, cancelled):
        with django_assert_max_num_queries(2 if provider == "none" else 4):
            plain = selectors.booking_with_details(booking.pk)
        from_orm = selectors.bookings_with_details().get(pk=booking.pk)
        for reader in (owner, UserFactory(is_staff=True)):
            assert BookingSerializer(plain, context=read_as(reader)).data == BookingSerializer(
                from_orm, context=read_as(reader)).data
    assert selectors.booking_with_details(10**20) is None


# Bodies near the commonest ones: seats in and out of the screen, gaps, repeats, bools, strings, stray keys.
SEAT_VALUES = st.one_of(st.integers(-3, 14), st.booleans(), st.sampled_from(["5", "A1", "B9", "", "x"]),
                        st.integers(10**18, 10**20), st.none())
SEAT_BODIES = st.one_of(
    st.fixed_dictionaries({"seat_number": SEAT_VALUES}),
    st.fixed_dictionaries({"seat_numbers": st.lists(SEAT_VALUES, max_size=12)}),
    st.fixed_dictionaries({"seat_numbers": SEAT_VALUES}),
    st.dictionaries(st.sampled_from(["seat_number", "seat_numbers", "voucher", "count", "tickets"]),
                    SEAT_VALUES, max_size=3),
    st.lists(st.integers(1, 5)),
)


@hypothesis.settings(max_examples=400, deadline=None)
@given(body=SEAT_BODIES)
def test_the_plain_seat_request_is_what_the_serializer_makes_of_it_or_left_to_it(body):
    screen = Screen(rows=2, seats_per_row=6, layout=["ss_sss", "pp_xss"])  # gaps at 3 and 9, seat 10 blocked

    plain = plain_seat_request(plain_seat_numbers(body), screen)

    if plain is not None:
        validated = BookingRequestSerializer(data=body, context={"screen": screen})
        assert validated.is_valid(), validated.errors
        assert plain == validated.validated_data


def test_the_plain_seat_request_takes_the_commonest_bodies():
    screen = Screen(rows=2, seats_per_row=6, layout=["ss_sss", "pp_xss"])

    assert plain_seat_request(plain_seat_numbers({"seat_number": 4}), screen) == {
        "seat_numbers": [4], "ticket_types": {}, "voucher": None}
    assert plain_seat_request(plain_seat_numbers({"seat_numbers": [7, 1]}), screen)["seat_numbers"] == [7, 1]
    for left_to_the_serializer in ({"seat_number": 3}, {"seat_number": "4"}, {"seat_numbers": [1, 1]},
                                   {"seat_number": True}, {"seat_number": 4, "voucher": "SUMMER10"}):
        assert plain_seat_request(plain_seat_numbers(left_to_the_serializer), screen) is None
