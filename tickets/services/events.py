"""What others hear of a change: the live events and the notifications.

A live event goes to many readers at once, so it carries what changed (an entry's kind and
data) and each page words it in its own language. A notification is worded for its one
reader: tell_customer, tell_staff and staff_message are called inside
`accounts.language.in_language_of(recipient)`, title and all.
"""

from collections.abc import Iterable

from django.urls import reverse

from accounts.models import Role, User
from csportal.choices import label_of
from csportal.realtime import org_audience_group, publish_each, user_group
from notifications.services import notify_after_commit

from .. import cache as ticket_cache
from ..models import Attachment, Status, Ticket, TicketUpdate, UpdateKind
from ..timeline import entry_text

# Who sees every ticket change live (receptionists read tickets and write internal notes).
TICKET_ROLES = (Role.MANAGER, Role.AGENT, Role.RECEPTIONIST)
# Their realtime group (registered in tickets.apps).
TICKET_AUDIENCE = "tickets"


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
        "category": ticket.category.name if ticket.category else None,
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


def publish(ticket: Ticket, update: TicketUpdate | None = None) -> None:
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


def tell_customer(ticket: Ticket, update: TicketUpdate, title: str, body: str = "") -> None:
    """Tell the customer of `update`; its text is the body unless `body` is given."""
    notify_after_commit(
        recipient=ticket.customer,
        kind="ticket.updated",
        title=title,
        body=body or entry_text(update),
        link=_customer_link(ticket),
        organization=ticket.organization,
        dedupe_key=f"ticket-update:{update.pk}",
        data={"ticket": ticket.pk, "update": update.pk},
    )


def tell_staff(
    user: User,
    ticket: Ticket,
    kind: str,
    title: str,
    key: str,
    body: str = "",
    send=notify_after_commit,
) -> None:
    send(**staff_message(user, ticket, kind, title, key, body))


def staff_message(
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
