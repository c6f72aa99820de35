"""Memberships still waiting for acceptance become invitations.

Before invitations, inviting made the membership at once (pending until accepted) and, for
an unknown address, a user with no usable password, who then blocked that address's owner
from signing up or resetting a password. Each such membership becomes an expired invitation
(its old link no longer works; the manager resends it from the console), and a user that
existed only for it goes.
"""

from contextlib import suppress

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, migrations, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone


def pending_memberships_to_invitations(apps, schema_editor):
    Membership = apps.get_model("accounts", "Membership")
    StaffInvitation = apps.get_model("accounts", "StaffInvitation")
    User = apps.get_model("accounts", "User")
    now = timezone.now()
    pending = Membership.objects.filter(accepted_at__isnull=True).select_related("user")
    for membership in pending.iterator():
        user = membership.user
        if membership.is_active:  # a suspended one was withdrawn already
            StaffInvitation.objects.create(
                organization_id=membership.organization_id,
                email=user.email.strip().lower(),
                role=membership.role,
                invited_by_id=membership.invited_by_id,
                created_at=membership.invited_at or membership.created_at,
                expires_at=now,
            )
        membership.delete()
        placeholder = (
            user.password.startswith(UNUSABLE_PASSWORD_PREFIX)
            and user.last_login is None
            and not Membership.objects.filter(user_id=user.pk).exists()
        )
        if placeholder:
            # If something else holds on to them, keep the account rather than fail.
            with suppress(ProtectedError, RestrictedError, IntegrityError), transaction.atomic():
                User.objects.filter(pk=user.pk).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_staff_invitation"),
    ]

    operations = [
        migrations.RunPython(pending_memberships_to_invitations, migrations.RunPython.noop),
    ]
