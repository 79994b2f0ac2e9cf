"""Mail leaves through a real SMTP server, and a server that is down costs no booking and no mail."""
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings import services
from bookings.models import Booking
from bookings.tests.fake_stripe import free_port
from movies.tests.factories import ShowFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_confirmation_goes_out_through_a_real_smtp_server(smtp_server, user, user_client):
    show = ShowFactory()

    response = user_client.post(f"/api/shows/{show.id}/book/", {"seat_numbers": ["A1", "A2"]}, format="json")

    assert response.status_code == 201
    [(recipients, message)] = smtp_server.messages
    assert recipients == [user.email]
    assert message["Subject"].startswith(f"Your tickets: {show.movie.title}")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert all(seat["ticket_code"] in body for seat in response.json()["seats"])
    attached = sorted((part.get_filename(), part.get_content_type()) for part in message.iter_attachments())
    assert attached == [("show.ics", "text/calendar"), ("ticket-A1.png", "image/png"), ("ticket-A2.png", "image/png")]


def test_a_mail_server_that_is_down_costs_no_booking_and_no_mail(settings, user, user_client):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens: connection refused
    show = ShowFactory()

    response = user_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert response.status_code == 201
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["args"] == [response.json()["id"], 2]
    assert retry.run_after > timezone.now()

    # The server is back (the outbox stands in for it) and the retry's time has come.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_with_a_worker_the_mail_is_queued_in_the_bookings_own_transaction(settings, user):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    show = ShowFactory()

    queued_before_commit = []

    def book_then_fail():
        with transaction.atomic():
            services.book_seats(user=user, show=show, seat_numbers=[1])
            queued_before_commit.append(DBTaskResult.objects.count())  # the booking's transaction is still open
            raise RuntimeError("rolled back after booking")

    with pytest.raises(RuntimeError):
        book_then_fail()
    booking = services.book_seats(user=user, show=show, seat_numbers=[2])

    assert queued_before_commit == [1]
    assert not Booking.objects.exclude(pk=booking.pk).exists()
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path.endswith("send_confirmation_mail")
    assert queued.args_kwargs["args"] == [booking.pk]


def test_without_a_worker_a_mail_server_that_is_down_still_costs_no_booking(settings, user_client):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    show = ShowFactory()

    response = user_client.post(f"/api/shows/{show.id}/book/", {"seat_number": 1}, format="json")

    assert response.status_code == 201
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
