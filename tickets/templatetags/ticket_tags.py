"""The tickets card that staff start pages show, and small helpers for ticket templates."""

import functools

from django import template
from django.utils.translation import get_language, ngettext

from accounts.models import Role

from .. import selectors
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


@register.inclusion_tag("tickets/includes/overview.html")
def ticket_overview(organization, membership):
    return overview(organization, membership)


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


@functools.cache
def _labels(field: str, language: str | None) -> dict[str, str]:
    return {value: str(label) for value, label in _CHOICES[field].choices}


@register.filter
def label(value: str, field: str) -> str:
    """`{{ ticket.status|label:"status" }}`: the choice's label in the active language.

    Model.get_FOO_display rebuilds the choices dict on every call; a page of 25 rows with
    two of them spent a tenth of its time there.
    """
    return _labels(field, get_language()).get(value, value)
