"""A ticket's life: open, route, work, resolve, follow up, chase when overdue."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, slug_re
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import routing
from accounts.models import Organization, Role, User
from accounts.selectors import works_for
from csportal.caching import forget
from csportal.choices import label_of
from csportal.realtime import org_audience_group, publish_each, user_group
from notifications.services import notify, notify_after_commit

from . import cache as ticket_cache
from .attachments import new_token, validate_uploads
from .models import (
    DEFAULT_SLA,
    SUBJECT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TRANSITIONS,
    AgentLoad,
    Attachment,
    Category,
    Channel,
    DuePoint,
    Priority,
    Reminder,
    ReminderSettings,
    SlaPolicy,
    Status,
    Ticket,
    TicketUpdate,
    UpdateKind,
)

logger = logging.getLogger(__name__)

WORKING_ROLES = (Role.AGENT, Role.MANAGER)
# Who sees every ticket change live (receptionists read tickets and write internal notes).
TICKET_ROLES = (Role.MANAGER, Role.AGENT, Role.RECEPTIONIST)
# Their realtime group (registered in tickets.apps).
TICKET_AUDIENCE = "tickets"


# Reading the policy ----------------------------------------------------------------------


def sla_minutes(organization: Organization, priority: str) -> tuple[int, int]:
    """(first response, resolution) minutes promised for `priority`.

    Read from the cache: every new ticket needs them, and they change only through
    sla_policy_set, which drops the cached table.
    """
    table = cache.get_or_set(
        ticket_cache.sla_key(organization.pk),
        lambda: _sla_table(organization),
        ticket_cache.SETTINGS_SECONDS,
    )
    return tuple(table[priority])


def _sla_table(organization: Organization) -> dict[str, tuple[int, int]]:
    table = dict(DEFAULT_SLA)
    for policy in SlaPolicy.objects.filter(organization=organization):
        table[policy.priority] = (policy.first_response_minutes, policy.resolution_minutes)
    return table


def reminder_settings(organization: Organization) -> ReminderSettings:
    return ReminderSettings.objects.filter(organization=organization).first() or ReminderSettings(
        organization=organization
    )


def _set_due_times(ticket: Ticket, sla: tuple[int, int] | None = None) -> None:
    first_response, resolution = sla or sla_minutes(ticket.organization, ticket.priority)
    ticket.first_response_due = ticket.created_at + timedelta(minutes=first_response)
    ticket.resolution_due = (ticket.reopened_at or ticket.created_at) + timedelta(
        minutes=resolution
    )


# What others see -------------------------------------------------------------------------


def ticket_summary(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "status_label": label_of(Status, ticket.status),
        "priority": ticket.priority,
        "assignee": {"id": ticket.assignee_id, "name": str(ticket.assignee)}
        if ticket.assignee_id
        else None,
        "category": ticket.category.name if ticket.category_id else None,
        "customer": {"id": ticket.customer_id, "name": str(ticket.customer)},
        "result": ticket.result,
        "updated_at": ticket.updated_at,
        "overdue": ticket.is_overdue(),
    }


def update_payload(update: TicketUpdate) -> dict:
    return {
        "id": update.pk,
        "kind": update.kind,
        "kind_label": label_of(UpdateKind, update.kind),
        "body": update.body,
        "is_public": update.is_public,
        "author": str(update.author) if update.author_id else None,
        "created_at": update.created_at,
        "data": update.data,
        "attachments": [
            {
                "name": attachment.filename,
                "size": attachment.size,
                "url": reverse("tickets:attachment", args=[attachment.token]),
            }
            for attachment in sorted(_attachments_of(update), key=lambda a: a.pk)
        ],
    }


def _attachments_of(update: TicketUpdate) -> Iterable[Attachment]:
    # An update just recorded carries the attachments saved with it, so publishing it costs
    # no query; otherwise .all(), which a prefetched timeline answers without one.
    saved = getattr(update, "saved_attachments", None)
    return saved if saved is not None else update.attachments.all()


def _publish(ticket: Ticket, update: TicketUpdate | None = None) -> None:
    """Staff see every change; the customer only public ones, and never an internal note."""
    ticket_cache.tickets_changed(ticket.organization_id)
    publish_each(_audiences(ticket, update))


def _audiences(ticket: Ticket, update: TicketUpdate | None) -> list[tuple[str, dict, list[str]]]:
    summary = ticket_summary(ticket)
    payload = update_payload(update) if update else None
    # Not org_staff_group: technicians are staff too, and must not get internal notes.
    audiences = [
        (
            "ticket.updated",
            {"ticket": summary, "update": payload},
            [org_audience_group(ticket.organization_id, TICKET_AUDIENCE)],
        )
    ]
    if update is None or update.is_public:
        customer_summary = {k: v for k, v in summary.items() if k != "overdue"}
        audiences.append(
            (
                "ticket.updated",
                {"ticket": customer_summary, "update": payload},
                [user_group(ticket.customer_id)],
            )
        )
    return audiences


def _customer_link(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def _staff_link(ticket: Ticket) -> str:
    return reverse("tickets:staff-detail", args=[ticket.organization.slug, ticket.pk])


def _tell_customer(ticket: Ticket, update: TicketUpdate, title: str, body: str = "") -> None:
    notify_after_commit(
        recipient=ticket.customer,
        kind="ticket.updated",
        title=title,
        body=body or update.body,
        link=_customer_link(ticket),
        organization=ticket.organization,
        dedupe_key=f"ticket-update:{update.pk}",
        data={"ticket": ticket.pk, "update": update.pk},
    )


def _tell_staff(
    user: User,
    ticket: Ticket,
    kind: str,
    title: str,
    key: str,
    body: str = "",
    send=notify_after_commit,
) -> None:
    send(**_staff_message(user, ticket, kind, title, key, body))


def _staff_message(
    user: User, ticket: Ticket, kind: str, title: str, key: str, body: str = ""
) -> dict:
    return {
        "recipient": user,
        "kind": kind,
        "title": title,
        "body": body,
        "link": _staff_link(ticket),
        "organization": ticket.organization,
        "dedupe_key": key,
        "data": {"ticket": ticket.pk},
    }


# Writing the timeline --------------------------------------------------------------------


def _new_update(
    ticket: Ticket,
    kind: str,
    *,
    author: User | None,
    body: str = "",
    is_public: bool = True,
    data: dict | None = None,
    at: datetime | None = None,
) -> TicketUpdate:
    return TicketUpdate(
        ticket=ticket,
        kind=kind,
        author=author,
        body=body,
        is_public=is_public,
        data=data or {},
        created_at=at or timezone.now(),
    )


def _attach(ticket: Ticket, update: TicketUpdate, files: Iterable) -> None:
    update.saved_attachments = _new_attachments(ticket, update, files)
    for attachment in update.saved_attachments:
        attachment.save()


def _new_attachments(ticket: Ticket, update: TicketUpdate, files: Iterable) -> list[Attachment]:
    """Attachment rows for validated uploads, not saved yet (the file is stored when the row
    is written)."""
    return [
        Attachment(
            ticket=ticket,
            update=update,
            token=new_token(),
            file=upload,
            filename=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            is_public=update.is_public,
            uploaded_by=update.author,
        )
        for upload, content_type in files
    ]


def _record(
    ticket: Ticket,
    kind: str,
    *,
    author: User | None,
    body: str = "",
    is_public: bool = True,
    data: dict | None = None,
    files: Iterable = (),
) -> TicketUpdate:
    update = _new_update(ticket, kind, author=author, body=body, is_public=is_public, data=data)
    update.save()
    _attach(ticket, update, files)
    ticket.updated_at = update.created_at
    return update


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.save(update_fields=[*fields, "updated_at"])


def _require_staff(ticket: Ticket, user: User, roles=WORKING_ROLES) -> None:
    if not works_for(user, ticket.organization_id, roles):
        raise ValidationError(_("Only the organization's agents can do this."))


def _require_text(text: str, field: str, max_length: int = TEXT_MAX_LENGTH) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("This field may not be blank.")})
    try:
        MaxLengthValidator(max_length)(text)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    return text


# Opening and routing ---------------------------------------------------------------------


# Routing's measure of an agent's load: their open tickets at the organization, as the
# database keeps them in AgentLoad.
OPEN_LOAD = routing.Load(model=AgentLoad, count="open_tickets", person="agent")


def agent_load_recount() -> list[tuple[int, int, int, int]]:
    """Count every agent's open tickets afresh and mend the AgentLoad rows that differ.

    Returns (organization id, agent id, stored, counted) for each row that was wrong. The
    triggers keep the rows right; this checks them, and mends them should the triggers ever
    be bypassed (disabled for a bulk load, say). Writers wait while it counts.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(Ticket._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        counted = {
            (row["organization_id"], row["assignee_id"]): row["n"]
            for row in Ticket.objects.open()
            .filter(assignee__isnull=False)
            .values("organization_id", "assignee_id")
            .annotate(n=Count("id"))
            .order_by()
        }
        stored = {
            (load.organization_id, load.agent_id): load.open_tickets
            for load in AgentLoad.objects.all()
        }
        wrong = []
        for key in sorted(counted.keys() | stored.keys()):
            was, now = stored.get(key, 0), counted.get(key, 0)
            if was != now:
                AgentLoad.objects.update_or_create(
                    organization_id=key[0], agent_id=key[1], defaults={"open_tickets": now}
                )
                wrong.append((*key, was, now))
        return wrong


def ticket_open(
    *,
    organization: Organization,
    customer: User,
    subject: str,
    body: str,
    category: Category | None = None,
    priority: str = Priority.NORMAL,
    channel: str = Channel.WEB,
    files: Iterable = (),
    sla: tuple[int, int] | None = None,
) -> Ticket:
    """Open a ticket for `customer` and route it.

    It goes to the customer's dedicated agent when online, else the online agent with the
    category's skill and the fewest open tickets, else the organization's queue. The ticket,
    its first timeline entries and files, their events and the assignee's pending message
    are written in one transaction; the customer, the organization's staff and the assignee
    are told after commit. `sla`: the organization's (first response, resolution) minutes
    for `priority`, when the caller read them already (the API reads them with the category).
    """
    subject = _require_text(subject, "subject", SUBJECT_MAX_LENGTH)
    body = _require_text(body, "body")
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a valid priority.")})
    if category is not None and category.organization_id != organization.pk:
        raise ValidationError({"category": _("Choose one of this organization's categories.")})
    uploads = validate_uploads(files)
    # Routed before anything is written, so the ticket is written once, already assigned.
    assignee = routing.pick_agent(
        organization=organization,
        customer=customer,
        skill=category.skill if category and category.skill else None,
        load=OPEN_LOAD,
    )
    first_response, resolution = sla or sla_minutes(organization, priority)
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            organization=organization,
            customer=customer,
            subject=subject,
            body=body,
            category=category,
            priority=priority,
            channel=channel,
            assignee=assignee,
            created_at=now,
            updated_at=now,
            first_response_due=now + timedelta(minutes=first_response),
            resolution_due=now + timedelta(minutes=resolution),
        )
        created = _new_update(ticket, UpdateKind.CREATED, author=customer, body=body, at=now)
        timeline = [created]
        if assignee is not None:
            timeline.append(_assignment_update(ticket, assignee, by=None, at=now))
        TicketUpdate.objects.bulk_create(timeline)
        created.saved_attachments = Attachment.objects.bulk_create(
            _new_attachments(ticket, created, uploads)
        )
        for update in timeline[1:]:
            update.saved_attachments = []
        _publish(ticket, timeline[-1])
        if assignee is not None:
            _tell_assignee(ticket, timeline[-1])
    return ticket


def _assignment_update(
    ticket: Ticket, assignee: User | None, *, by: User | None, at: datetime | None = None
) -> TicketUpdate:
    body = (
        _("Assigned to %(name)s.") % {"name": assignee} if assignee else _("Returned to the queue.")
    )
    return _new_update(
        ticket,
        UpdateKind.ASSIGNMENT,
        author=by,
        body=body,
        data={"assignee": assignee.pk if assignee else None},
        at=at,
    )


def _tell_assignee(ticket: Ticket, update: TicketUpdate) -> None:
    notify_after_commit(**_assignee_message(ticket, update))


def _assignee_message(ticket: Ticket, update: TicketUpdate) -> dict:
    return _staff_message(
        ticket.assignee,
        ticket,
        "ticket.assigned",
        _("Ticket #%(id)s is yours: %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
        key=f"ticket-assigned:{update.pk}",
        body=ticket.body[:300],
    )


def _assign(ticket: Ticket, assignee: User | None, *, by: User | None) -> TicketUpdate:
    ticket.assignee = assignee
    update = _assignment_update(ticket, assignee, by=by)
    update.save()
    update.saved_attachments = []
    ticket.updated_at = update.created_at
    _save(ticket, "assignee")
    _publish(ticket, update)
    if assignee is not None and assignee != by:
        _tell_assignee(ticket, update)
    return update


def ticket_assign(*, ticket: Ticket, assignee: User | None, by: User) -> Ticket:
    """Give the ticket to an agent or manager of its organization, or back to the queue (None)."""
    _require_staff(ticket, by)
    if assignee is not None and not works_for(assignee, ticket.organization_id, WORKING_ROLES):
        raise ValidationError({"assignee": _("Choose an agent of this organization.")})
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("organization", "customer")
            .get(pk=ticket.pk)
        )
        if ticket.assignee_id == (assignee.pk if assignee else None):
            return ticket
        _assign(ticket, assignee, by=by)
    return ticket


def ticket_take(*, ticket: Ticket, agent: User) -> Ticket:
    return ticket_assign(ticket=ticket, assignee=agent, by=agent)


# Working it ------------------------------------------------------------------------------


def ticket_add_progress(
    *, ticket: Ticket, author: User, body: str, files: Iterable = ()
) -> TicketUpdate:
    """A public note to the customer; the first one is the first response."""
    _require_staff(ticket, author)
    body = _require_text(body, "body")
    uploads = validate_uploads(files)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("organization", "customer")
            .get(pk=ticket.pk)
        )
        update = _record(ticket, UpdateKind.PROGRESS, author=author, body=body, files=uploads)
        fields = []
        if ticket.first_responded_at is None:
            ticket.first_responded_at = update.created_at
            fields.append("first_responded_at")
        if ticket.status == Status.NEW:
            ticket.status = Status.OPEN
            fields.append("status")
        _save(ticket, *fields)
        _publish(ticket, update)
        _tell_customer(
            ticket,
            update,
            _("News on #%(id)s: %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
        )
    return update


def ticket_add_internal_note(
    *, ticket: Ticket, author: User, body: str, files: Iterable = ()
) -> TicketUpdate:
    """A note for colleagues only: never shown, sent or published to the customer."""
    _require_staff(ticket, author, roles=(Role.AGENT, Role.MANAGER, Role.RECEPTIONIST))
    body = _require_text(body, "body")
    uploads = validate_uploads(files)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("organization", "customer")
            .get(pk=ticket.pk)
        )
        update = _record(
            ticket, UpdateKind.INTERNAL, author=author, body=body, is_public=False, files=uploads
        )
        _save(ticket)
        _publish(ticket, update)
    return update


def _reopen(ticket: Ticket, now: datetime) -> None:
    ticket.status = Status.OPEN
    ticket.reopen_count += 1
    ticket.reopened_at = now
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.escalated_at = None
    _set_due_times(ticket)


def ticket_change_status(*, ticket: Ticket, status: str, by: User) -> Ticket:
    """Move along the transition map. Resolving takes a result: use ticket_resolve."""
    _require_staff(ticket, by)
    if status not in Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    if status == Status.RESOLVED:
        raise ValidationError({"status": _("Give the result to resolve the ticket.")})
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("organization", "customer")
            .get(pk=ticket.pk)
        )
        if status == ticket.status:
            return ticket
        if status not in TRANSITIONS[ticket.status]:
            raise ValidationError(
                {
                    "status": _("A %(old)s ticket can't become %(new)s.")
                    % {"old": ticket.get_status_display(), "new": Status(status).label}
                }
            )
        before = ticket.status
        now = timezone.now()
        if status == Status.OPEN and before in (Status.RESOLVED, Status.CLOSED):
            _reopen(ticket, now)
        else:
            ticket.status = status
            if status == Status.CLOSED:
                ticket.closed_at = now
        update = _record(
            ticket,
            UpdateKind.STATUS,
            author=by,
            body=_("Status: %(status)s.") % {"status": ticket.get_status_display()},
            data={"from": before, "to": status},
        )
        ticket.save()
        _publish(ticket, update)
        _tell_customer(
            ticket,
            update,
            _("#%(id)s is now %(status)s")
            % {"id": ticket.pk, "status": ticket.get_status_display().lower()},
        )
    return ticket


def ticket_change_priority(*, ticket: Ticket, priority: str, by: User) -> Ticket:
    """Set the priority; the due times follow the policy for it."""
    _require_staff(ticket, by)
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a valid priority.")})
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("organization", "customer")
            .get(pk=ticket.pk)
        )
        if ticket.priority == priority:
            return ticket
        before = ticket.priority
        ticket.priority = priority
        _set_due_times(ticket)
        update = _record(
            ticket,
            UpdateKind.PRIORITY,
            author=by,
            body=_("Priority: %(priority)s.") % {"priority": ticket.get_priority_display()},
            is_public=False,
            data={"from": before, "to": priority},
        )
        _save(ticket, "priority", "first_response_due", "resolution_due")
        _publish(ticket, update)
    return ticket


def ticket_resolve(*, ticket: Ticket, result: str, by: User) -> Ticket:
    """Record the result and resolve; the customer gets it at once and may follow up."""
    _require_staff(ticket, by)
    result = _require_text(result, "result")
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("organization", "customer")
            .get(pk=ticket.pk)
        )
        if ticket.status not in TRANSITIONS or Status.RESOLVED not in TRANSITIONS[ticket.status]:
            raise ValidationError({"status": _("This ticket is already resolved or closed.")})
        now = timezone.now()
        ticket.status = Status.RESOLVED
        ticket.result = result
        ticket.resolved_at = now
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
        update = _record(ticket, UpdateKind.RESULT, author=by, body=result)
        ticket.save()
        _publish(ticket, update)
        _tell_customer(
            ticket,
            update,
            _("Result for #%(id)s: %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
        )
    return ticket


# The customer's side ---------------------------------------------------------------------


def ticket_follow_up(
    *, ticket: Ticket, customer: User, body: str, files: Iterable = ()
) -> TicketUpdate:
    """The customer writes again. Not satisfied with a result: the ticket reopens and goes
    back to the same agent (or is routed again if it had none)."""
    if ticket.customer_id != customer.pk:
        raise ValidationError(_("Only the customer who opened the ticket can follow it up."))
    body = _require_text(body, "body")
    uploads = validate_uploads(files)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("organization", "customer")
            .get(pk=ticket.pk)
        )
        reopened = ticket.status in (Status.RESOLVED, Status.CLOSED)
        if reopened:
            _reopen(ticket, timezone.now())
        elif ticket.status == Status.PENDING:
            ticket.status = Status.OPEN
        update = _record(
            ticket,
            UpdateKind.FOLLOW_UP,
            author=customer,
            body=body,
            data={"reopened": reopened},
            files=uploads,
        )
        ticket.save()
        if ticket.assignee_id is None:
            assignee = routing.pick_agent(
                organization=ticket.organization,
                customer=customer,
                skill=ticket.category.skill
                if ticket.category_id and ticket.category.skill
                else None,
                load=OPEN_LOAD,
            )
            if assignee is not None:
                _assign(ticket, assignee, by=None)
        _publish(ticket, update)
        if ticket.assignee_id:
            title = (
                _("#%(id)s reopened: the customer is not satisfied")
                if reopened
                else _("The customer wrote on #%(id)s")
            ) % {"id": ticket.pk}
            _tell_staff(
                ticket.assignee,
                ticket,
                "ticket.follow_up",
                title,
                key=f"ticket-follow-up:{update.pk}",
                body=body[:300],
            )
    return update


def ticket_request_status(*, ticket: Ticket, customer: User) -> TicketUpdate:
    """The customer asks where things stand: the current status and the latest progress note
    are pushed to them at once, and the assignee is nudged."""
    if ticket.customer_id != customer.pk:
        raise ValidationError(_("Only the customer who opened the ticket can ask about it."))
    with transaction.atomic():
        ticket = (
            # of=self: PostgreSQL can't lock the nullable side of the assignee outer join.
            Ticket.objects.select_for_update(of=("self",))
            .select_related("organization", "customer", "assignee")
            .get(pk=ticket.pk)
        )
        latest_note = (
            ticket.updates.filter(kind=UpdateKind.PROGRESS, is_public=True)
            .order_by("-id")
            .values_list("body", flat=True)
            .first()
        )
        status_text = _("Status: %(status)s.") % {"status": ticket.get_status_display()}
        update = _record(
            ticket,
            UpdateKind.STATUS_REQUEST,
            author=customer,
            body=status_text,
            data={"status": ticket.status, "latest_note": latest_note or ""},
        )
        _save(ticket)
        _publish(ticket, update)
        _tell_customer(
            ticket,
            update,
            _("#%(id)s: %(status)s") % {"id": ticket.pk, "status": ticket.get_status_display()},
            body="\n".join(part for part in (status_text, latest_note or "") if part),
        )
        if ticket.assignee_id:
            _tell_staff(
                ticket.assignee,
                ticket,
                "ticket.follow_up",
                _("The customer asks for news on #%(id)s") % {"id": ticket.pk},
                key=f"ticket-status-request:{update.pk}",
            )
    return update


# Chasing overdue tickets -----------------------------------------------------------------


def _due_sequence(due: datetime, now: datetime, interval: timedelta) -> int:
    """Which reminder is due now: 1 at the due time, 2 one interval later, and so on."""
    return int((now - due) / interval) + 1


def _managers(organization_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organization_id=organization_id,
            memberships__role=Role.MANAGER,
            memberships__is_active=True,
            is_active=True,
        )
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
            label = DuePoint(due_point).label
            update = _record(
                ticket,
                UpdateKind.REMINDER,
                author=None,
                body=_("%(point)s overdue since %(due)s (reminder %(n)d).")
                % {
                    "point": label,
                    "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                    "n": sequence,
                },
                is_public=False,
                data={"due_point": due_point, "sequence": sequence},
            )
            _save(ticket)
            _publish(ticket, update)
            recipients = (
                [ticket.assignee] if ticket.assignee_id else _managers(ticket.organization_id)
            )
            for person in recipients:
                _tell_staff(
                    person,
                    ticket,
                    "ticket.reminder",
                    _("#%(id)s is overdue: %(subject)s")
                    % {"id": ticket.pk, "subject": ticket.subject},
                    key=f"ticket-reminder:{reminder.pk}:{person.pk}",
                    body=update.body,
                    # The sweep runs in a worker already: nobody waits, so no second hop.
                    send=notify,
                )
            if sequence > settings_.escalate_after:
                _escalate(ticket, now)
    except IntegrityError:
        return False
    return True


def _escalate(ticket: Ticket, now: datetime) -> None:
    claimed = Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(
        escalated_at=now
    )
    if not claimed:
        return
    ticket.escalated_at = now
    update = _record(
        ticket,
        UpdateKind.ESCALATION,
        author=None,
        body=_("Escalated to the managers."),
        is_public=False,
    )
    _save(ticket)
    _publish(ticket, update)
    for manager in _managers(ticket.organization_id):
        _tell_staff(
            manager,
            ticket,
            "ticket.escalated",
            _("Escalated: #%(id)s %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
            key=f"ticket-escalated:{update.pk}:{manager.pk}",
            send=notify,
        )


def tickets_send_reminders(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Remind about every overdue open ticket whose next reminder is due; escalate after N.

    Safe under any number of concurrent runs: each reminder is a unique row.
    """
    now = now or timezone.now()
    sent = 0
    settings_by_org: dict[int, ReminderSettings] = {}
    overdue = (
        Ticket.objects.overdue(now)
        .select_related("organization", "customer", "assignee")
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


# Policy ----------------------------------------------------------------------------------


def _require_minutes(value, field: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(
            {field: _("Enter a whole number of at least %(minimum)d.") % {"minimum": minimum}}
        )
    return value


def sla_policy_set(
    *,
    organization: Organization,
    priority: str,
    first_response_minutes: int,
    resolution_minutes: int,
) -> SlaPolicy:
    """Promise times for one priority. Tickets opened or re-prioritised from now on use them;
    the due times of tickets already open stay as they were promised."""
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a valid priority.")})
    _require_minutes(first_response_minutes, "first_response_minutes")
    _require_minutes(resolution_minutes, "resolution_minutes")
    if resolution_minutes < first_response_minutes:
        raise ValidationError(
            {"resolution_minutes": _("The resolution can't be due before the first response.")}
        )
    policy, _created = SlaPolicy.objects.update_or_create(
        organization=organization,
        priority=priority,
        defaults={
            "first_response_minutes": first_response_minutes,
            "resolution_minutes": resolution_minutes,
        },
    )
    forget(ticket_cache.sla_key(organization.pk))
    return policy


def reminder_settings_set(
    *, organization: Organization, interval_minutes: int, escalate_after: int
) -> ReminderSettings:
    """How often overdue tickets are chased, and after how many reminders managers are told;
    0 tells them with the first one."""
    _require_minutes(interval_minutes, "interval_minutes")
    _require_minutes(escalate_after, "escalate_after", minimum=0)
    settings_, _created = ReminderSettings.objects.update_or_create(
        organization=organization,
        defaults={"interval_minutes": interval_minutes, "escalate_after": escalate_after},
    )
    return settings_


def category_create(*, organization: Organization, name: str, skill: str = "") -> Category:
    """A new ticket category; agents with `skill` (a slug) get its tickets first."""
    name = _require_text(name, "name")[:100]
    skill = (skill or "").strip()
    if skill and not slug_re.fullmatch(skill):
        raise ValidationError({"skill": _("Use only letters, numbers, hyphens and underscores.")})
    taken = ValidationError({"name": _("There is already a category with this name.")})
    if Category.objects.filter(organization=organization, name__iexact=name).exists():
        raise taken
    try:
        with transaction.atomic():
            category = Category.objects.create(organization=organization, name=name, skill=skill)
    except IntegrityError:
        # Two managers adding the same name at once: the constraint decides.
        raise taken from None
    forget(ticket_cache.categories_key(organization.pk))
    return category
