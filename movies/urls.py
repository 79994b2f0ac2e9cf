from django.urls import path
from rest_framework.routers import SimpleRouter

from movies import views

router = SimpleRouter()
router.register("movies", views.MovieViewSet, basename="movie")
router.register("screens", views.ScreenViewSet, basename="screen")
router.register("shows", views.ShowViewSet, basename="show")

urlpatterns = [
    path("movies/<int:pk>/shows/", views.MovieShowsView.as_view(), name="movie-shows"),
    *router.urls,
]
