"""Opening a ticket and routing it to an agent."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import routing
from accounts.language import in_language_of
from accounts.models import Organization, User
from notifications.services import notify_after_commit

from ..attachments import validate_uploads
from ..models import (
    SUBJECT_MAX_LENGTH,
    AgentLoad,
    Attachment,
    Category,
    Channel,
    Priority,
    Ticket,
    TicketUpdate,
    UpdateKind,
)
from ..timeline import stored_text
from ._common import new_attachments, new_update, require_text
from .events import publish, staff_message
from .settings import sla_minutes

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
    subject = require_text(subject, "subject", SUBJECT_MAX_LENGTH)
    body = require_text(body, "body")
    _check_choices(organization, category, priority)
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
        latest = _write_first_entries(ticket, uploads, at=now)
        publish(ticket, latest)
        if assignee is not None:
            tell_assignee(ticket, assignee, latest)
    return ticket


def _check_choices(organization: Organization, category: Category | None, priority: str) -> None:
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a valid priority.")})
    if category is not None and category.organization_id != organization.pk:
        raise ValidationError({"category": _("Choose one of this organization's categories.")})


def _write_first_entries(ticket: Ticket, uploads: Iterable, *, at: datetime) -> TicketUpdate:
    """The new ticket's timeline (its creation, then its assignment if routed) and the
    customer's files, one insert per table; returns the latest entry."""
    created = new_update(
        ticket, UpdateKind.CREATED, author=ticket.customer, body=ticket.body, at=at
    )
    timeline = [created]
    if ticket.assignee_id is not None:
        timeline.append(assignment_update(ticket, ticket.assignee, by=None, at=at))
    TicketUpdate.objects.bulk_create(timeline)
    created.saved_attachments = Attachment.objects.bulk_create(
        new_attachments(ticket, created, uploads)
    )
    for update in timeline[1:]:
        update.saved_attachments = []
    return timeline[-1]


def assignment_update(
    ticket: Ticket, assignee: User | None, *, by: User | None, at: datetime | None = None
) -> TicketUpdate:
    data = {"assignee": assignee.pk, "name": str(assignee)} if assignee else {"assignee": None}
    return new_update(
        ticket,
        UpdateKind.ASSIGNMENT,
        author=by,
        body=stored_text(UpdateKind.ASSIGNMENT, data),
        data=data,
        at=at,
    )


def tell_assignee(ticket: Ticket, assignee: User, update: TicketUpdate) -> None:
    """Tell `assignee`, in their language, that the ticket is theirs (routing hands over the
    person with it; otherwise finding it is a query)."""
    with in_language_of(assignee):
        notify_after_commit(
            **staff_message(
                assignee,
                ticket,
                "ticket.assigned",
                _("Ticket #%(id)s is yours: %(subject)s")
                % {"id": ticket.pk, "subject": ticket.subject},
                key=f"ticket-assigned:{update.pk}",
                body=ticket.body[:300],
            )
        )
