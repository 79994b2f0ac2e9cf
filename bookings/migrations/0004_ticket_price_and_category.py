# Tickets record the category and price they were sold at. Existing tickets were all standard seats sold
# at their booking's one price, so each gets its booking's total divided by its number of tickets.

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery


def price_existing_tickets(apps, schema_editor):
    Ticket = apps.get_model("bookings", "Ticket")
    Booking = apps.get_model("bookings", "Booking")
    total = Booking.objects.filter(pk=OuterRef("booking_id")).values("total_price")
    count = (Ticket.objects.filter(booking_id=OuterRef("booking_id")).order_by()
             .values("booking_id").annotate(n=Count("pk")).values("n"))
    Ticket.objects.update(price=Subquery(total) / Subquery(count))


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0003_holds"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="category",
            field=models.CharField(choices=[("standard", "Standard"), ("premium", "Premium"),
                                            ("accessible", "Accessible")], default="standard", max_length=10),
        ),
        migrations.AddField(
            model_name="ticket",
            name="price",
            field=models.DecimalField(decimal_places=2, max_digits=8, null=True),
        ),
        migrations.RunPython(price_existing_tickets, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ticket",
            name="price",
            field=models.DecimalField(decimal_places=2, max_digits=8),
        ),
        migrations.AddConstraint(
            model_name="ticket",
            constraint=models.CheckConstraint(condition=models.Q(price__gte=0), name="bookings_ticket_price_not_negative"),
        ),
        migrations.AddConstraint(
            model_name="ticket",
            constraint=models.CheckConstraint(condition=models.Q(category__in=("standard", "premium", "accessible")),
                                              name="bookings_ticket_category_valid"),
        ),
    ]
