"""Staff read and act on others' bookings by their Django permissions, not by the is_staff flag: reading needs
bookings.view_booking, the admin's cancel action bookings.change_booking, refunds bookings.refund_booking."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission

from bookings.models import Booking, Refund, Ticket
from bookings.tests.factories import booking_with_seats
from conftest import BACK_OFFICE_PERMISSIONS, bearer_client, staff_with_permissions
from movies.tests.factories import ShowFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EVERY_BOOKING_PERMISSION = ["bookings.view_booking", "bookings.change_booking", "bookings.refund_booking",
                            "bookings.check_in_ticket"]


def all_but(permission):
    """Every permission staff may hold here except `permission`."""
    return [other for other in [*BACK_OFFICE_PERMISSIONS, *EVERY_BOOKING_PERMISSION] if other != permission]


def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


class TestReadingOthersBookings:
    def test_needs_view_booking(self):
        customer = UserFactory()
        theirs = booking_with_seats(ShowFactory(), [1], user=customer)
        without = staff_with_permissions(*all_but("bookings.view_booking"))
        own = booking_with_seats(ShowFactory(), [1], user=without)

        refused = bearer_client(without).get(f"/api/bookings/{theirs.pk}/")

        assert refused.status_code == 404  # as for an unknown id: is_staff alone does not tell it exists
        assert set(refused.json()) == {"detail", "code"}
        assert bearer_client(without).get(f"/api/bookings/{own.pk}/").status_code == 200
        for reader in (staff_with_permissions("bookings.view_booking"), superuser(), customer):
            answer = bearer_client(reader).get(f"/api/bookings/{theirs.pk}/")
            assert (answer.status_code, answer.json()["id"]) == (200, theirs.pk)

    def test_view_booking_does_not_make_a_customer_a_reader(self):
        theirs = booking_with_seats(ShowFactory(), [1])
        customer = UserFactory()
        customer.user_permissions.add(Permission.objects.get(content_type__app_label="bookings",
                                                             codename="view_booking"))

        assert bearer_client(customer).get(f"/api/bookings/{theirs.pk}/").status_code == 404


def admin_client(client, user):
    client.force_login(user)
    return client


def offered_actions(client):
    """The action names the bookings' changelist offers the logged-in user (none: no action form at all)."""
    listing = client.get("/admin/bookings/booking/")
    assert listing.status_code == 200
    form = listing.context["action_form"]
    return set() if form is None else {name for name, _ in form.fields["action"].choices if name}


def cancel_selected(client, *bookings):
    return client.post("/admin/bookings/booking/", {
        "action": "cancel_selected", "_selected_action": [booking.pk for booking in bookings],
    }, follow=True)


class TestAdminCancelAction:
    def test_a_view_booking_only_staff_is_not_offered_it_and_cannot_post_it(self, client):
        """The issue's case: a staff user whose only permission is bookings.view_booking."""
        booking = booking_with_seats(ShowFactory(), [1, 2])
        viewer = admin_client(client, staff_with_permissions("bookings.view_booking"))

        offered = offered_actions(viewer)
        response = cancel_selected(viewer, booking)

        assert "cancel_selected" not in offered
        assert response.status_code == 200
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_at) == (Booking.Status.CONFIRMED, None)
        assert Ticket.objects.filter(booking=booking, is_active=True).count() == 2

    @pytest.mark.parametrize("who", ["change_booking", "superuser"])
    def test_change_booking_cancels_and_frees_the_seats(self, client, who):
        show = ShowFactory()
        booking = booking_with_seats(show, [1, 2])
        user = superuser() if who == "superuser" else staff_with_permissions("bookings.change_booking")
        staff = admin_client(client, user)

        offered = offered_actions(staff)
        response = cancel_selected(staff, booking)

        assert "cancel_selected" in offered
        assert b"Cancelled 1 booking" in response.content
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        rebooked = bearer_client(UserFactory()).post(f"/api/shows/{show.pk}/book/", {"seat_numbers": [1, 2]},
                                                     format="json")
        assert rebooked.status_code == 201

    def test_the_refund_action_is_offered_with_refund_booking_only(self, client):
        canceller = admin_client(client, staff_with_permissions(*all_but("bookings.refund_booking")))
        assert offered_actions(canceller) == {"cancel_selected"}

        refunder = admin_client(client, staff_with_permissions("bookings.view_booking", "bookings.refund_booking"))
        assert offered_actions(refunder) == {"refund_selected"}


def test_every_admin_action_declares_its_permissions():
    """An action without `permissions=[...]` is offered to whoever may open the changelist."""
    undeclared = []
    for model, model_admin in admin.site._registry.items():
        own = [getattr(model_admin, name) if isinstance(name, str) else name for name in model_admin.actions or []]
        for action in [*dict(admin.site.actions).values(), *own]:
            if not getattr(action, "allowed_permissions", ()):
                undeclared.append(f"{model._meta.label}: {action.__name__}")

    assert undeclared == []


class TestBoxOffice:
    """Selling without an online payment, and past MAX_SEATS_PER_BUYER, needs bookings.sell_at_box_office."""

    @pytest.mark.parametrize("permissions", [(), tuple(all_but("bookings.sell_at_box_office"))])
    def test_without_the_permission_staff_pay_like_anyone(self, settings, permissions):
        settings.PAYMENT_PROVIDER = "stripe"
        show = ShowFactory()

        refused = bearer_client(staff_with_permissions(*permissions)).post(
            f"/api/shows/{show.pk}/book/", {"seat_numbers": [1, 2]}, format="json")

        assert refused.status_code == 402
        assert refused.json()["code"] == "payment_required"
        assert not Booking.objects.exists()

    @pytest.mark.parametrize("who", ["sell_at_box_office", "superuser"])
    def test_with_it_staff_sell_paid_at_the_counter(self, settings, who):
        settings.PAYMENT_PROVIDER = "stripe"
        seller = superuser() if who == "superuser" else staff_with_permissions("bookings.sell_at_box_office")

        sold = bearer_client(seller).post(f"/api/shows/{ShowFactory().pk}/book/", {"seat_numbers": [1, 2]},
                                          format="json")

        assert sold.status_code == 201
        assert sold.json()["payment"]["status"] == "paid"

    def test_only_the_permission_passes_the_buyer_limit(self, settings):
        settings.MAX_SEATS_PER_BUYER = 2
        show = ShowFactory()
        plain_staff = bearer_client(staff_with_permissions())
        box_office = bearer_client(staff_with_permissions("bookings.sell_at_box_office"))

        assert plain_staff.post(f"/api/shows/{show.pk}/book/", {"seat_numbers": [1, 2, 3]},
                                format="json").json()["code"] == "buyer_limit"
        assert box_office.post(f"/api/shows/{show.pk}/book/", {"seat_numbers": [1, 2, 3]},
                               format="json").status_code == 201


class TestRefund:
    @pytest.fixture
    def box_office_sale(self, settings):
        """A sale paid at the counter (payments online, so the booking carries a paid box-office payment)."""
        settings.PAYMENT_PROVIDER = "stripe"
        show = ShowFactory()
        seller = bearer_client(staff_with_permissions(*BACK_OFFICE_PERMISSIONS))
        sold = seller.post(f"/api/shows/{show.pk}/book/", {"seat_numbers": [1, 2]}, format="json")
        assert sold.status_code == 201, sold.json()
        return sold.json()

    def test_is_staff_and_every_other_permission_do_not_refund(self, box_office_sale):
        refused = bearer_client(staff_with_permissions(*all_but("bookings.refund_booking"))).post(
            f"/api/bookings/{box_office_sale['id']}/refund/", {}, format="json")

        assert refused.status_code == 403
        assert refused.json()["code"] == "permission_denied"
        assert not Refund.objects.exists()

    @pytest.mark.parametrize("who", ["refund_booking", "superuser"])
    def test_refund_booking_refunds_anothers_booking(self, box_office_sale, who):
        user = superuser() if who == "superuser" else staff_with_permissions("bookings.refund_booking")

        refunded = bearer_client(user).post(f"/api/bookings/{box_office_sale['id']}/refund/", {}, format="json")

        assert refunded.status_code == 200, refunded.json()
        assert refunded.json()["payment"]["amount_refunded"] == box_office_sale["total_price"]
        assert Refund.objects.get().amount_cents == 1900


def test_the_api_document_names_the_permissions(api_client):
    paths = api_client.get("/swagger.json").json()["paths"]

    assert "bookings.view_booking" in paths["/bookings/{id}/"]["get"]["responses"]["404"]["description"]
    refund = paths["/bookings/{id}/refund/"]["post"]
    assert "bookings.refund_booking" in refund["summary"]
    assert "bookings.refund_booking" in refund["responses"]["403"]["description"]
