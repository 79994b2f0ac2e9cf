from django.urls import path

from bookings import views
from core.routing import Router

router = Router()
router.register("bookings", views.BookingViewSet, basename="booking")
router.register("vouchers", views.VoucherViewSet, basename="voucher")

urlpatterns = [
    # Under shows in the URL space, but booking is this app's business (movies never imports bookings).
    path("shows/<id:pk>/book/", views.BookShowView.as_view(), name="show-book"),
    path("shows/<id:pk>/hold/", views.HoldShowView.as_view(), name="show-hold"),
    path("my-bookings/", views.MyBookingsView.as_view(), name="my-bookings"),
    path("bookings/<id:pk>/tickets/<id:number>/qr/", views.TicketQRCodeView.as_view(), name="ticket-qr"),
    path("check-in/", views.CheckInView.as_view(), name="check-in"),
    path("payments/stripe/webhook/", views.StripeWebhookView.as_view(), name="stripe-webhook"),
    path("reports/shows/", views.ShowSalesReportView.as_view(), name="report-shows"),
    path("reports/daily/", views.DailySalesReportView.as_view(), name="report-daily"),
    *router.urls,
]
