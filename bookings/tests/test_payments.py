"""Payments and refunds (API.md, "Payments and refunds") through real HTTP, against localstripe: a Stripe-compatible
server on loopback that the `stripe` library talks to as it would to Stripe. What localstripe cannot show
(idempotency keys, refund events, replays) is pinned with events these tests sign themselves."""
import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from bookings.models import Booking, Payment, ProviderEvent, Refund, Ticket
from bookings.payments import refunds
from bookings.payments.exceptions import PaymentProviderUnavailable
from bookings.tests.fake_stripe import STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, free_port, pay_as_buyer
from bookings.tests.test_races import run_at_once
from conftest import bearer_client
from movies.tests.factories import ScreenFactory, ShowFactory
from users.tests.factories import UserFactory

# Refunds, cancels at Stripe and mails run after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
SECRET_KEY = STRIPE_SECRET_KEY


@pytest.fixture
def show(db):
    return ShowFactory(screen=ScreenFactory(rows=2, seats_per_row=5), price=Decimal("9.50"))


@pytest.fixture
def stripe_client(online):
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": online.url})


def hold(client, show, seats):
    response = client.post(f"/api/shows/{show.id}/hold/", {"seat_numbers": seats}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def pay(client, booking):
    return client.post(f"/api/bookings/{booking['id']}/pay/")


def confirm(client, booking):
    return client.post(f"/api/bookings/{booking['id']}/confirm/")


def paid_hold(client, show, seats, online):
    """A hold whose payment went through at Stripe (the buyer's app paid it), not yet confirmed here."""
    booking = hold(client, show, seats)
    intent = pay(client, booking).json()["payment_intent"]
    pay_as_buyer(online.url, SECRET_KEY, intent)
    return booking, intent


def signed(event):
    """A webhook request body and the Stripe-Signature header Stripe would send with it."""
    payload = json.dumps(event)
    return payload, stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)


def intent_event(intent, event_id="evt_1", event_type="payment_intent.succeeded"):
    return {"id": event_id, "object": "event", "type": event_type,
            "data": {"object": {"id": intent, "object": "payment_intent"}}}


def deliver(client, payload, signature):
    return client.post("/api/payments/stripe/webhook/", payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=signature)


class TestWithoutPayments:
    def test_bookings_and_shows_carry_the_currency_and_no_payment(self, user_client, show):
        booked = user_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json").json()

        assert (booked["status"], booked["currency"], booked["payment"]) == ("CONFIRMED", "EUR", None)
        assert user_client.get(f"/api/shows/{show.id}/").json()["currency"] == "EUR"

    def test_pay_and_the_webhook_answer_that_payments_are_off(self, user_client, api_client, show):
        booking = hold(user_client, show, [1])

        assert pay(user_client, booking).json()["code"] == "payments_disabled"
        assert deliver(api_client, *signed(intent_event("pi_x"))).status_code == 409
        assert not Payment.objects.exists()


class TestBookAndPay:
    def test_a_buyer_cannot_book_priced_seats_without_paying(self, online, user_client, show):
        response = user_client.post(f"/api/shows/{show.id}/book/", {"seat_numbers": [1, 2]}, format="json")

        assert response.status_code == 402
        assert response.json()["code"] == "payment_required"
        assert not Booking.objects.exists()
        assert not Ticket.objects.exists()

    def test_staff_sell_at_the_box_office(self, online, staff_client, show):
        response = staff_client.post(f"/api/shows/{show.id}/book/", {"seat_numbers": [1, 2]}, format="json")

        assert response.status_code == 201
        assert response.json()["status"] == "CONFIRMED"
        assert response.json()["payment"] == {"provider": "box_office", "status": "paid", "amount": "19.00",
                                              "amount_refunded": "0.00", "currency": "EUR"}

    def test_a_free_show_is_booked_without_a_payment(self, online, user_client):
        free = ShowFactory(price=Decimal("0"))

        response = user_client.post(f"/api/shows/{free.id}/book/", {"seat_number": 3}, format="json")

        assert (response.status_code, response.json()["payment"]) == (201, None)

    def test_hold_pay_confirm(self, online, user, user_client, show, stripe_client):
        booking = hold(user_client, show, [1, 2])

        answer = pay(user_client, booking)
        again = pay(user_client, booking)
        too_early = confirm(user_client, booking)
        pay_as_buyer(online.url, SECRET_KEY, answer.json()["payment_intent"])
        confirmed = confirm(user_client, booking)

        assert answer.status_code == 200
        body = answer.json()
        assert body["provider"] == "stripe"
        assert body["publishable_key"] == "pk_test_movie_booking"
        assert (body["amount"], body["currency"]) == ("19.00", "EUR")
        assert body["client_secret"]
        assert again.json()["payment_intent"] == body["payment_intent"]  # one payable PaymentIntent per booking
        intent = stripe_client.v1.payment_intents.retrieve(body["payment_intent"])
        assert (intent.amount, intent.currency, intent.metadata["booking"]) == (1900, "eur", str(booking["id"]))
        assert too_early.status_code == 409
        assert too_early.json()["code"] == "payment_incomplete"
        assert confirmed.status_code == 200
        assert confirmed.json()["status"] == "CONFIRMED"
        assert all(seat["ticket_code"] for seat in confirmed.json()["seats"])
        assert confirmed.json()["payment"]["status"] == "paid"
        assert "Paid: 19.00 EUR" in mail.outbox[-1].body
        assert confirm(user_client, booking).json() == confirmed.json()

    def test_after_a_declined_card_the_buyer_pays_again_with_a_new_payment(self, online, user_client, show):
        booking = hold(user_client, show, [1])
        first = pay(user_client, booking).json()["payment_intent"]
        with pytest.raises(stripe.CardError):
            pay_as_buyer(online.url, SECRET_KEY, first, payment_method="pm_card_chargeCustomerFail")

        declined = confirm(user_client, booking)
        failed = user_client.get(f"/api/bookings/{booking['id']}/").json()["payment"]
        second = pay(user_client, booking).json()["payment_intent"]
        pay_as_buyer(online.url, SECRET_KEY, second)

        assert declined.json()["code"] == "payment_incomplete"
        assert failed["status"] == "failed"
        assert second != first
        assert confirm(user_client, booking).json()["status"] == "CONFIRMED"

    @pytest.mark.parametrize(("state", "code"), [("expired", "hold_expired"), ("cancelled", "booking_cancelled"),
                                                 ("confirmed", "already_paid")])
    def test_pay_is_refused_for_what_cannot_be_paid(self, online, user, user_client, show, state, code):
        booking = hold(user_client, show, [1])
        if state == "expired":
            Booking.objects.filter(pk=booking["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
        elif state == "cancelled":
            user_client.post(f"/api/bookings/{booking['id']}/cancel/")
        else:
            pay_as_buyer(online.url, SECRET_KEY, pay(user_client, booking).json()["payment_intent"])
            confirm(user_client, booking)

        response = pay(user_client, booking)

        assert (response.status_code, response.json()["code"]) == (409, code)

    def test_a_hold_that_costs_nothing_has_nothing_to_pay_and_confirms_at_once(self, online, user_client):
        free = ShowFactory(price=Decimal("0"))
        booking = hold(user_client, free, [1])

        assert pay(user_client, booking).json()["code"] == "nothing_to_pay"
        assert confirm(user_client, booking).json()["status"] == "CONFIRMED"

    def test_stripe_down_is_a_503_and_nothing_is_confirmed(self, online, user_client, show):
        booking = hold(user_client, show, [1])

        with online.down():
            response = pay(user_client, booking)

        assert response.status_code == 503
        assert response.json()["code"] == "unavailable"
        assert pay(user_client, booking).status_code == 200  # the same payment, once Stripe answers again


class TestLatePayments:
    def test_a_payment_after_the_hold_expired_takes_the_seats_again_when_they_are_free(self, online, user_client,
                                                                                      show):
        booking, _ = paid_hold(user_client, show, [1, 2], online)
        Booking.objects.filter(pk=booking["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

        response = confirm(user_client, booking)

        assert response.json()["status"] == "CONFIRMED"
        assert sorted(Ticket.objects.filter(show=show, is_active=True).values_list("seat_number", flat=True)) == [1, 2]

    def test_a_payment_after_the_seats_were_sold_is_refunded_in_full(self, online, user_client, show, stripe_client):
        booking, intent = paid_hold(user_client, show, [1, 2], online)
        Booking.objects.filter(pk=booking["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
        Ticket.objects.filter(booking_id=booking["id"]).update(held_until=timezone.now() - timedelta(seconds=1))
        hold(bearer_client(UserFactory()), show, [2])

        response = confirm(user_client, booking)
        after = user_client.get(f"/api/bookings/{booking['id']}/").json()

        assert (response.status_code, response.json()["code"]) == (409, "hold_expired")
        assert after["status"] == "EXPIRED"
        assert after["payment"]["status"] == "refunded"
        assert after["payment"]["amount_refunded"] == "19.00"
        refunds = stripe_client.v1.refunds.list({"payment_intent": intent}).data
        assert [refund.amount for refund in refunds] == [1900]
        assert "Paid too late, refunded" in mail.outbox[-1].subject


    def test_a_late_payment_that_would_pass_the_buyer_limit_is_refunded_in_full(self, online, user_client, show,
                                                                                 settings, stripe_client):
        settings.MAX_SEATS_PER_BUYER = 4
        booking, intent = paid_hold(user_client, show, [1, 2], online)
        Booking.objects.filter(pk=booking["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
        Ticket.objects.filter(booking_id=booking["id"]).update(held_until=timezone.now() - timedelta(seconds=1))
        hold(user_client, show, [5, 6, 7])  # the hold is dead: the buyer holds three others meanwhile

        response = confirm(user_client, booking)

        assert (response.status_code, response.json()["code"]) == (409, "hold_expired")
        assert user_client.get(f"/api/bookings/{booking['id']}/").json()["payment"]["status"] == "refunded"
        assert [refund.amount for refund in stripe_client.v1.refunds.list({"payment_intent": intent}).data] == [1900]
        assert sorted(Ticket.objects.filter(show=show, is_active=True).values_list("seat_number", flat=True)) == [
            5, 6, 7]

    def test_a_payment_that_won_the_race_against_the_hold_s_cancel_confirms_it_when_its_seats_are_free(
            self, online, user_client, show, api_client):
        booking = hold(user_client, show, [4])
        intent = pay(user_client, booking).json()["payment_intent"]
        pay_as_buyer(online.url, SECRET_KEY, intent)  # paid at Stripe while the cancel was on its way

        cancelled = user_client.post(f"/api/bookings/{booking['id']}/cancel/").json()
        deliver(api_client, *signed(intent_event(intent)))

        assert cancelled["status"] == "CANCELLED"
        after = user_client.get(f"/api/bookings/{booking['id']}/").json()
        assert (after["status"], after["cancelled_at"], after["payment"]["status"]) == ("CONFIRMED", None, "paid")
        assert not Refund.objects.exists()


class TestWebhook:
    def test_stripe_confirms_the_hold_without_the_app_coming_back(self, online, live_server, user_client, show):
        with online.webhook(f"{live_server.url}/api/payments/stripe/webhook/", WEBHOOK_SECRET):
            booking, _ = paid_hold(user_client, show, [3], online)
            deadline = time.monotonic() + 15
            while Booking.objects.get(pk=booking["id"]).status != Booking.Status.CONFIRMED:
                assert time.monotonic() < deadline, "localstripe's webhook never confirmed the hold"
                time.sleep(0.1)

        assert ProviderEvent.objects.filter(type="payment_intent.succeeded").count() == 1
        assert user_client.get(f"/api/bookings/{booking['id']}/").json()["payment"]["status"] == "paid"

    @pytest.mark.parametrize("signature", ["", "t=1,v1=deadbeef", "garbage"])
    def test_a_missing_or_wrong_signature_is_400_and_changes_nothing(self, online, api_client, user_client, show,
                                                                      signature):
        booking, intent = paid_hold(user_client, show, [1], online)
        payload, _ = signed(intent_event(intent))

        response = deliver(api_client, payload, signature)

        assert (response.status_code, response.json()["code"]) == (400, "bad_signature")
        assert Booking.objects.get(pk=booking["id"]).status == Booking.Status.HELD
        assert not ProviderEvent.objects.exists()

    def test_a_stale_signature_is_refused(self, online, api_client, user_client, show):
        _, intent = paid_hold(user_client, show, [1], online)
        payload = json.dumps(intent_event(intent))
        stale = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET,
                                                                  timestamp=int(time.time()) - 301)

        assert deliver(api_client, payload, stale).json()["code"] == "bad_signature"

    def test_a_signed_event_for_a_payment_that_did_not_happen_confirms_nothing(self, online, api_client,
                                                                              user_client, show):
        booking = hold(user_client, show, [1])
        intent = pay(user_client, booking).json()["payment_intent"]

        response = deliver(api_client, *signed(intent_event(intent)))

        assert response.json() == {"received": True}
        assert Booking.objects.get(pk=booking["id"]).status == Booking.Status.HELD

    @pytest.mark.parametrize("event_type", ["payment_intent.succeeded", "refund.updated"])
    def test_a_signed_event_for_an_object_stripe_does_not_have_changes_nothing(self, online, api_client,
                                                                              event_type):
        event = {"id": "evt_ghost", "type": event_type, "data": {"object": {"id": "pi_or_re_nobody"}}}

        assert deliver(api_client, *signed(event)).json() == {"received": True}
        assert not ProviderEvent.objects.exists()

    def test_stripe_down_while_confirming_or_handling_an_event_is_a_503_and_changes_nothing(
            self, online, settings, api_client, user_client, show):
        booking, intent = paid_hold(user_client, show, [1], online)
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there

        confirming = confirm(user_client, booking)
        delivering = deliver(api_client, *signed(intent_event(intent)))

        assert [confirming.status_code, delivering.status_code] == [503, 503]  # Stripe delivers the event again
        assert confirming.json()["code"] == "unavailable"
        assert Booking.objects.get(pk=booking["id"]).status == Booking.Status.HELD
        assert not ProviderEvent.objects.exists()

    def test_the_database_down_while_handling_an_event_is_a_503(self, online, api_client, user_client, show,
                                                              monkeypatch):
        from django.db import OperationalError

        _, intent = paid_hold(user_client, show, [1], online)

        def database_down(*args, **kwargs):
            raise OperationalError("the database does not answer")

        monkeypatch.setattr(ProviderEvent.objects, "filter", database_down)
        response = deliver(api_client, *signed(intent_event(intent)))

        assert (response.status_code, response.json()["code"]) == (503, "unavailable")

    def test_a_signed_body_that_is_not_json_is_refused(self, online, api_client):
        payload = "not json at all"
        signature = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)

        response = deliver(api_client, payload, signature)

        assert (response.status_code, response.json()["code"]) == (400, "bad_signature")

    def test_events_it_does_not_use_are_answered_200(self, online, api_client):
        event = {"id": "evt_other", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}

        assert deliver(api_client, *signed(event)).status_code == 200

    def test_twenty_copies_of_one_event_at_once_confirm_once(self, online, user_client, show):
        booking, intent = paid_hold(user_client, show, [1, 2], online)
        payload, signature = signed(intent_event(intent, event_id="evt_many"))
        answers = []

        def deliver_a_copy():
            try:
                answers.append(deliver(APIClient(), payload, signature).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=deliver_a_copy) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert answers == [200] * 20
        assert Booking.objects.get(pk=booking["id"]).status == Booking.Status.CONFIRMED
        assert ProviderEvent.objects.count() == 1
        assert Payment.objects.get().status == Payment.Status.PAID
        confirmations = [message for message in mail.outbox if message.subject.startswith("Your tickets")]
        assert len(confirmations) == 1

    def test_confirm_then_the_webhook_confirms_once(self, online, api_client, user_client, show):
        booking, intent = paid_hold(user_client, show, [1], online)
        codes = [seat["ticket_code"] for seat in confirm(user_client, booking).json()["seats"]]

        deliver(api_client, *signed(intent_event(intent)))
        deliver(api_client, *signed(intent_event(intent, event_id="evt_2", event_type="payment_intent.payment_failed")))

        assert [seat["ticket_code"] for seat in user_client.get(
            f"/api/bookings/{booking['id']}/").json()["seats"]] == codes
        assert len([message for message in mail.outbox if message.subject.startswith("Your tickets")]) == 1

    def test_a_refund_event_settles_the_refund_as_stripe_says(self, online, api_client, user_client, show,
                                                              stripe_client):
        booking, intent = paid_hold(user_client, show, [1], online)
        confirm(user_client, booking)
        user_client.post(f"/api/bookings/{booking['id']}/cancel/")
        refund = Refund.objects.get()
        Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.SENT, settled_at=None)
        event = {"id": "evt_refund", "type": "refund.updated", "data": {"object": {"id": refund.provider_id}}}

        deliver(api_client, *signed(event))

        assert Refund.objects.get().status == Refund.Status.SUCCEEDED


class TestCancelAndRefund:
    @pytest.mark.parametrize(("fee_percent", "seats", "refunded"), [(0, [1, 2], "19.00"), (10, [1, 2], "17.10"),
                                                                   (15, [1], "8.07"), (100, [1], "0.00")])
    def test_cancelling_a_paid_booking_refunds_it_less_the_fee(self, online, settings, user_client, show,
                                                               stripe_client, fee_percent, seats, refunded):
        settings.CANCELLATION_FEE_PERCENT = fee_percent  # 15 % of 9.50 is 1.425: the fee rounds half-up to 1.43
        booking, intent = paid_hold(user_client, show, seats, online)
        confirm(user_client, booking)

        cancelled = user_client.post(f"/api/bookings/{booking['id']}/cancel/").json()
        again = user_client.post(f"/api/bookings/{booking['id']}/cancel/").json()

        assert cancelled["status"] == "CANCELLED"
        assert cancelled["payment"]["amount_refunded"] == refunded
        assert cancelled["payment"]["status"] == ("paid" if refunded == "0.00" else
                                                  "refunded" if fee_percent == 0 else "partially_refunded")
        assert again == cancelled
        sent = [refund.amount for refund in stripe_client.v1.refunds.list({"payment_intent": intent}).data]
        assert sent == ([] if refunded == "0.00" else [int(Decimal(refunded) * 100)])
        if refunded != "0.00":
            assert f"We are refunding {refunded} EUR" in mail.outbox[-1].body

    def test_cancelling_closes_before_the_show(self, online, settings, staff_client):
        settings.CANCEL_UNTIL_MINUTES = 60
        soon = ShowFactory(starts_at=timezone.now() + timedelta(minutes=30))
        booking = staff_client.post(f"/api/shows/{soon.id}/book/", {"seat_number": 1}, format="json").json()

        response = staff_client.post(f"/api/bookings/{booking['id']}/cancel/")

        assert (response.status_code, response.json()["code"]) == (400, "cancellation_closed")
        assert Booking.objects.get().status == Booking.Status.CONFIRMED

    def test_a_refund_while_stripe_is_unreachable_is_sent_by_reconcile(self, online, settings, user_client, show,
                                                                      stripe_client):
        booking, intent = paid_hold(user_client, show, [1], online)
        confirm(user_client, booking)
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        cancelled = user_client.post(f"/api/bookings/{booking['id']}/cancel/").json()
        settings.STRIPE_API_BASE = online.url

        call_command("reconcile_payments", "--older-than-minutes", "0")
        call_command("reconcile_payments", "--older-than-minutes", "0")

        assert cancelled["payment"]["status"] == "refunding"
        assert Refund.objects.get().status == Refund.Status.SUCCEEDED
        assert [refund.amount for refund in stripe_client.v1.refunds.list({"payment_intent": intent}).data] == [950]

    def test_cancelling_a_hold_while_paying_cancels_its_payment_at_stripe(self, online, user_client, show,
                                                                          stripe_client):
        booking = hold(user_client, show, [1])
        intent = pay(user_client, booking).json()["payment_intent"]

        user_client.post(f"/api/bookings/{booking['id']}/cancel/")

        assert stripe_client.v1.payment_intents.retrieve(intent).status == "canceled"
        assert Payment.objects.get().status == Payment.Status.CANCELED


class TestOneSenderAtATime:
    """localstripe keeps no idempotency keys: a refund it is asked for twice it makes twice, so these show that
    our senders (the task, reconcile_payments) never ask twice, whatever the provider does with keys."""

    @pytest.fixture
    def pending_refund(self, online, user_client, show):
        booking, intent = paid_hold(user_client, show, [1, 2], online)
        confirm(user_client, booking)
        # The outbox row, as a cancel writes it, not yet sent.
        return Refund.objects.create(payment=Payment.objects.get(), amount_cents=1900,
                                     reason=Refund.Reason.CANCELLATION), intent

    def test_senders_at_once_refund_once(self, pending_refund, stripe_client):
        refund, intent = pending_refund

        run_at_once(8, lambda i: refunds.send(refund.pk))

        assert [sent.amount for sent in stripe_client.v1.refunds.list({"payment_intent": intent}).data] == [1900]
        refund.refresh_from_db()
        assert (refund.status, refund.attempts, refund.sending_until) == (Refund.Status.SUCCEEDED, 1, None)

    def test_a_refund_in_another_senders_hands_is_left_alone_until_that_send_is_over(self, pending_refund,
                                                                                     stripe_client):
        refund, intent = pending_refund
        Refund.objects.filter(pk=refund.pk).update(sending_until=timezone.now() + timedelta(seconds=30))

        refunds.send(refund.pk)
        left_alone = stripe_client.v1.refunds.list({"payment_intent": intent}).data
        Refund.objects.filter(pk=refund.pk).update(sending_until=timezone.now() - timedelta(seconds=1))
        refunds.send(refund.pk)  # that sender died mid-send: the refund is sent again, with the same key

        assert left_alone == []
        assert [sent.amount for sent in stripe_client.v1.refunds.list({"payment_intent": intent}).data] == [1900]
        assert Refund.objects.get(pk=refund.pk).status == Refund.Status.SUCCEEDED

    def test_a_send_stripe_does_not_answer_frees_the_refund_for_the_next_try(self, pending_refund, settings):
        refund, _ = pending_refund
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there

        with pytest.raises(PaymentProviderUnavailable):
            refunds.send(refund.pk)

        refund.refresh_from_db()
        assert (refund.status, refund.attempts, refund.sending_until) == (Refund.Status.PENDING, 1, None)


class TestStaffRefund:
    @pytest.fixture
    def refunder(self, db):
        from django.contrib.auth.models import Permission

        staff = UserFactory(is_staff=True)
        staff.user_permissions.add(Permission.objects.get(codename="refund_booking"))
        return bearer_client(staff)

    def test_a_goodwill_refund_in_parts_up_to_what_was_paid(self, online, refunder, user_client, show):
        booking, _ = paid_hold(user_client, show, [1, 2], online)
        confirm(user_client, booking)
        path = f"/api/bookings/{booking['id']}/refund/"

        part = refunder.post(path, {"amount": "5.00"}, format="json")
        too_much = refunder.post(path, {"amount": "14.01"}, format="json")
        rest = refunder.post(path, {}, format="json")
        nothing_left = refunder.post(path, {}, format="json")

        assert part.json()["status"] == "CONFIRMED"
        assert part.json()["payment"]["status"] == "partially_refunded"
        assert part.json()["payment"]["amount_refunded"] == "5.00"
        assert (too_much.status_code, too_much.json()["code"]) == (400, "refund_exceeds_payment")
        assert rest.json()["payment"] == {"provider": "stripe", "status": "refunded", "amount": "19.00",
                                          "amount_refunded": "19.00", "currency": "EUR"}
        assert nothing_left.json()["code"] == "refund_exceeds_payment"
        assert sum(Refund.objects.values_list("amount_cents", flat=True)) == 1900

    @pytest.mark.parametrize("amount", ["0", "-1", "abc", "1.001", None])
    def test_bad_amounts_are_400(self, online, refunder, staff_client, show, amount):
        booking = staff_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json").json()

        response = refunder.post(f"/api/bookings/{booking['id']}/refund/", {"amount": amount}, format="json")

        assert response.status_code == 400
        assert not Refund.objects.exists()

    def test_others_may_not_refund(self, online, staff_client, user_client, show):
        booking = staff_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json").json()

        assert staff_client.post(f"/api/bookings/{booking['id']}/refund/").status_code == 403
        assert user_client.post(f"/api/bookings/{booking['id']}/refund/").status_code == 403


class TestReconcile:
    def test_a_lost_webhook_loses_nothing(self, online, user_client, show):
        booking, _ = paid_hold(user_client, show, [1], online)

        call_command("reconcile_payments", "--older-than-minutes", "0")

        assert Booking.objects.get(pk=booking["id"]).status == Booking.Status.CONFIRMED

    def test_a_booking_confirmed_by_confirm_and_reconcile_at_once_is_confirmed_once(self, online, user_client, show):
        booking, _ = paid_hold(user_client, show, [1], online)
        confirm(user_client, booking)

        call_command("reconcile_payments", "--older-than-minutes", "0")

        assert Payment.objects.get().status == Payment.Status.PAID
        assert len([message for message in mail.outbox if message.subject.startswith("Your tickets")]) == 1


def test_stripe_without_its_keys_refuses_to_start(monkeypatch):
    import subprocess
    import sys

    environment = {"PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": "", "STRIPE_PUBLISHABLE_KEY": "",
                   "STRIPE_WEBHOOK_SECRET": "", "DEBUG": "true", "SECRET_KEY": "x" * 50}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    result = subprocess.run([sys.executable, "manage.py", "check"], capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert "PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET" in \
        result.stderr


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        return client

    def test_staff_see_every_payment_and_refund_with_its_stripe_id(self, online, admin_client, user_client, show):
        booking, intent = paid_hold(user_client, show, [1], online)
        confirm(user_client, booking)
        user_client.post(f"/api/bookings/{booking['id']}/cancel/")

        payments = admin_client.get("/admin/bookings/payment/").content.decode()
        refunds = admin_client.get("/admin/bookings/refund/").content.decode()

        assert intent in payments
        assert Refund.objects.get().provider_id in refunds

    def test_the_refund_action_refunds_what_remains(self, online, admin_client, user_client, show):
        booking, _ = paid_hold(user_client, show, [1, 2], online)
        confirm(user_client, booking)

        admin_client.post("/admin/bookings/booking/", {"action": "refund_selected",
                                                       "_selected_action": [booking["id"]]})

        assert user_client.get(f"/api/bookings/{booking['id']}/").json()["payment"]["status"] == "refunded"
        assert Booking.objects.get(pk=booking["id"]).status == Booking.Status.CONFIRMED


def race(*works):
    """Run each callable in its own thread with its own database connection, all at once; their exceptions fail
    the test."""
    errors, start = [], threading.Barrier(len(works))

    def run(work):
        try:
            start.wait(timeout=30)
            work()
        except Exception as error:  # noqa: BLE001 - reported below, with the thread's error
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


class TestRaces:
    def test_confirm_webhook_and_reconcile_at_once_confirm_once(self, online, user, show):
        buyer = bearer_client(user)
        booking, intent = paid_hold(buyer, show, [1, 2], online)
        events = [signed(intent_event(intent, event_id=f"evt_{n}")) for n in range(4)]  # four deliveries, four ids

        race(*[lambda: confirm(bearer_client(user), booking) for _ in range(4)],
             *[lambda payload=payload, signature=signature: deliver(APIClient(), payload, signature)
               for payload, signature in events],
             *[lambda: call_command("reconcile_payments", "--older-than-minutes", "0") for _ in range(2)])

        assert Booking.objects.get(pk=booking["id"]).status == Booking.Status.CONFIRMED
        assert Payment.objects.get().status == Payment.Status.PAID
        assert not Refund.objects.exists()
        confirmations = [message for message in mail.outbox if message.subject.startswith("Your tickets")]
        assert len(confirmations) == 1
        codes = [seat["ticket_code"] for seat in buyer.get(f"/api/bookings/{booking['id']}/").json()["seats"]]
        assert all(code and code in confirmations[0].body for code in codes)  # the codes were made once

    def test_a_payment_racing_its_holds_expiry_and_another_buyer_sells_each_seat_once_and_keeps_no_money(
            self, online, user, show, stripe_client):
        late, rival = bearer_client(user), bearer_client(UserFactory())
        booking, intent = paid_hold(late, show, [1, 2], online)
        Booking.objects.filter(pk=booking["id"]).update(expires_at=timezone.now() + timedelta(milliseconds=300))
        Ticket.objects.filter(booking_id=booking["id"]).update(held_until=timezone.now() + timedelta(milliseconds=300))
        time.sleep(0.35)  # the hold died; the money is in at Stripe, not yet here
        rival_answers = []

        race(lambda: confirm(late, booking),
             lambda: deliver(APIClient(), *signed(intent_event(intent, event_id="evt_late"))),
             lambda: rival_answers.append(rival.post(f"/api/shows/{show.id}/hold/", {"seat_numbers": [2, 3]},
                                                     format="json").status_code))

        live = list(Ticket.objects.filter(show=show, is_active=True).values_list("seat_number", "booking_id"))
        assert len({seat for seat, _ in live}) == len(live)  # no seat twice
        late_booking = Booking.objects.get(pk=booking["id"])
        refunded = sum(refund.amount for refund in stripe_client.v1.refunds.list({"payment_intent": intent}).data)
        if late_booking.status == Booking.Status.CONFIRMED:
            assert rival_answers == [409]
            assert refunded == 0
        else:
            assert rival_answers == [201]
            assert late_booking.status == Booking.Status.EXPIRED
            assert refunded == 1900  # money is never kept without tickets
        assert Refund.objects.count() <= 1


class TestMail:
    def test_refund_and_late_payment_mails_go_out_through_a_real_smtp_server(self, online, smtp_server, user,
                                                                            user_client, show):
        from django.contrib.auth.models import Permission

        refunder = UserFactory(is_staff=True)
        refunder.user_permissions.add(Permission.objects.get(codename="refund_booking"))
        kept, _ = paid_hold(user_client, show, [1], online)
        confirm(user_client, kept)
        bearer_client(refunder).post(f"/api/bookings/{kept['id']}/refund/", {"amount": "2.00"}, format="json")
        cancelled, _ = paid_hold(user_client, show, [2], online)
        confirm(user_client, cancelled)
        user_client.post(f"/api/bookings/{cancelled['id']}/cancel/")
        late, _ = paid_hold(user_client, show, [3], online)
        Booking.objects.filter(pk=late["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
        Ticket.objects.filter(booking_id=late["id"]).update(held_until=timezone.now() - timedelta(seconds=1))
        hold(bearer_client(UserFactory()), show, [3])
        confirm(user_client, late)

        received = {message["Subject"].split(":")[0]: message.get_body(preferencelist=("plain",)).get_content()
                    for recipients, message in smtp_server.messages if recipients == [user.email]}

        assert "Paid: 9.50 EUR" in received["Your tickets"]
        assert "we are refunding 2.00 EUR" in received["Refund"]
        assert "We are refunding 9.50 EUR" in received["Booking cancelled"]
        assert "refunding the whole 9.50 EUR" in received["Paid too late, refunded"]

    def test_with_a_worker_a_refund_stripe_cannot_take_queues_itself_again(self, online, settings, user_client,
                                                                           show):
        booking, _ = paid_hold(user_client, show, [1], online)
        confirm(user_client, booking)
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there

        user_client.post(f"/api/bookings/{booking['id']}/cancel/")
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

        retry = DBTaskResult.objects.get(status="READY", task_path__endswith="send_refund")
        assert retry.args_kwargs["args"] == [Refund.objects.get().pk, 2]
        assert retry.run_after > timezone.now()
        assert Refund.objects.get().status == Refund.Status.PENDING


def test_my_bookings_with_payments_and_refunds_are_a_constant_number_of_queries(online, staff_user, staff_client,
                                                                               django_assert_max_num_queries):
    for seat in range(1, 7):
        booking = staff_client.post(f"/api/shows/{ShowFactory().id}/book/", {"seat_number": seat},
                                    format="json").json()
        if seat % 2:
            staff_client.post(f"/api/bookings/{booking['id']}/cancel/")  # a box-office refund

    # user, count, page, tickets, payments, refunds
    with django_assert_max_num_queries(6):
        listed = staff_client.get("/api/my-bookings/").json()

    assert listed["count"] == 6
    assert {booking["payment"]["status"] for booking in listed["results"]} == {"paid", "refunded"}
