"""Input and output shapes of the catalogue."""
from datetime import date

from rest_framework import serializers

from core.serializers import MAX_ID, StrictPrimaryKeyRelatedField, UTCDateTimeField
from movies.models import Movie, Screen, Show


class MovieSerializer(serializers.ModelSerializer):
    class Meta:
        model = Movie
        fields = ["id", "title", "description", "duration_minutes", "genre", "language", "release_date",
                  "poster_url"]


class ScreenSerializer(serializers.ModelSerializer):
    class Meta:
        model = Screen
        fields = ["id", "name", "rows", "seats_per_row"]


class MovieSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Movie
        fields = ["id", "title"]


class ScreenSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Screen
        fields = ["id", "name"]


class ShowSerializer(serializers.ModelSerializer):
    """A show as read: nested movie and screen, its end, and how many seats are left.

    Expects shows from `Show.objects.with_availability()` (the `sold_seats` annotation).
    """

    movie = MovieSummarySerializer()
    screen = ScreenSummarySerializer()
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    total_seats = serializers.IntegerField()
    available_seats = serializers.SerializerMethodField()

    class Meta:
        model = Show
        fields = ["id", "movie", "screen", "starts_at", "ends_at", "price", "total_seats", "available_seats"]
        read_only_fields = fields

    def get_available_seats(self, show) -> int:
        return show.total_seats - show.sold_seats


class ShowWriteSerializer(serializers.ModelSerializer):
    """A show as written by staff: the movie and screen by id."""

    serializer_related_field = StrictPrimaryKeyRelatedField

    starts_at = UTCDateTimeField(validators=Show._meta.get_field("starts_at").validators)
    price = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)

    class Meta:
        model = Show
        fields = ["movie", "screen", "starts_at", "price"]


class MovieShowQuerySerializer(serializers.Serializer):
    """The query parameters of one movie's show list."""

    starts_from = UTCDateTimeField(required=False, help_text="Shows starting at or after this time; "
                                   "replaces the upcoming-only default")
    to = UTCDateTimeField(required=False, help_text="Shows starting before this time")
    date = serializers.DateField(required=False, help_text="Shows starting on this day (YYYY-MM-DD, in the "
                                 "server's TIME_ZONE); replaces the upcoming-only default")
    screen = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def validate_date(self, day):
        if not date.min < day < date.max:
            raise serializers.ValidationError("Date out of range.")
        return day

    def get_fields(self):
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        fields = super().get_fields()
        fields["from"] = fields.pop("starts_from")
        return fields


class ShowQuerySerializer(MovieShowQuerySerializer):
    """The query parameters of the list of all shows."""

    movie = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class SeatSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    label = serializers.CharField()
    available = serializers.BooleanField()


class SeatRowSerializer(serializers.Serializer):
    row = serializers.CharField()
    seats = SeatSerializer(many=True)


class SeatMapSerializer(serializers.Serializer):
    """Documents the seat map; the view renders the selector's plain dicts directly (2,600 seats at most)."""

    show = serializers.IntegerField()
    total_seats = serializers.IntegerField()
    available_seats = serializers.IntegerField()
    rows = SeatRowSerializer(many=True)
