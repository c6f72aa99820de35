"""Data migrations: what rows written before them become."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import InvitationStatus, Membership, StaffInvitation, User

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
