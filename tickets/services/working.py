"""Staff working a ticket: who has it, notes, status, priority and the result."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.language import in_language_of
from accounts.models import Role, User
from accounts.selectors import works_for
from csportal.choices import label_of

from ..attachments import validate_uploads
from ..models import TRANSITIONS, Priority, Status, Ticket, TicketUpdate, UpdateKind
from ..timeline import stored_text
from ._common import WORKING_ROLES, locked, record, require_staff, require_text, save_fields
from .events import publish, tell_customer
from .opening import assignment_update, tell_assignee
from .settings import set_due_times

# Who has it ------------------------------------------------------------------------------


def assign(ticket: Ticket, assignee: User | None, *, by: User | None) -> TicketUpdate:
    """Give the locked `ticket` to `assignee` (None: the queue), and tell them unless they
    took it themselves."""
    ticket.assignee = assignee
    update = assignment_update(ticket, assignee, by=by)
    update.save()
    update.saved_attachments = []
    ticket.updated_at = update.created_at
    save_fields(ticket, "assignee")
    publish(ticket, update)
    if assignee is not None and assignee != by:
        tell_assignee(ticket, assignee, update)
    return update


def ticket_assign(*, ticket: Ticket, assignee: User | None, by: User) -> Ticket:
    """Give the ticket to an agent or manager of its organization, or back to the queue (None)."""
    require_staff(ticket, by)
    if assignee is not None and not works_for(assignee, ticket.organization_id, WORKING_ROLES):
        raise ValidationError({"assignee": _("Choose an agent of this organization.")})
    with transaction.atomic():
        ticket = locked(ticket)
        if ticket.assignee_id == (assignee.pk if assignee else None):
            return ticket
        assign(ticket, assignee, by=by)
    return ticket


def ticket_take(*, ticket: Ticket, agent: User) -> Ticket:
    return ticket_assign(ticket=ticket, assignee=agent, by=agent)


# Notes -----------------------------------------------------------------------------------


def ticket_add_progress(
    *, ticket: Ticket, author: User, body: str, files: Iterable = ()
) -> TicketUpdate:
    """A public note to the customer; the first one is the first response."""
    require_staff(ticket, author)
    body = require_text(body, "body")
    uploads = validate_uploads(files)
    with transaction.atomic():
        ticket = locked(ticket)
        update = record(ticket, UpdateKind.PROGRESS, author=author, body=body, files=uploads)
        fields = []
        if ticket.first_responded_at is None:
            ticket.first_responded_at = update.created_at
            fields.append("first_responded_at")
        if ticket.status == Status.NEW:
            ticket.status = Status.OPEN
            fields.append("status")
        save_fields(ticket, *fields)
        publish(ticket, update)
        with in_language_of(ticket.customer):
            tell_customer(
                ticket,
                update,
                _("News on #%(id)s: %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
            )
    return update


def ticket_add_internal_note(
    *, ticket: Ticket, author: User, body: str, files: Iterable = ()
) -> TicketUpdate:
    """A note for colleagues only: never shown, sent or published to the customer."""
    require_staff(ticket, author, roles=(Role.AGENT, Role.MANAGER, Role.RECEPTIONIST))
    body = require_text(body, "body")
    uploads = validate_uploads(files)
    with transaction.atomic():
        ticket = locked(ticket)
        update = record(
            ticket, UpdateKind.INTERNAL, author=author, body=body, is_public=False, files=uploads
        )
        save_fields(ticket)
        publish(ticket, update)
    return update


# Status, priority, result ----------------------------------------------------------------


def reopen(ticket: Ticket, now: datetime) -> None:
    """Open a resolved or closed ticket again: a new cycle, with due times counted from now."""
    ticket.status = Status.OPEN
    ticket.reopen_count += 1
    ticket.reopened_at = now
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.escalated_at = None
    set_due_times(ticket)


def ticket_change_status(*, ticket: Ticket, status: str, by: User) -> Ticket:
    """Move along the transition map. Resolving takes a result: use ticket_resolve."""
    require_staff(ticket, by)
    if status not in Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    if status == Status.RESOLVED:
        raise ValidationError({"status": _("Give the result to resolve the ticket.")})
    with transaction.atomic():
        ticket = locked(ticket)
        if status == ticket.status:
            return ticket
        _check_transition(ticket, status)
        before = ticket.status
        now = timezone.now()
        if status == Status.OPEN and before in (Status.RESOLVED, Status.CLOSED):
            reopen(ticket, now)
        else:
            ticket.status = status
            if status == Status.CLOSED:
                ticket.closed_at = now
        data = {"from": before, "to": status}
        update = record(
            ticket,
            UpdateKind.STATUS,
            author=by,
            body=stored_text(UpdateKind.STATUS, data),
            data=data,
        )
        ticket.save()
        publish(ticket, update)
        with in_language_of(ticket.customer):
            tell_customer(
                ticket,
                update,
                _("#%(id)s is now %(status)s")
                % {"id": ticket.pk, "status": label_of(Status, status).lower()},
            )
    return ticket


def _check_transition(ticket: Ticket, status: str) -> None:
    if status not in TRANSITIONS[ticket.status]:
        raise ValidationError(
            {
                "status": _("A %(old)s ticket can't become %(new)s.")
                % {"old": ticket.get_status_display(), "new": Status(status).label}
            }
        )


def ticket_change_priority(*, ticket: Ticket, priority: str, by: User) -> Ticket:
    """Set the priority; the due times follow the policy for it."""
    require_staff(ticket, by)
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a valid priority.")})
    with transaction.atomic():
        ticket = locked(ticket)
        if ticket.priority == priority:
            return ticket
        data = {"from": ticket.priority, "to": priority}
        ticket.priority = priority
        set_due_times(ticket)
        update = record(
            ticket,
            UpdateKind.PRIORITY,
            author=by,
            body=stored_text(UpdateKind.PRIORITY, data),
            is_public=False,
            data=data,
        )
        save_fields(ticket, "priority", "first_response_due", "resolution_due")
        publish(ticket, update)
    return ticket


def ticket_resolve(*, ticket: Ticket, result: str, by: User) -> Ticket:
    """Record the result and resolve; the customer gets it at once and may follow up."""
    require_staff(ticket, by)
    result = require_text(result, "result")
    with transaction.atomic():
        ticket = locked(ticket)
        if ticket.status not in TRANSITIONS or Status.RESOLVED not in TRANSITIONS[ticket.status]:
            raise ValidationError({"status": _("This ticket is already resolved or closed.")})
        now = timezone.now()
        ticket.status = Status.RESOLVED
        ticket.result = result
        ticket.resolved_at = now
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
        update = record(ticket, UpdateKind.RESULT, author=by, body=result)
        ticket.save()
        publish(ticket, update)
        with in_language_of(ticket.customer):
            tell_customer(
                ticket,
                update,
                _("Result for #%(id)s: %(subject)s") % {"id": ticket.pk, "subject": ticket.subject},
            )
    return ticket
