"""What others hear of a visit's change: the live event and the notifications.

Live: `visit.updated` to the customer, the technician (and the one it was taken from), and
the organization's visits audience (managers and receptionists); never to the whole staff,
since a technician sees only their own visits. Setup changes (areas, hours, time off) go to
the audience as `technicians.changed`, as they change who can be booked.
"""

import zoneinfo
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from csportal.choices import label_of
from csportal.realtime import org_audience_group, publish, user_group
from notifications.services import notify_after_commit

from .. import cache
from ..models import ServiceRequest, VisitOutcome, VisitStatus

# The realtime audience of VISIT_ROLES (registered in technicians.apps).
VISIT_AUDIENCE = "visits"


def _person(user: User | None) -> dict | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None


def visit_payload(visit: ServiceRequest, change: str) -> dict:
    """What every recipient of a visit's event may see: the customer their own visit, the
    technician the visit they work, the organization's visit staff any of its visits."""
    area = visit.area
    return {
        "id": visit.pk,
        "change": change,
        "organization": visit.organization_id,
        "status": visit.status,
        "status_label": label_of(VisitStatus, visit.status),
        "summary": visit.summary,
        "product": {"id": visit.product.pk, "name": visit.product.name} if visit.product else None,
        "postal_code": visit.postal_code,
        "address": visit.address,
        "area": {"id": area.pk, "name": area.name, "branch_office": area.branch_office_id}
        if area is not None
        else None,
        "customer": _person(visit.customer),
        "technician": _person(visit.technician) if visit.technician_id else None,
        "scheduled_start": visit.scheduled_start,
        "scheduled_end": visit.scheduled_end,
        "on_the_way_at": visit.on_the_way_at,
        "arrived_at": visit.arrived_at,
        "started_at": visit.started_at,
        "completed_at": visit.completed_at,
        "cancelled_at": visit.cancelled_at,
        "outcome": visit.outcome,
        "outcome_label": label_of(VisitOutcome, visit.outcome) if visit.outcome else "",
    }


def publish_visit(
    visit: ServiceRequest, change: str, *, previous_technician_id: int | None = None
) -> None:
    """Inside the transaction that made the change; sent after it commits."""
    groups = [
        user_group(visit.customer_id),
        org_audience_group(visit.organization_id, VISIT_AUDIENCE),
    ]
    technicians = {visit.technician_id, previous_technician_id} - {None}
    groups += [user_group(pk) for pk in technicians if pk is not None]
    publish("visit.updated", visit_payload(visit, change), groups=groups)


def publish_setup(organization_id: int, what: str, *, technician_id: int | None = None) -> None:
    """Areas, offices, product lines, a technician's profile, hours or time off changed."""
    cache.setup_changed(organization_id)
    groups = [org_audience_group(organization_id, VISIT_AUDIENCE)]
    if technician_id is not None:
        groups.append(user_group(technician_id))
    publish("technicians.changed", {"organization": organization_id, "what": what}, groups=groups)


def when(visit: ServiceRequest, moment: datetime | None = None) -> str:
    """The visit's time as its organization's clock shows it, which is where it happens."""
    moment = moment or visit.scheduled_start
    if moment is None:
        return ""
    zone = zoneinfo.ZoneInfo(visit.organization.timezone)
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M")


def tell(
    visit: ServiceRequest, recipient: User | None, kind: str, title: str, key: str, body: str = ""
) -> None:
    """Notify one person of the visit once per `key`, after the change commits."""
    if recipient is None:
        return
    notify_after_commit(
        recipient=recipient,
        kind=kind,
        title=title,
        body=body,
        link=reverse("technicians:visit", args=[visit.pk]),
        organization=visit.organization,
        dedupe_key=f"{key}:{recipient.pk}",
        data={"visit": visit.pk},
    )


def tell_booked(visit: ServiceRequest) -> None:
    tell(
        visit,
        visit.customer,
        "visit.booked",
        _("Your visit is booked for %(when)s") % {"when": when(visit)},
        key=f"visit-booked:{visit.pk}",
        body=_("%(technician)s will come for: %(summary)s")
        % {"technician": visit.technician, "summary": visit.summary},
    )
    tell(
        visit,
        visit.technician,
        "visit.booked",
        _("New visit on %(when)s: %(summary)s") % {"when": when(visit), "summary": visit.summary},
        key=f"visit-booked:{visit.pk}",
        body=visit.address,
    )


def tell_changed(
    visit: ServiceRequest, by: User, *, previous_technician: User | None = None
) -> None:
    """Everyone the visit concerns but whoever changed it: a new time, or called off."""
    if visit.status == VisitStatus.CANCELLED:
        title = _("Visit cancelled: %(summary)s (%(when)s)")
    else:
        title = _("Visit moved to %(when)s: %(summary)s")
    title = title % {"summary": visit.summary, "when": when(visit)}
    stamp = (visit.cancelled_at or visit.scheduled_start or visit.created_at).isoformat()
    people = {
        person.pk: person
        for person in (visit.customer, visit.technician, previous_technician)
        if person is not None and person.pk != by.pk
    }
    for _pk, person in sorted(people.items()):
        tell(visit, person, "visit.changed", title, key=f"visit-changed:{visit.pk}:{stamp}")
