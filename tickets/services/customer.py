"""The customer's side: writing again, which reopens a resolved ticket, and asking for news."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import routing
from accounts.language import in_language_of
from accounts.models import User

from ..attachments import validate_uploads
from ..models import Status, Ticket, TicketUpdate, UpdateKind
from ..timeline import entry_text, stored_text
from ._common import locked, record, require_text, save_fields
from .events import publish, tell_customer, tell_staff
from .opening import OPEN_LOAD
from .working import assign, reopen


def ticket_follow_up(
    *, ticket: Ticket, customer: User, body: str, files: Iterable = ()
) -> TicketUpdate:
    """The customer writes again. Not satisfied with a result: the ticket reopens and goes
    back to the same agent (or is routed again if it had none)."""
    if ticket.customer_id != customer.pk:
        raise ValidationError(_("Only the customer who opened the ticket can follow it up."))
    body = require_text(body, "body")
    uploads = validate_uploads(files)
    with transaction.atomic():
        ticket = locked(ticket)
        reopened = ticket.status in (Status.RESOLVED, Status.CLOSED)
        if reopened:
            reopen(ticket, timezone.now())
        elif ticket.status == Status.PENDING:
            ticket.status = Status.OPEN
        update = record(
            ticket,
            UpdateKind.FOLLOW_UP,
            author=customer,
            body=body,
            data={"reopened": reopened},
            files=uploads,
        )
        ticket.save()
        if ticket.assignee_id is None:
            _route_again(ticket, customer)
        publish(ticket, update)
        if ticket.assignee is not None:
            _tell_assignee_of_follow_up(ticket, ticket.assignee, update, reopened=reopened)
    return update


def _route_again(ticket: Ticket, customer: User) -> None:
    assignee = routing.pick_agent(
        organization=ticket.organization,
        customer=customer,
        skill=ticket.category.skill if ticket.category and ticket.category.skill else None,
        load=OPEN_LOAD,
    )
    if assignee is not None:
        assign(ticket, assignee, by=None)


def _tell_assignee_of_follow_up(
    ticket: Ticket, assignee: User, update: TicketUpdate, *, reopened: bool
) -> None:
    with in_language_of(assignee):
        title = (
            _("#%(id)s reopened: the customer is not satisfied")
            if reopened
            else _("The customer wrote on #%(id)s")
        ) % {"id": ticket.pk}
        tell_staff(
            assignee,
            ticket,
            "ticket.follow_up",
            title,
            key=f"ticket-follow-up:{update.pk}",
            body=update.body[:300],
        )


def ticket_request_status(*, ticket: Ticket, customer: User) -> TicketUpdate:
    """The customer asks where things stand: the current status and the latest progress note
    are pushed to them at once, and the assignee is nudged."""
    if ticket.customer_id != customer.pk:
        raise ValidationError(_("Only the customer who opened the ticket can ask about it."))
    with transaction.atomic():
        ticket = (
            # of=self: PostgreSQL can't lock the nullable side of the assignee outer join.
            Ticket.objects.select_for_update(of=("self",))
            .select_related(
                "organization", "customer__customer_profile", "assignee__customer_profile"
            )
            .get(pk=ticket.pk)
        )
        latest_note = (
            ticket.updates.filter(kind=UpdateKind.PROGRESS, is_public=True)
            .order_by("-id")
            .values_list("body", flat=True)
            .first()
        )
        data = {"status": ticket.status, "latest_note": latest_note or ""}
        update = record(
            ticket,
            UpdateKind.STATUS_REQUEST,
            author=customer,
            body=stored_text(UpdateKind.STATUS_REQUEST, data),
            data=data,
        )
        save_fields(ticket)
        publish(ticket, update)
        with in_language_of(ticket.customer):
            tell_customer(
                ticket,
                update,
                _("#%(id)s: %(status)s") % {"id": ticket.pk, "status": ticket.get_status_display()},
                body="\n".join(part for part in (entry_text(update), latest_note or "") if part),
            )
        if ticket.assignee is not None:
            with in_language_of(ticket.assignee):
                tell_staff(
                    ticket.assignee,
                    ticket,
                    "ticket.follow_up",
                    _("The customer asks for news on #%(id)s") % {"id": ticket.pk},
                    key=f"ticket-status-request:{update.pk}",
                )
    return update
