from django.db import migrations, models

# A TextField's max_length is checked by forms, serializers and services, never by the
# database, so this changes the migration state only. As a schema change, SQLite would copy
# tickets_ticket into a new table and lose the agent load triggers of 0005 on the way.
STATE = [
    migrations.AlterField(
        model_name="ticket",
        name="body",
        field=models.TextField(max_length=10000, verbose_name="description"),
    ),
    migrations.AlterField(
        model_name="ticket",
        name="result",
        field=models.TextField(blank=True, max_length=10000, verbose_name="result"),
    ),
    migrations.AlterField(
        model_name="ticketupdate",
        name="body",
        field=models.TextField(blank=True, max_length=10000, verbose_name="text"),
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_agent_load"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=STATE)]
