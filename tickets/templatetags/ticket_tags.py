"""The tickets card that staff start pages show (tickets.contributions), and small helpers
for ticket templates."""

from django import template
from django.utils.translation import ngettext

from accounts.models import Role
from csportal.choices import label_of

from .. import selectors, timeline
from ..models import Priority, Status, UpdateKind

register = template.Library()


def overview(organization, membership) -> dict:
    """Counts for the tickets card: two queries whatever the organization's size."""
    return {
        "organization": organization,
        "membership": membership,
        "counts": selectors.open_counts(organization, user=membership.user),
        "overdue": selectors.overdue_counts(organization),
        "is_manager": membership.role == Role.MANAGER,
    }


@register.filter
def minutes_as_duration(minutes) -> str:
    """240 → "4 hours", 4320 → "3 days", 90 → "1 hour 30 minutes"."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts)


_CHOICES = {"status": Status, "priority": Priority, "kind": UpdateKind}


@register.filter
def entry_text(update) -> str:
    """`{{ update|entry_text }}`: what a timeline entry says, in the reader's language."""
    return timeline.entry_text(update)


@register.filter
def label(value: str, field: str) -> str:
    """`{{ ticket.status|label:"status" }}`: get_status_display() without its per-call cost."""
    return label_of(_CHOICES[field], value)
