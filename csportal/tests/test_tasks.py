"""Celery entry points: what each does when run, and that beat names real tasks."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts.models import InvitationStatus, Presence, PresenceConnection, PresenceStatus, Role
from accounts.tasks import send_already_a_member_email, send_invitation_email, sweep_presence
from accounts.tests.factories import StaffInvitationFactory, online
from accounts.tokens import read_invitation_token
from csportal.celery import app as celery_app
from csportal.models import Event
from csportal.tasks import health, prune_events


def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()

    assert {
        name: entry["task"] in celery_app.tasks
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    } == dict.fromkeys(settings.CELERY_BEAT_SCHEDULE, True)


def test_the_health_task_answers_ok():
    assert health.apply().get() == "ok"


def test_pruning_drops_events_past_the_replay_window_in_batches(db):
    now = timezone.now()
    window = timedelta(days=settings.REALTIME_EVENT_RETENTION_DAYS)
    Event.objects.bulk_create(
        [
            *(
                Event(
                    group="org.1.staff", type="old", created_at=now - window - timedelta(minutes=n)
                )
                for n in range(1, 6)
            ),
            Event(group="org.1.staff", type="recent", created_at=now - window + timedelta(hours=1)),
        ]
    )

    deleted = prune_events(batch_size=2)

    assert deleted == 5
    assert list(Event.objects.values_list("type", flat=True)) == ["recent"]


def test_pruning_with_nothing_old_deletes_nothing(db):
    Event.objects.create(group="org.1.staff", type="recent")

    assert prune_events() == 0
    assert Event.objects.count() == 1


def test_the_invitation_email_carries_a_link_that_reads_back_the_invitation(organization, manager):
    invitation = StaffInvitationFactory(
        organization=organization,
        email="new@example.com",
        role=Role.TECHNICIAN,
        invited_by=manager,
        expires_at=timezone.now() + timedelta(days=7),
    )

    send_invitation_email(invitation.pk)

    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    assert message.subject == "You're invited to join Acme Repairs on csportal"
    assert "Maria Manager invited you to join Acme Repairs as Technician." in message.body
    assert "expires in 7 days" in message.body
    # The token carries its signing time, so read it from the email rather than remake it.
    [token] = re.findall(r"http://127\.0\.0\.1:8000/invitation/([^/\s]+)/", message.body)
    assert read_invitation_token(token) == invitation
    assert message.alternatives[0][1] == "text/html"


def test_someone_invited_to_a_staff_they_are_on_is_emailed_that_nothing_changed(
    organization, manager, agent
):
    send_already_a_member_email(agent.memberships.get().pk, manager.pk)

    [message] = mail.outbox
    assert message.to == ["alex@acme.example"]
    assert message.subject == "You're on the staff of Acme Repairs already"
    assert "It has a place on that staff already, so nothing changed." in message.body
    assert "http://127.0.0.1:8000/login/" in message.body
    assert "/invitation/" not in message.body


@pytest.mark.parametrize(
    "change",
    [
        {"status": InvitationStatus.REVOKED},
        {"status": InvitationStatus.ACCEPTED},
        {"expires_at": timezone.now()},
    ],
)
def test_an_invitation_answered_withdrawn_or_expired_before_its_email_goes_is_not_sent(
    organization, change
):
    invitation = StaffInvitationFactory(organization=organization, **change)
    deleted = StaffInvitationFactory(organization=organization)
    deleted_id = deleted.pk
    deleted.delete()

    send_invitation_email(invitation.pk)
    send_invitation_email(deleted_id)

    assert mail.outbox == []


def test_the_presence_sweep_expires_connections_nobody_renewed_and_announces_it(agent):
    online(agent)
    PresenceConnection.objects.filter(user=agent).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert sweep_presence() == 1
    assert Presence.objects.get(user=agent).status == PresenceStatus.OFFLINE
    assert not PresenceConnection.objects.exists()
