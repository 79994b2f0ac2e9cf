"""Query parameters and rows of the sales reports (bookings.reports builds the rows)."""
from datetime import date

from rest_framework import serializers

from bookings.serializers import BookedShowSerializer
from core.serializers import MAX_ID, UTCDateTimeField

AMOUNT = {"max_digits": 16, "decimal_places": 2}


class PeriodQuerySerializer(serializers.Serializer):
    """`from` and `to`, either left out; `to` before `from` is refused."""

    def get_fields(self):
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        fields = super().get_fields()
        fields["from"] = fields.pop("starts_from")
        return fields

    def validate(self, attrs):
        if "from" in attrs and "to" in attrs and attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": ["The end of the period is before its start (`from`)."]})
        return attrs


class ShowReportQuerySerializer(PeriodQuerySerializer):
    starts_from = UTCDateTimeField(required=False, help_text="Shows starting at or after this time")
    to = UTCDateTimeField(required=False, help_text="Shows starting before this time")
    movie = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="One movie's shows")


class DailyReportQuerySerializer(PeriodQuerySerializer):
    starts_from = serializers.DateField(required=False, help_text="The first day (YYYY-MM-DD, in the server's "
                                                                  "TIME_ZONE)")
    to = serializers.DateField(required=False, help_text="The last day, included")

    def validate(self, attrs):
        for name, day in attrs.items():
            if not date.min < day < date.max:
                raise serializers.ValidationError({name: ["Date out of range."]})
        return super().validate(attrs)


class TicketTypeSalesSerializer(serializers.Serializer):
    tickets = serializers.IntegerField()
    revenue = serializers.DecimalField(**AMOUNT)


class ShowSalesSerializer(serializers.Serializer):
    show = BookedShowSerializer()
    capacity = serializers.IntegerField(help_text="The seats the screen can sell")
    tickets_sold = serializers.IntegerField(help_text="The tickets of CONFIRMED bookings")
    occupancy = serializers.DecimalField(max_digits=5, decimal_places=4, help_text="tickets_sold / capacity")
    revenue = serializers.DecimalField(**AMOUNT, help_text="The sum of the prices the sold tickets were sold at")
    refunded = serializers.DecimalField(**AMOUNT, help_text="What was refunded on the show's bookings (refunds the "
                                                            "provider refused left out)")
    net = serializers.DecimalField(**AMOUNT, help_text="revenue, plus the fees kept on cancelled paid bookings "
                                                       "(each one's total_price less what was refunded of it)")
    by_ticket_type = serializers.DictField(child=TicketTypeSalesSerializer(),
                                           help_text="The sold tickets by their ticket type's code")


class DailySalesSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A day in the server's TIME_ZONE")
    bookings = serializers.IntegerField(help_text="CONFIRMED bookings confirmed that day")
    tickets_sold = serializers.IntegerField()
    revenue = serializers.DecimalField(**AMOUNT)
    refunded = serializers.DecimalField(**AMOUNT, help_text="Refunds made that day, whatever day the booking was")
    net = serializers.DecimalField(**AMOUNT, help_text="revenue, plus the fees kept on the paid bookings cancelled "
                                                       "that day")
    box_office = serializers.DecimalField(**AMOUNT, help_text="Revenue paid at the counter")
    online = serializers.DecimalField(**AMOUNT, help_text="Revenue paid online (PAYMENT_PROVIDER)")
