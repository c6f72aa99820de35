"""Every ticket id from a user comes through here: the same 404 for missing and forbidden."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from accounts.access import Requester, access_membership, access_request_membership, parse_id
from accounts.models import Role

from .models import Attachment, Ticket

STAFF_ROLES = (Role.MANAGER, Role.AGENT, Role.RECEPTIONIST)


def _tickets(lock: bool) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("organization", "category", "assignee", "customer")
    # of=self: PostgreSQL can't lock the nullable side of the category and assignee joins.
    return tickets.select_for_update(of=("self",)) if lock else tickets


def access_customer_ticket(user: Requester, ticket_id: object, *, lock: bool = False) -> Ticket:
    """One of the customer's own tickets."""
    if not user.is_authenticated:
        raise Http404
    tickets = _tickets(lock)
    try:
        return tickets.get(pk=parse_id(ticket_id), customer=user)
    except Ticket.DoesNotExist:
        raise Http404 from None


def access_staff_ticket(
    request: HttpRequest,
    organization_slug: str,
    ticket_id: object,
    *,
    roles: Iterable[str] = STAFF_ROLES,
    lock: bool = False,
) -> Ticket:
    """A ticket of an organization the request's user works for, in one of `roles`."""
    membership = access_request_membership(request, organization_slug, roles)
    pk = parse_id(ticket_id)
    if lock:
        try:
            return _tickets(lock).get(pk=pk, organization=membership.organization)
        except Ticket.DoesNotExist:
            raise Http404 from None
    # The membership carries the organization: no join for it.
    tickets = Ticket.objects.select_related("category", "assignee", "customer")
    try:
        ticket = tickets.get(pk=pk, organization_id=membership.organization_id)
    except Ticket.DoesNotExist:
        raise Http404 from None
    ticket.organization = membership.organization
    return ticket


def access_attachment(user: Requester, token: str) -> Attachment:
    """An attachment the user may download: the customer's own (public ones), or any of the
    organization's for its staff."""
    if not user.is_authenticated:
        raise Http404
    attachment = (
        Attachment.objects.select_related("ticket", "ticket__organization")
        .filter(token=str(token))
        .first()
    )
    if attachment is None:
        raise Http404
    ticket = attachment.ticket
    if ticket.customer_id == user.pk and attachment.is_public:
        return attachment
    try:
        access_membership(user, ticket.organization.slug, STAFF_ROLES)
    except Http404:
        raise Http404 from None
    return attachment


def access_ticket(user: Requester, ticket_id: object, *, lock: bool = False) -> tuple[Ticket, bool]:
    """A ticket by id alone (the API): the customer's own, or one of an organization the user
    works for. Returns (ticket, whether the user sees it as staff)."""
    if not user.is_authenticated:
        raise Http404
    tickets = _tickets(lock)
    ticket = tickets.filter(pk=parse_id(ticket_id)).first()
    if ticket is None:
        raise Http404
    if user.memberships.filter(
        organization_id=ticket.organization_id, role__in=STAFF_ROLES, is_active=True
    ).exists():
        return ticket, True
    if ticket.customer_id == user.pk:
        return ticket, False
    raise Http404
