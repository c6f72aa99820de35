"""Data migrations of the accounts app, run against the rows they were written for."""

import importlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, InvitationStatus, Membership, StaffInvitation, User
from accounts.tokens import api_key_hash

carry_over_drf_tokens = importlib.import_module(
    "accounts.migrations.0009_carry_over_drf_tokens"
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


BEFORE_INVITATIONS = [("accounts", "0005_staff_invitation")]
AFTER_INVITATIONS = [("accounts", "0006_pending_memberships_to_invitations")]


@pytest.fixture
def executor(transactional_db):
    """Migrations run back and forth; the database is left migrated to the latest, as the
    tests after this one expect."""
    executor = MigrationExecutor(connection)
    yield executor
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_pending_memberships_become_expired_invitations_and_their_placeholder_users_go(executor):
    executor.migrate(BEFORE_INVITATIONS)
    old = executor.loader.project_state(BEFORE_INVITATIONS).apps
    OldUser = old.get_model("accounts", "User")
    OldMembership = old.get_model("accounts", "Membership")
    organization = old.get_model("accounts", "Organization").objects.create(
        name="Acme Repairs", slug="acme"
    )
    invited_at = timezone.now() - timedelta(days=2)

    def member(email, password, *, accepted=False, is_active=True, invited_by=None):
        user = OldUser.objects.create(email=email, password=password)
        OldMembership.objects.create(
            user=user,
            organization=organization,
            role="agent",
            is_active=is_active,
            invited_by=invited_by,
            invited_at=invited_at,
            accepted_at=timezone.now() if accepted else None,
        )
        return user

    manager = member("maria@acme.example", "md5$usable", accepted=True)
    member("placeholder@example.com", "!unusable", invited_by=manager)
    member("withdrawn@example.com", "!unusable", is_active=False, invited_by=manager)
    member("customer@example.com", "md5$usable", invited_by=manager)

    executor.loader.build_graph()
    executor.migrate(AFTER_INVITATIONS)

    assert sorted(User.objects.values_list("email", flat=True)) == [
        "customer@example.com",
        "maria@acme.example",
    ]
    assert list(Membership.objects.values_list("user__email", flat=True)) == ["maria@acme.example"]
    invitations = StaffInvitation.objects.order_by("email")
    assert [(i.email, i.role, i.status, i.invited_by.email, i.created_at) for i in invitations] == [
        (
            "customer@example.com",
            "agent",
            InvitationStatus.PENDING,
            "maria@acme.example",
            invited_at,
        ),
        (
            "placeholder@example.com",
            "agent",
            InvitationStatus.PENDING,
            "maria@acme.example",
            invited_at,
        ),
    ]
    assert all(i.is_expired(timezone.now()) for i in invitations)
