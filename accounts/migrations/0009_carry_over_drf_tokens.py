"""Carry DRF's tokens over to ApiToken, keeping only the hash of each key.

Integrations keep working with the key they hold, until API_TOKEN_TTL_DAYS after this
migration or the person's next password change. The old rows are then deleted: DRF kept
the keys in plain text. `rest_framework.authtoken` is no longer installed, so its table
(present only in databases made before this) is read through the cursor.
"""

from datetime import UTC, timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from accounts.tokens import api_key_hash


def carry_over_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="API token",
            key_hash=api_key_hash(key),
            # SQLite hands back naive datetimes; Django stored them in UTC.
            created_at=created if timezone.is_aware(created) else created.replace(tzinfo=UTC),
            expires_at=expires_at,
        )
        for key, user_id, created in rows
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_api_token"),
    ]

    operations = [
        migrations.RunPython(carry_over_drf_tokens, migrations.RunPython.noop),
    ]
