"""Catalogue endpoints: public reads, staff-only writes."""
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import generics, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.permissions import IsStaffOrReadOnly
from core.schema import error_response
from movies import selectors, services
from movies.filters import MovieFilter
from movies.models import Movie, Screen, Show
from movies.serializers import (
    MovieSerializer,
    MovieShowQuerySerializer,
    ScreenSerializer,
    SeatMapSerializer,
    ShowQuerySerializer,
    ShowSerializer,
    ShowWriteSerializer,
)

MOVIE_ID = openapi.Parameter("id", openapi.IN_PATH, "The movie's id", type=openapi.TYPE_INTEGER, required=True)
PROTECTED = error_response("It has bookings (live or cancelled) and cannot be deleted")


def apply_changes(instance, validated_data):
    for field, value in validated_data.items():
        setattr(instance, field, value)
    return instance


def parse_show_query(request, query_serializer=ShowQuerySerializer):
    query = query_serializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    return {
        "movie_id": params.get("movie"),
        "screen_id": params.get("screen"),
        "starts_from": params.get("from"),
        "starts_before": params.get("to"),
        "day": params.get("date"),
    }


class MovieViewSet(viewsets.ModelViewSet):
    """Movies. Anyone reads; staff write."""

    queryset = Movie.objects.all()
    serializer_class = MovieSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_class = MovieFilter
    lookup_value_regex = r"\d+"

    def filter_queryset(self, queryset):
        # django-filter builds a form class on every request, which costs more than the page itself;
        # without one of its parameters there is nothing for it to filter or order.
        if self.request.query_params.keys().isdisjoint(MovieFilter.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    def perform_create(self, serializer):
        serializer.instance = services.save_movie(movie=Movie(**serializer.validated_data))

    def perform_update(self, serializer):
        services.save_movie(movie=apply_changes(serializer.instance, serializer.validated_data))

    @swagger_auto_schema(responses={204: "Deleted, with its shows", 409: PROTECTED})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)


class MovieShowsView(generics.ListAPIView):
    """One movie's shows, soonest first: upcoming only unless `from` or `date` is given."""

    serializer_class = ShowSerializer
    filter_backends = []

    @swagger_auto_schema(operation_id="movies_shows", query_serializer=MovieShowQuerySerializer,
                         manual_parameters=[MOVIE_ID])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to read
            return Show.objects.none()
        movie = generics.get_object_or_404(Movie.objects.only("pk"), pk=self.kwargs["pk"])
        filters = parse_show_query(self.request, MovieShowQuerySerializer)
        return selectors.shows_with_availability(**{**filters, "movie_id": movie.pk})


class ScreenViewSet(viewsets.ModelViewSet):
    """Screens (auditoriums). Anyone reads; staff write."""

    queryset = Screen.objects.all()
    serializer_class = ScreenSerializer
    permission_classes = [IsStaffOrReadOnly]
    lookup_value_regex = r"\d+"

    def perform_create(self, serializer):
        serializer.instance = services.save_screen(screen=Screen(**serializer.validated_data))

    def perform_update(self, serializer):
        services.save_screen(screen=apply_changes(serializer.instance, serializer.validated_data))

    @swagger_auto_schema(responses={204: "Deleted, with its shows", 409: PROTECTED})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)


class ShowViewSet(viewsets.ModelViewSet):
    """Shows. Anyone reads; staff write with movie and screen ids."""

    permission_classes = [IsStaffOrReadOnly]
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if self.action == "list":
            return selectors.shows_with_availability(**parse_show_query(self.request))
        if self.action == "seats":
            return Show.objects.select_related("screen")
        return Show.objects.with_availability()

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ShowWriteSerializer
        return ShowSerializer

    @swagger_auto_schema(query_serializer=ShowQuerySerializer)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @swagger_auto_schema(request_body=ShowWriteSerializer, responses={201: ShowSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ShowWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        show = services.save_show(show=Show(**serializer.validated_data))
        return Response(self.read_back(show), status=201)

    @swagger_auto_schema(request_body=ShowWriteSerializer, responses={200: ShowSerializer})
    def update(self, request, *args, **kwargs):
        show = self.get_object()
        serializer = ShowWriteSerializer(show, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        services.save_show(show=apply_changes(show, serializer.validated_data))
        return Response(self.read_back(show))

    @swagger_auto_schema(request_body=ShowWriteSerializer, responses={200: ShowSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @swagger_auto_schema(responses={204: "Deleted", 409: PROTECTED})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    @swagger_auto_schema(responses={200: SeatMapSerializer})
    @action(detail=True, methods=["get"])
    def seats(self, request, pk=None):
        """The seat map: every seat, row by row (A, B, … Z, AA, …), with its label and availability."""
        return Response(selectors.seat_map(self.get_object()))

    def read_back(self, show):
        return ShowSerializer(Show.objects.with_availability().get(pk=show.pk)).data
