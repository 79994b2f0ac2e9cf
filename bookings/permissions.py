"""Who may do what with bookings beyond owning them."""
from rest_framework import permissions


class CanCheckInTickets(permissions.BasePermission):
    """Door staff: users with `bookings.check_in_ticket` (superusers have every permission)."""

    message = "Only door staff (permission bookings.check_in_ticket) can check tickets in."

    def has_permission(self, request, view):
        return request.user.has_perm("bookings.check_in_ticket")


class CanRefundBookings(permissions.BasePermission):
    """Staff who refund: users with `bookings.refund_booking`."""

    message = "Only staff with the permission bookings.refund_booking can refund bookings."

    def has_permission(self, request, view):
        return request.user.has_perm("bookings.refund_booking")


def views_sales(user):
    """Staff (is_staff) with `bookings.view_sales` read the sales reports (superusers have every permission)."""
    return user.is_staff and user.has_perm("bookings.view_sales")


class CanViewSales(permissions.BasePermission):
    message = "Only staff with the permission bookings.view_sales can read the sales reports."

    def has_permission(self, request, view):
        return views_sales(request.user)
