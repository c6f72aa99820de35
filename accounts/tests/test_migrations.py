"""Data migrations of the accounts app, run against the rows they were written for."""

import importlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import api_key_hash

carry_over_drf_tokens = importlib.import_module(
    "accounts.migrations.0006_carry_over_drf_tokens"
).carry_over_drf_tokens

DRF_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"


def _drf_token_table_with(key: str, user_id: int, created: datetime) -> None:
    """authtoken_token as DRF made it, in a database from before our own tokens."""
    timestamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            f"created {timestamp} NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [key, connection.ops.adapt_datetimefield_value(created), user_id],
        )


def test_drf_tokens_carry_over_hashed_keep_working_and_leave_no_plain_key_behind(customer):
    created = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    _drf_token_table_with(DRF_KEY, customer.pk, created)
    before = timezone.now()

    carry_over_drf_tokens(apps, SimpleNamespace(connection=connection))

    token = ApiToken.objects.get()
    assert (token.user, token.name, token.created_at) == (customer, "API token", created)
    assert token.key_hash == api_key_hash(DRF_KEY)
    ttl = timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert before + ttl <= token.expires_at <= timezone.now() + ttl
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    me = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {DRF_KEY}")
    assert me.status_code == 200


def test_without_drf_tokens_the_carry_over_does_nothing(customer):
    carry_over_drf_tokens(apps, SimpleNamespace(connection=connection))

    assert not ApiToken.objects.exists()
