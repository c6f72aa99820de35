"""Chasing overdue tickets: a reminder per due point and interval, managers told after N."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.language import in_language_of
from accounts.models import Role, User
from notifications.services import notify

from ..models import DuePoint, Reminder, ReminderSettings, Ticket, UpdateKind
from ..timeline import entry_text, stored_text
from ._common import record, save_fields
from .events import publish, tell_staff
from .settings import reminder_settings


def tickets_send_reminders(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Remind about every overdue open ticket whose next reminder is due; escalate after N.

    Safe under any number of concurrent runs: each reminder is a unique row.
    """
    now = now or timezone.now()
    sent = 0
    settings_by_org: dict[int, ReminderSettings] = {}
    overdue = (
        Ticket.objects.overdue(now)
        .select_related("organization", "customer", "assignee__customer_profile")
        .order_by("id")
    )
    last_id = 0
    while True:
        batch = list(overdue.filter(id__gt=last_id)[:batch_size])
        if not batch:
            return sent
        for ticket in batch:
            settings_ = settings_by_org.setdefault(
                ticket.organization_id, reminder_settings(ticket.organization)
            )
            if (
                ticket.first_responded_at is None
                and ticket.first_response_due
                and ticket.first_response_due <= now
            ):
                sent += _remind(
                    ticket, DuePoint.FIRST_RESPONSE, ticket.first_response_due, now, settings_
                )
            if ticket.resolution_due and ticket.resolution_due <= now:
                sent += _remind(ticket, DuePoint.RESOLUTION, ticket.resolution_due, now, settings_)
        last_id = batch[-1].pk


def _due_sequence(due: datetime, now: datetime, interval: timedelta) -> int:
    """Which reminder is due now: 1 at the due time, 2 one interval later, and so on."""
    return int((now - due) / interval) + 1


def _managers(organization_id: int) -> list[User]:
    """With their profiles: each is written to in their language."""
    return list(
        User.objects.filter(
            memberships__organization_id=organization_id,
            memberships__role=Role.MANAGER,
            memberships__is_active=True,
            is_active=True,
        ).select_related("customer_profile")
    )


def _remind(
    ticket: Ticket, due_point: str, due: datetime, now: datetime, settings_: ReminderSettings
) -> bool:
    interval = timedelta(minutes=max(settings_.interval_minutes, 1))
    sequence = _due_sequence(due, now, interval)
    key = {
        "ticket": ticket,
        "due_point": due_point,
        "cycle": ticket.reopen_count,
        "sequence": sequence,
    }
    if Reminder.objects.filter(**key).exists():
        return False
    try:
        with transaction.atomic():
            # The unique constraint makes this the one place a reminder is decided: a second
            # worker, a second beat or a rerun loses here and sends nothing.
            reminder = Reminder.objects.create(**key)
            _send_reminder(ticket, reminder, due)
            if sequence > settings_.escalate_after:
                _escalate(ticket, now)
    except IntegrityError:
        return False
    return True


def _send_reminder(ticket: Ticket, reminder: Reminder, due: datetime) -> None:
    """On the staff's timeline, and to the assignee, or the managers when nobody has it."""
    data = {
        "due_point": reminder.due_point,
        "sequence": reminder.sequence,
        "due": due.isoformat(),
    }
    update = record(
        ticket,
        UpdateKind.REMINDER,
        author=None,
        body=stored_text(UpdateKind.REMINDER, data, zone=ticket.organization.timezone),
        is_public=False,
        data=data,
    )
    save_fields(ticket)
    publish(ticket, update)
    recipients = [ticket.assignee] if ticket.assignee else _managers(ticket.organization_id)
    for person in recipients:
        with in_language_of(person):
            tell_staff(
                person,
                ticket,
                "ticket.reminder",
                _("#%(id)s is overdue: %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
                key=f"ticket-reminder:{reminder.pk}:{person.pk}",
                body=entry_text(update, zone=person.timezone or ticket.organization.timezone),
                # The sweep runs in a worker already: nobody waits, so no second hop.
                send=notify,
            )


def _escalate(ticket: Ticket, now: datetime) -> None:
    claimed = Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(
        escalated_at=now
    )
    if not claimed:
        return
    ticket.escalated_at = now
    update = record(
        ticket,
        UpdateKind.ESCALATION,
        author=None,
        body=stored_text(UpdateKind.ESCALATION, {}),
        is_public=False,
    )
    save_fields(ticket)
    publish(ticket, update)
    for manager in _managers(ticket.organization_id):
        with in_language_of(manager):
            tell_staff(
                manager,
                ticket,
                "ticket.escalated",
                _("Escalated: #%(id)s %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
                key=f"ticket-escalated:{update.pk}:{manager.pk}",
                send=notify,
            )
