from django.urls import path
from rest_framework.routers import SimpleRouter

from bookings import views

router = SimpleRouter()
router.register("bookings", views.BookingViewSet, basename="booking")

urlpatterns = [
    # Under shows in the URL space, but booking is this app's business (movies never imports bookings).
    path("shows/<int:pk>/book/", views.BookShowView.as_view(), name="show-book"),
    path("shows/<int:pk>/hold/", views.HoldShowView.as_view(), name="show-hold"),
    path("my-bookings/", views.MyBookingsView.as_view(), name="my-bookings"),
    path("bookings/<int:pk>/tickets/<int:number>/qr/", views.TicketQRCodeView.as_view(), name="ticket-qr"),
    path("check-in/", views.CheckInView.as_view(), name="check-in"),
    *router.urls,
]
