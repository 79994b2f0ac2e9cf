"""Query filters of the movie list."""
import django_filters

from movies.models import Movie


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering that ignores empty terms (`?ordering=,`) and breaks ties by id, so pages never
    repeat or skip a movie."""

    def filter(self, qs, value):
        terms = [self.get_ordering_value(term) for term in value or [] if term]
        return qs.order_by(*terms, "id") if terms else qs


class MovieFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200,
                                       label="Part of the title, any case")
    genre = django_filters.CharFilter(lookup_expr="iexact", max_length=50)
    language = django_filters.CharFilter(lookup_expr="iexact", max_length=50)
    ordering = StableOrderingFilter(
        fields=("title", "release_date", "duration_minutes", "id"),
        label="title, release_date, duration_minutes or id; prefix - for descending",
    )

    class Meta:
        model = Movie
        fields = ["search", "genre", "language"]
