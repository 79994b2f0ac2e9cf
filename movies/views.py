"""Catalogue endpoints: public reads; writes for staff who hold the model's permission."""
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_yasg.utils import swagger_auto_schema
from rest_framework import generics, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.cache import CachedRead, cache_until
from core.pagination import PageNumberPagination
from core.permissions import ModelPermissionsOrReadOnly
from core.schema import error_response
from core.views import CreatedLocationMixin
from movies import selectors, services
from movies.filters import MovieFilter
from movies.models import Movie, Screen, Show, TicketType
from movies.serializers import (
    MovieSerializer,
    MovieShowQuerySerializer,
    ScreenSerializer,
    SeatMapSerializer,
    ShowQuerySerializer,
    ShowSerializer,
    ShowWriteSerializer,
    TicketTypeSerializer,
)

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


class CatalogueViewSet(CreatedLocationMixin, viewsets.ModelViewSet):
    """Anyone reads; a write needs the model's add, change or delete permission (is_staff alone writes nothing), and
    each save and delete goes through the service that guards the model's rules."""

    permission_classes = [ModelPermissionsOrReadOnly]

    def created_url(self, data):
        return reverse(f"{self.basename}-detail", kwargs={"pk": data["id"]})

    def save(self, instance):
        """Create or update `instance` through its service."""
        raise NotImplementedError

    def perform_create(self, serializer):
        serializer.instance = self.save(serializer.Meta.model(**serializer.validated_data))

    def perform_update(self, serializer):
        self.save(apply_changes(serializer.instance, serializer.validated_data))

    @swagger_auto_schema(responses={204: "Deleted (a movie or screen with its shows)", 409: PROTECTED})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)


# Cached public reads (core.cache): what each answer depends on, how long it may be kept, and the query
# parameters it reads (the key holds those only).
PAGE = (PageNumberPagination.page_query_param, PageNumberPagination.page_size_query_param)
CATALOGUE = CachedRead(lambda kwargs: ["catalogue"])
MOVIE_LIST = CachedRead(CATALOGUE.scopes, query=[*MovieFilter.base_filters, *PAGE])
CATALOGUE_PAGES = CachedRead(CATALOGUE.scopes, query=PAGE)  # lists without filters: screens, ticket types
SHOW_LIST = CachedRead(lambda kwargs: ["catalogue", "seats"],
                       lifetime=lambda kwargs: selectors.seconds_until_a_hold_expires(),
                       query=[*ShowQuerySerializer().fields, *PAGE])
MOVIE_SHOWS = CachedRead(SHOW_LIST.scopes, lifetime=SHOW_LIST.lifetime,
                         query=[*MovieShowQuerySerializer().fields, *PAGE])
ONE_SHOW = CachedRead(lambda kwargs: ["catalogue", f"show:{int(kwargs['pk'])}"],
                      lifetime=lambda kwargs: selectors.seconds_until_a_hold_expires(show_id=int(kwargs["pk"])))
# The seat map reads its earliest live hold with its seats (core.cache.cache_until).
SEAT_MAP = CachedRead(ONE_SHOW.scopes)


class MovieViewSet(CatalogueViewSet):
    """Movies. Anyone reads; writing needs movies.add_movie, movies.change_movie or movies.delete_movie."""

    cached_reads = {"list": MOVIE_LIST, "retrieve": CATALOGUE}

    queryset = Movie.objects.all()
    serializer_class = MovieSerializer
    filterset_class = MovieFilter

    def filter_queryset(self, queryset):
        # django-filter builds a form class on every request, which costs more than the page itself;
        # without one of its parameters there is nothing for it to filter or order.
        if self.request.query_params.keys().isdisjoint(MovieFilter.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*selectors.MOVIE_COLUMNS))
        return self.get_paginated_response(selectors.movie_bodies(page))

    def retrieve(self, request, *args, **kwargs):
        movie = generics.get_object_or_404(Movie.objects.values(*selectors.MOVIE_COLUMNS), pk=kwargs["pk"])
        return Response(selectors.movie_bodies([movie])[0])

    def save(self, movie):
        return services.save_movie(movie=movie)

    def perform_destroy(self, movie):
        services.delete_movie(movie=movie)


def paginated_shows(view, shows, listed_at):
    """A page of `shows` (from `selectors.shows_with_availability(now=listed_at)`), built from flat rows, kept in
    the read cache no later than the next start among them (a show that starts leaves the upcoming lists)."""
    page = view.paginate_queryset(shows.values(*selectors.SHOW_COLUMNS))
    response = view.get_paginated_response(selectors.show_bodies(page))
    if view.paginator.page.number == 1:  # soonest first: no show of the list starts before this page's
        next_start = next((show["starts_at"] for show in page if show["starts_at"] > listed_at), None)
    else:
        next_start = selectors.next_start(shows, after=listed_at)
    return cache_until(response, next_start)


class MovieShowsView(generics.ListAPIView):
    """One movie's shows, soonest first: upcoming only unless `from` or `date` is given."""

    serializer_class = ShowSerializer
    filter_backends = []
    cached_reads = {"get": MOVIE_SHOWS}

    @swagger_auto_schema(operation_id="movies_shows", operation_summary="List a movie's shows",
                         query_serializer=MovieShowQuerySerializer)
    def get(self, request, *args, **kwargs):
        listed_at = timezone.now()
        return paginated_shows(self, self.get_queryset(listed_at), listed_at)

    def get_queryset(self, now=None):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to read
            return Show.objects.none()
        movie = generics.get_object_or_404(Movie.objects.only("pk"), pk=self.kwargs["pk"])
        filters = parse_show_query(self.request, MovieShowQuerySerializer)
        return selectors.shows_with_availability(**{**filters, "movie_id": movie.pk}, now=now)


class ScreenViewSet(CatalogueViewSet):
    """Screens (auditoriums). Anyone reads; writing needs movies.add_screen, movies.change_screen or
    movies.delete_screen."""

    queryset = Screen.objects.all()
    serializer_class = ScreenSerializer
    cached_reads = {"list": CATALOGUE_PAGES, "retrieve": CATALOGUE}

    def save(self, screen):
        return services.save_screen(screen=screen)

    def perform_destroy(self, screen):
        services.delete_screen(screen=screen)


class TicketTypeViewSet(CatalogueViewSet):
    """Ticket types (Adult, Child, ...): who a seat is for and what that takes off its price. Anyone reads; staff
    write. Saving one as the default makes it the only default; one that tickets were sold as cannot be deleted
    (deactivate it)."""

    cached_reads = {"list": CATALOGUE_PAGES, "retrieve": CATALOGUE}
    filter_backends = []

    queryset = TicketType.objects.all()
    serializer_class = TicketTypeSerializer

    def save(self, ticket_type):
        return services.save_ticket_type(ticket_type=ticket_type)

    @swagger_auto_schema(responses={204: "Deleted", 409: error_response(
        "Tickets were sold as it, shows or vouchers are limited to it, or it is the default (`code: protected`)")})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, ticket_type):
        services.delete_ticket_type(ticket_type=ticket_type)


class ShowViewSet(CatalogueViewSet):
    """Shows. Anyone reads; writing (movies.add_show, movies.change_show, movies.delete_show) takes movie and screen
    ids and reads the show back nested."""

    filter_backends = []
    cached_reads = {"list": SHOW_LIST, "retrieve": ONE_SHOW, "seats": SEAT_MAP}

    def get_queryset(self, now=None):
        if self.action == "list":
            return selectors.shows_with_availability(**parse_show_query(self.request), now=now)
        return Show.objects.with_availability()

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ShowWriteSerializer
        return ShowSerializer

    @swagger_auto_schema(query_serializer=ShowQuerySerializer)
    def list(self, request, *args, **kwargs):
        listed_at = timezone.now()
        return paginated_shows(self, self.get_queryset(listed_at), listed_at)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.read_back(kwargs["pk"]))

    def save(self, show, ticket_types=None):
        return services.save_show(show=show, ticket_types=ticket_types)

    def perform_create(self, serializer):
        ticket_types = serializer.validated_data.pop("ticket_types", [])
        serializer.instance = self.save(Show(**serializer.validated_data), ticket_types)

    def perform_update(self, serializer):
        # A full write without ticket_types sells every type again, as one without prices charges standard.
        ticket_types = serializer.validated_data.pop("ticket_types", None if serializer.partial else [])
        self.save(apply_changes(serializer.instance, serializer.validated_data), ticket_types)

    def perform_destroy(self, show):
        services.delete_show(show=show)

    @swagger_auto_schema(request_body=ShowWriteSerializer, responses={201: ShowSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self.read_back(serializer.instance.pk), status=201)

    @swagger_auto_schema(request_body=ShowWriteSerializer, responses={200: ShowSerializer})
    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self.read_back(serializer.instance.pk))

    @swagger_auto_schema(request_body=ShowWriteSerializer, responses={200: ShowSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @swagger_auto_schema(operation_summary="Get a show's seat map", responses={200: SeatMapSerializer})
    # Read-only for everyone, so another method is a 405, not a model-permission 403.
    @action(detail=True, methods=["get"], permission_classes=[AllowAny])
    def seats(self, request, pk=None):
        """The seat map: every seat, row by row (A, B, … Z, AA, …), with its label and availability."""
        show = selectors.show_with_screen(pk)
        if show is None:
            raise Http404
        seat_map, earliest_hold_end = selectors.seat_map(show)
        return cache_until(Response(seat_map), earliest_hold_end)

    def read_back(self, pk):
        """The show as read, with its availability."""
        show = generics.get_object_or_404(Show.objects.with_availability().values(*selectors.SHOW_COLUMNS), pk=pk)
        return selectors.show_bodies([show])[0]
