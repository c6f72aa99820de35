"""What an organization promises and how it sorts tickets: SLA times, reminder settings,
categories."""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Organization
from csportal.caching import forget, remember

from .. import cache as ticket_cache
from ..models import DEFAULT_SLA, Category, Priority, ReminderSettings, SlaPolicy, Ticket
from ._common import require_text

# Reading the policy ----------------------------------------------------------------------


def sla_minutes(organization: Organization, priority: str) -> tuple[int, int]:
    """(first response, resolution) minutes promised for `priority`.

    Read from the cache: every new ticket needs them, and they change only through
    sla_policy_set, which drops the cached table.
    """
    table = remember(
        ticket_cache.sla_key(organization.pk),
        lambda: _sla_table(organization),
        ticket_cache.SETTINGS_SECONDS,
    )
    first_response, resolution = table[priority]
    return first_response, resolution


def _sla_table(organization: Organization) -> dict[str, tuple[int, int]]:
    table = dict(DEFAULT_SLA)
    for policy in SlaPolicy.objects.filter(organization=organization):
        table[policy.priority] = (policy.first_response_minutes, policy.resolution_minutes)
    return table


def reminder_settings(organization: Organization) -> ReminderSettings:
    return ReminderSettings.objects.filter(organization=organization).first() or ReminderSettings(
        organization=organization
    )


def set_due_times(ticket: Ticket, sla: tuple[int, int] | None = None) -> None:
    first_response, resolution = sla or sla_minutes(ticket.organization, ticket.priority)
    ticket.first_response_due = ticket.created_at + timedelta(minutes=first_response)
    ticket.resolution_due = (ticket.reopened_at or ticket.created_at) + timedelta(
        minutes=resolution
    )


# Changing it -----------------------------------------------------------------------------


def _require_minutes(value, field: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(
            {field: _("Enter a whole number of at least %(minimum)d.") % {"minimum": minimum}}
        )
    return value


def _check_policy(priority: str, first_response_minutes: int, resolution_minutes: int) -> None:
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a valid priority.")})
    _require_minutes(first_response_minutes, "first_response_minutes")
    _require_minutes(resolution_minutes, "resolution_minutes")
    if resolution_minutes < first_response_minutes:
        raise ValidationError(
            {"resolution_minutes": _("The resolution can't be due before the first response.")}
        )


def _save_policy(
    organization: Organization, priority: str, first_response_minutes: int, resolution_minutes: int
) -> SlaPolicy:
    policy, _created = SlaPolicy.objects.update_or_create(
        organization=organization,
        priority=priority,
        defaults={
            "first_response_minutes": first_response_minutes,
            "resolution_minutes": resolution_minutes,
        },
    )
    return policy


def sla_policy_set(
    *,
    organization: Organization,
    priority: str,
    first_response_minutes: int,
    resolution_minutes: int,
) -> SlaPolicy:
    """Promise times for one priority. Tickets opened or re-prioritised from now on use them;
    the due times of tickets already open stay as they were promised."""
    _check_policy(priority, first_response_minutes, resolution_minutes)
    policy = _save_policy(organization, priority, first_response_minutes, resolution_minutes)
    forget(ticket_cache.sla_key(organization.pk))
    return policy


# A row's fields in the errors of sla_table_set, as a table of rows names its cells.
_ROW_FIELDS = {
    "first_response_minutes": "{priority}_first_response",
    "resolution_minutes": "{priority}_resolution",
}


def sla_table_set(
    *, organization: Organization, policies: Iterable[tuple[str, int, int]]
) -> list[SlaPolicy]:
    """Promise times for several priorities, as (priority, first response, resolution) rows.

    All rows or none: the table is saved as the manager sees it. Every row is checked before
    any is written; one ValidationError names each failing row's field as
    `<priority>_first_response` or `<priority>_resolution`.
    """
    policies = list(policies)
    errors: dict[str, list[ValidationError]] = {}
    for priority, first_response, resolution in policies:
        try:
            _check_policy(priority, first_response, resolution)
        except ValidationError as exc:
            for field, messages in exc.error_dict.items():
                name = _ROW_FIELDS.get(field, field).format(priority=priority)
                errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        saved = [_save_policy(organization, *policy) for policy in policies]
        forget(ticket_cache.sla_key(organization.pk))
    return saved


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
    name = require_text(name, "name")[:100]
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
