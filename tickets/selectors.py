from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Organization, User
from csportal.caching import remember

from . import cache as ticket_cache
from .models import DEFAULT_SLA, Attachment, Category, SlaPolicy, Ticket, TicketUpdate


def category_choices(organization: Organization) -> list[tuple[int, str]]:
    """(pk, name) of the organization's categories by name, from the cache: every inbox view
    lists them, and they change only through category_create, which drops the cached list."""
    return remember(
        ticket_cache.categories_key(organization.pk),
        lambda: list(
            Category.objects.filter(organization=organization)
            .order_by("name")
            .values_list("pk", "name")
        ),
        ticket_cache.SETTINGS_SECONDS,
    )


def _with_sla(queryset: QuerySet, organization, priority) -> QuerySet:
    """The organization's promise for `priority` as two annotations (None: no policy set)."""
    policy = SlaPolicy.objects.filter(organization=organization, priority=priority)
    return queryset.annotate(
        sla_first_response=Subquery(policy.values("first_response_minutes")[:1]),
        sla_resolution=Subquery(policy.values("resolution_minutes")[:1]),
    )


@dataclass(frozen=True)
class OpeningTarget:
    """Where a new ticket goes: None for an organization or category that does not match."""

    organization: Organization | None
    category: Category | None
    sla: tuple[int, int] | None  # (first response, resolution) minutes for the priority


def opening_target(slug: str, category_id: int | None, priority: str) -> OpeningTarget:
    """The organization by `slug`, its category `category_id` and its SLA for `priority`, in
    one query: opening a ticket is the busiest write there is, and every round trip shows
    in its throughput. A category of another organization is not found, like a missing one.
    """
    # The SLA comes on the way rather than from the cache: one round trip either way.
    if category_id is not None:
        categories = _with_sla(
            Category.objects.select_related("organization").filter(organization__slug=slug),
            OuterRef("organization"),
            priority,
        )
        category = categories.filter(pk=category_id).first()
        if category is not None:
            return OpeningTarget(category.organization, category, _sla(category, priority))
    organization = _with_sla(
        Organization.objects.filter(slug=slug), OuterRef("pk"), priority
    ).first()
    if organization is None:
        return OpeningTarget(None, None, None)
    return OpeningTarget(organization, None, _sla(organization, priority))


def _sla(annotated, priority: str) -> tuple[int, int]:
    if annotated.sla_first_response is None or annotated.sla_resolution is None:
        return DEFAULT_SLA[priority]
    return annotated.sla_first_response, annotated.sla_resolution


def _list_columns(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    # What a list row shows, in one query whatever the page size.
    return tickets.select_related("category", "assignee", "customer").defer("body", "result")


def tickets_for_customer(customer: User) -> QuerySet[Ticket]:
    return _list_columns(
        Ticket.objects.filter(customer=customer).select_related("organization")
    ).order_by("-updated_at", "-id")


def tickets_for_staff(
    organization: Organization,
    *,
    user: User,
    view: str = "all",
    status: str = "",
    priority: str = "",
    category: str = "",
    customer: str = "",
    overdue: bool = False,
    search: str = "",
) -> QuerySet[Ticket]:
    """An organization's tickets for its agents: `mine`, the unassigned `queue`, or `all`."""
    tickets = Ticket.objects.filter(organization=organization)
    if view == "mine":
        tickets = tickets.filter(assignee=user)
    elif view == "queue":
        tickets = tickets.filter(assignee__isnull=True).open()
    if status:
        tickets = tickets.filter(status=status)
    if priority:
        tickets = tickets.filter(priority=priority)
    if category:
        tickets = tickets.filter(category_id=category)
    if customer:
        tickets = tickets.filter(customer_id=customer)
    if overdue:
        tickets = tickets.overdue(timezone.now())
    if search:
        tickets = tickets.filter(Q(subject__icontains=search) | Q(body__icontains=search))
    return _list_columns(tickets).order_by("-updated_at", "-id")


def ticket_timeline(ticket: Ticket, *, public_only: bool) -> QuerySet[TicketUpdate]:
    """The ticket's updates oldest first with their attachments; a customer sees public ones.

    A queryset, so a paginated API page reads only its own rows.
    """
    updates = ticket.updates.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    if public_only:
        updates = updates.filter(is_public=True)
    return updates.order_by("id")


TIMELINE_TAIL = 20


def timeline_tail(
    ticket: Ticket, *, public_only: bool, before: int | None = None, limit: int = TIMELINE_TAIL
) -> tuple[list[TicketUpdate], bool]:
    """The latest `limit` entries (or those just before entry `before`), oldest first, and
    whether there are earlier ones: a page shows the recent end of a long timeline and
    fetches the rest on request."""
    updates = ticket_timeline(ticket, public_only=public_only).order_by("-id")
    if before is not None:
        updates = updates.filter(id__lt=before)
    rows = list(updates[: limit + 1])
    return rows[:limit][::-1], len(rows) > limit


def other_tickets_of_customer(ticket: Ticket, limit: int = 10) -> list[dict]:
    """pk, subject and status of the customer's latest other tickets with the organization:
    rows, not tickets, because the side list shows nothing else."""
    return list(
        Ticket.objects.filter(
            organization_id=ticket.organization_id, customer_id=ticket.customer_id
        )
        .exclude(pk=ticket.pk)
        .order_by("-updated_at")
        .values("pk", "subject", "status")[:limit]
    )


def overdue_counts(organization: Organization) -> dict:
    now = timezone.now()
    return (
        Ticket.objects.filter(organization=organization)
        .overdue(now)
        .aggregate(
            total=Count("id"),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            escalated=Count("id", filter=Q(escalated_at__isnull=False)),
        )
    )


def open_counts(organization: Organization, *, user: User) -> dict:
    """Open tickets assigned to `user` and waiting in the queue.

    Two narrow counts, each answered from the ticket_open_by_assignee index alone: one
    aggregate over every open ticket read ~10,000 rows per inbox view at 100,000 tickets.
    (Folded into one query as two subqueries, they cost more Python than the round trip
    they saved.)
    """
    tickets = Ticket.objects.filter(organization=organization).open()
    return {
        "mine": tickets.filter(assignee=user).count(),
        "queue": tickets.filter(assignee__isnull=True).count(),
    }
