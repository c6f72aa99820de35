"""A visit's life: requested, scheduled with a technician, worked on site, completed.

Booking against schedules and areas, and the technician's phone views, build on these.
Every change is told at once to the customer, the technician and the organization's staff.
"""

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Role, User
from accounts.selectors import works_for
from csportal.realtime import org_staff_group, publish, user_group
from tickets.models import Ticket

from .models import VISIT_TRANSITIONS, ServiceRequest, VisitStatus

# Who arranges visits for customers.
ARRANGING_ROLES = (Role.MANAGER, Role.RECEPTIONIST, Role.AGENT)


def _payload(visit: ServiceRequest) -> dict:
    return {
        "id": visit.pk,
        "organization": visit.organization_id,
        "status": visit.status,
        "summary": visit.summary,
        "technician": str(visit.technician) if visit.technician_id else None,
        "scheduled_start": visit.scheduled_start,
        "scheduled_end": visit.scheduled_end,
        "completed_at": visit.completed_at,
    }


def _publish(visit: ServiceRequest, *, previous_technician_id: int | None = None) -> None:
    """Tell the customer, the staff, the technician, and the one it was taken from."""
    groups = [user_group(visit.customer_id), org_staff_group(visit.organization_id)]
    technician_ids = {visit.technician_id, previous_technician_id}
    groups.extend(user_group(pk) for pk in technician_ids if pk is not None)
    publish("visit.updated", _payload(visit), groups=groups)


def _move(
    visit: ServiceRequest, status: str, *, check: Callable | None = None, **changes
) -> ServiceRequest:
    """Lock the visit, `check` who may move it as it is now, check the transition, store
    it with `changes`, tell everyone."""
    with transaction.atomic():
        visit = ServiceRequest.objects.select_for_update().get(pk=visit.pk)
        previous_technician_id = visit.technician_id
        if check is not None:
            check(visit)
        if status not in VISIT_TRANSITIONS[visit.status]:
            raise ValidationError(
                {
                    "status": _("A %(old)s visit can't become %(new)s.")
                    % {"old": visit.get_status_display(), "new": VisitStatus(status).label}
                }
            )
        visit.status = status
        for name, value in changes.items():
            setattr(visit, name, value)
        visit.save(update_fields=["status", *changes])
        _publish(visit, previous_technician_id=previous_technician_id)
    return visit


def visit_request(
    *,
    customer: User,
    organization: Organization,
    summary: str,
    address: str = "",
    ticket: Ticket | None = None,
) -> ServiceRequest:
    """The customer asks for a technician to come; staff schedule it."""
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Say what needs doing.")})
    if ticket is not None and (
        ticket.customer_id != customer.pk or ticket.organization_id != organization.pk
    ):
        raise ValidationError({"ticket": _("Choose one of your tickets with this provider.")})
    with transaction.atomic():
        visit = ServiceRequest.objects.create(
            organization=organization,
            customer=customer,
            ticket=ticket,
            summary=summary,
            address=(address or "").strip(),
        )
        _publish(visit)
    return visit


def visit_schedule(
    *,
    visit: ServiceRequest,
    technician: User,
    start: datetime,
    end: datetime,
    by: User,
) -> ServiceRequest:
    """Book a technician of the organization for a time (again, to move a booked visit)."""
    if not works_for(by, visit.organization_id, ARRANGING_ROLES):
        raise ValidationError(_("Only the provider's staff can schedule visits."))
    if not works_for(technician, visit.organization_id, (Role.TECHNICIAN,)):
        raise ValidationError({"technician": _("Choose one of this provider's technicians.")})
    if end <= start:
        raise ValidationError({"end": _("A visit ends after it starts.")})
    return _move(
        visit,
        VisitStatus.SCHEDULED,
        technician=technician,
        scheduled_start=start,
        scheduled_end=end,
    )


def _technician_only(by: User) -> Callable[[ServiceRequest], None]:
    def check(visit: ServiceRequest) -> None:
        if visit.technician_id != by.pk or not works_for(
            by, visit.organization_id, (Role.TECHNICIAN,)
        ):
            raise ValidationError(_("Only the visit's technician can do this."))

    return check


def visit_start(*, visit: ServiceRequest, by: User) -> ServiceRequest:
    """The technician is on site."""
    return _move(
        visit, VisitStatus.IN_PROGRESS, check=_technician_only(by), started_at=timezone.now()
    )


def visit_complete(*, visit: ServiceRequest, by: User, report: str) -> ServiceRequest:
    """The technician reports the work done; the customer may rate it from now on."""
    report = (report or "").strip()
    if not report:
        raise ValidationError({"report": _("Say what was done.")})
    return _move(
        visit,
        VisitStatus.COMPLETED,
        check=_technician_only(by),
        report=report,
        completed_at=timezone.now(),
    )


def visit_cancel(*, visit: ServiceRequest, by: User) -> ServiceRequest:
    """The customer or the provider's staff call off a visit that has not begun."""
    if by.pk != visit.customer_id and not works_for(by, visit.organization_id, ARRANGING_ROLES):
        raise ValidationError(_("Only the customer or the provider's staff can cancel a visit."))
    return _move(visit, VisitStatus.CANCELLED)
