from django.urls import path

from core.routing import Router
from movies import views

router = Router()
router.register("movies", views.MovieViewSet, basename="movie")
router.register("screens", views.ScreenViewSet, basename="screen")
router.register("shows", views.ShowViewSet, basename="show")
router.register("ticket-types", views.TicketTypeViewSet, basename="ticket-type")

urlpatterns = [
    path("movies/<id:pk>/shows/", views.MovieShowsView.as_view(), name="movie-shows"),
    *router.urls,
]
