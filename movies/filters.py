"""Query filters of the movie list."""
import django_filters

from movies.models import Movie


class MovieFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200,
                                       label="Part of the title, any case")
    genre = django_filters.CharFilter(lookup_expr="iexact", max_length=50)
    language = django_filters.CharFilter(lookup_expr="iexact", max_length=50)
    ordering = django_filters.OrderingFilter(
        fields=("title", "release_date", "duration_minutes", "id"),
        label="title, release_date, duration_minutes or id; prefix - for descending",
    )

    class Meta:
        model = Movie
        fields = ["search", "genre", "language"]
