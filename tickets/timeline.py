"""The timeline's automatic entries, worded when they are read.

What the portal records by itself (a new status, priority or assignee, a customer asking for
news, a reminder, an escalation) is stored as what changed, in TicketUpdate.kind and .data,
and worded for whoever reads it, in their language: on the pages, in the API and in
notifications. An entry that arrives live is worded by ticket.js from the same data, with
the same strings in the JavaScript catalog. The body keeps the words in the portal's default
language for whatever reads the row itself; older entries whose data lacks something are
shown with it. What people wrote (notes, results, a customer's messages) reads as written.
"""

from collections.abc import Callable
from datetime import tzinfo

from django.conf import settings
from django.db.models import Choices
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from csportal.choices import label_of
from csportal.dates import format_datetime

from .models import DuePoint, Priority, Status, TicketUpdate, UpdateKind

Zone = str | tzinfo | None


def entry_text(update: TicketUpdate, *, zone: Zone = None) -> str:
    """What `update` says in the active language; a time in it is shown in `zone` (the
    active one by default)."""
    word = _WORDING.get(update.kind)
    text = word(update.data or {}, zone) if word else None
    return update.body if text is None else text


def stored_text(kind: str, data: dict, *, zone: Zone = None) -> str:
    """The body an automatic entry is saved with: its words in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _WORDING[kind](data, zone) or ""


def _label(choices: type[Choices], value) -> str | None:
    return label_of(choices, value) if value in choices.values else None


def _status(data: dict, zone: Zone) -> str | None:
    status = _label(Status, data.get("to"))
    return None if status is None else _("Status: %(status)s.") % {"status": status}


def _status_request(data: dict, zone: Zone) -> str | None:
    status = _label(Status, data.get("status"))
    return None if status is None else _("Status: %(status)s.") % {"status": status}


def _priority(data: dict, zone: Zone) -> str | None:
    priority = _label(Priority, data.get("to"))
    return None if priority is None else _("Priority: %(priority)s.") % {"priority": priority}


def _assignment(data: dict, zone: Zone) -> str | None:
    if "assignee" in data and data["assignee"] is None:
        return _("Returned to the queue.")
    # The name as it was then, like any name on the timeline; entries from before it was
    # kept read as they were written.
    name = data.get("name")
    return _("Assigned to %(name)s.") % {"name": name} if name else None


def _reminder(data: dict, zone: Zone) -> str | None:
    point = _label(DuePoint, data.get("due_point"))
    due = parse_datetime(data["due"]) if isinstance(data.get("due"), str) else None
    sequence = data.get("sequence")
    if point is None or due is None or not isinstance(sequence, int):
        return None
    return _("%(point)s overdue since %(due)s (reminder %(n)d).") % {
        "point": point,
        "due": format_datetime(due, zone=zone),
        "n": sequence,
    }


def _escalation(data: dict, zone: Zone) -> str | None:
    return _("Escalated to the managers.")


_WORDING: dict[str, Callable[[dict, Zone], str | None]] = {
    UpdateKind.STATUS: _status,
    UpdateKind.STATUS_REQUEST: _status_request,
    UpdateKind.PRIORITY: _priority,
    UpdateKind.ASSIGNMENT: _assignment,
    UpdateKind.REMINDER: _reminder,
    UpdateKind.ESCALATION: _escalation,
}
