"""Input and output shapes of the catalogue."""
from datetime import date

from django.conf import settings
from drf_yasg.utils import swagger_serializer_method
from rest_framework import serializers

from core.serializers import MAX_ID, BoundedListField, StrictPrimaryKeyRelatedField, UTCDateTimeField
from movies import seating, selectors
from movies.models import MAX_ROWS, Movie, Screen, Show, TicketType, default_ticket_type_errors


class TicketTypeCodesField(BoundedListField):
    """Ticket types written as a list of their codes, all found in one query; read back as codes."""

    default_error_messages = {
        "duplicate": "Each ticket type may appear only once.",
        "unknown": "No ticket type has the code {codes}.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 50)
        super().__init__(child=serializers.SlugField(max_length=32), **kwargs)

    def to_internal_value(self, data):
        codes = super().to_internal_value(data)
        if len(set(codes)) != len(codes):
            self.fail("duplicate")
        found = {ticket_type.code: ticket_type for ticket_type in TicketType.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            self.fail("unknown", codes=", ".join(unknown))
        return [found[code] for code in codes]

    def to_representation(self, ticket_types):
        return [ticket_type.code for ticket_type in ticket_types.all()]


class TicketTypeSerializer(serializers.ModelSerializer):
    """A ticket type: who the seat is for, and what that takes off the seat's price."""

    class Meta:
        model = TicketType
        fields = ["id", "code", "name", "discount_percent", "discount_amount", "check_at_door", "is_default",
                  "active"]
        extra_kwargs = {
            "discount_percent": {"min_value": 0, "max_value": 100},
            "discount_amount": {"min_value": 0},
            # Not the validator DRF derives from the one-default constraint: a type saved as the default takes
            # over from the old one (services.save_ticket_type), it is not refused.
            "is_default": {"validators": []},
        }

    def validate(self, attrs):
        def current(field):
            # A new type's unsent field is the model's default: None for a discount (`.default` is NOT_PROVIDED).
            return attrs.get(field, getattr(self.instance, field, TicketType._meta.get_field(field).get_default()))

        if current("discount_percent") is not None and current("discount_amount") is not None:
            raise serializers.ValidationError(
                {"discount_amount": ["Send discount_percent or discount_amount, not both."]})
        errors = default_ticket_type_errors(was_default=self.instance is not None and self.instance.is_default,
                                            is_default=current("is_default"), active=current("active"))
        if errors:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        return attrs


class MovieSerializer(serializers.ModelSerializer):
    class Meta:
        model = Movie
        fields = ["id", "title", "description", "duration_minutes", "genre", "language", "release_date",
                  "poster_url", "age_rating"]


class ScreenSerializer(serializers.ModelSerializer):
    """A screen: its grid, what stands at each place (`layout`), and how many seats can be sold."""

    layout = BoundedListField(
        child=serializers.CharField(trim_whitespace=False, allow_blank=True), source="plan", required=False,
        max_length=MAX_ROWS,
        help_text="One string per row (row A first), one character per place: s standard, p premium, "
                  "a accessible, x blocked, . no seat (an aisle or a gap). Example, 4 rows of 10 with an aisle: "
                  '["ssss..ssss", "ssss..ssss", "pppp..pppp", "aa........"]. Left out: all standard seats '
                  "(and changing rows or seats_per_row without it resets it).",
    )
    capacity = serializers.IntegerField(read_only=True, help_text="Seats that can be sold: all but gaps and blocked")
    best_row = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=3,
        help_text="The row letter(s) whose middle is the best view, for seats chosen for the buyer. Read: the "
                  "screen's own, or by default row number floor(2 x rows / 3) + 1 (D of 5 rows); written empty or "
                  "null: back to that default.",
    )

    class Meta:
        model = Screen
        fields = ["id", "name", "rows", "seats_per_row", "layout", "capacity", "best_row", "no_lonely_seats"]

    def to_representation(self, instance):
        body = super().to_representation(instance)
        body["best_row"] = seating.row_letters(instance.best_row_index)
        return body

    def validate(self, attrs):
        rows = attrs.get("rows", getattr(self.instance, "rows", None))
        seats_per_row = attrs.get("seats_per_row", getattr(self.instance, "seats_per_row", None))
        if "plan" in attrs:
            layout = attrs.pop("plan")
            errors = seating.layout_errors(layout, rows, seats_per_row)
            if errors:
                raise serializers.ValidationError({"layout": errors})
            attrs["layout"] = layout
        elif self.instance is not None and (rows, seats_per_row) != (self.instance.rows, self.instance.seats_per_row):
            attrs["layout"] = []  # a new size without a layout: standard seats everywhere
        if "best_row" in attrs:
            attrs["best_row"] = (attrs["best_row"] or "").strip().upper()
        best_row = attrs.get("best_row", getattr(self.instance, "best_row", ""))
        if best_row and rows:
            error = seating.best_row_error(best_row, rows)
            if error:
                raise serializers.ValidationError({"best_row": [error]})
        return attrs


class MovieSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Movie
        fields = ["id", "title"]


class ScreenSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Screen
        fields = ["id", "name"]


class ShowPricesSerializer(serializers.Serializer):
    """The price of a seat in each category; `standard` is the show's `price`."""

    standard = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    premium = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    accessible = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)


class ShowPricesWriteSerializer(ShowPricesSerializer):
    """Prices as written: a category left out costs the standard price."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class OfferedTicketTypeSerializer(serializers.Serializer):
    """A ticket type a show sells, with what a seat of each category costs with it."""

    code = serializers.SlugField()
    name = serializers.CharField()
    prices = ShowPricesSerializer()


class ShowSerializer(serializers.ModelSerializer):
    """A show as read: nested movie and screen, its end, its offer of ticket types, and how many seats are left.

    Expects shows from `Show.objects.with_availability()` (the `sold_seats` annotation).
    """

    movie = MovieSummarySerializer()
    screen = ScreenSummarySerializer()
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    prices = ShowPricesSerializer()
    ticket_types = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField(help_text="ISO 4217: the currency of the prices")
    total_seats = serializers.IntegerField()
    available_seats = serializers.SerializerMethodField()

    class Meta:
        model = Show
        fields = ["id", "movie", "screen", "starts_at", "ends_at", "price", "prices", "ticket_types", "currency",
                  "total_seats", "available_seats"]
        read_only_fields = fields

    @swagger_serializer_method(serializer_or_field=OfferedTicketTypeSerializer(
        many=True, help_text="What the show sells: every active ticket type unless staff limited it"))
    def get_ticket_types(self, show):
        return [selectors.offer_body(ticket_type, show.prices)
                for ticket_type in selectors.offered_ticket_types(show.pk)]

    def get_currency(self, show) -> str:
        return settings.CURRENCY

    def get_available_seats(self, show) -> int:
        return show.total_seats - show.sold_seats


class ShowWriteSerializer(serializers.ModelSerializer):
    """A show as written by staff: the movie and screen by id; `price`, `prices` or both (they must agree)."""

    serializer_related_field = StrictPrimaryKeyRelatedField

    starts_at = UTCDateTimeField(validators=Show._meta.get_field("starts_at").validators)
    price = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False,
                                     help_text="The standard seat's price (or send prices.standard)")
    prices = ShowPricesWriteSerializer(required=False, help_text="Per category; one left out costs the standard price")
    ticket_types = TicketTypeCodesField(required=False, help_text="The codes of the ticket types it sells; empty or "
                                                                  "left out: every active type")

    class Meta:
        model = Show
        fields = ["movie", "screen", "starts_at", "price", "prices", "ticket_types"]

    def validate(self, attrs):
        prices = attrs.pop("prices", None)
        if prices is not None:
            standard = prices.get("standard")
            if standard is not None and "price" in attrs and attrs["price"] != standard:
                raise serializers.ValidationError({"prices": ["prices.standard and price must be equal."]})
            if standard is not None:
                attrs["price"] = standard
        if prices is not None or not self.partial:
            # A full write, or new prices: a category left out costs the standard price.
            attrs["premium_price"] = (prices or {}).get("premium")
            attrs["accessible_price"] = (prices or {}).get("accessible")
        if "price" not in attrs and not self.partial:
            raise serializers.ValidationError({"price": ["Send price or prices.standard."]})
        return attrs


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
    number = serializers.IntegerField(help_text="The seat's place in the grid, row by row")
    label = serializers.CharField()
    column = serializers.IntegerField(help_text="1-based place in the row; gaps between columns are aisles")
    category = serializers.ChoiceField(choices=[*seating.PRICED_CATEGORIES, "blocked"])
    price = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True, help_text="Null when blocked")
    available = serializers.BooleanField(help_text="Not blocked, not sold, not held by a live hold")


class SeatRowSerializer(serializers.Serializer):
    row = serializers.CharField()
    seats = SeatSerializer(many=True)


class SeatMapSerializer(serializers.Serializer):
    """Documents the seat map; the view renders the selector's plain dicts directly (2,600 seats at most)."""

    show = serializers.IntegerField()
    total_seats = serializers.IntegerField()
    available_seats = serializers.IntegerField()
    rows = SeatRowSerializer(many=True)
