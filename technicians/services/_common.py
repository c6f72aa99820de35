"""What every visit service leans on: who may do what, checks on input, reading a visit
again under its lock."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import Organization, Role, User
from accounts.selectors import works_for

from ..access import VISIT_ROLES
from ..models import VISIT_TRANSITIONS, ServiceRequest, VisitStatus
from ..selectors import visit_settings


def is_visit_staff(user: User, organization_id: int) -> bool:
    return works_for(user, organization_id, VISIT_ROLES)


def require_manager(user: User, organization: Organization) -> None:
    if not works_for(user, organization.pk, (Role.MANAGER,)):
        raise ValidationError(_("Only the organization's managers can do this."))


def require_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def locked(visit: ServiceRequest) -> ServiceRequest:
    """`visit` read again under a row lock, with what publishing and telling it need."""
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("organization", "customer", "technician", "product", "area")
        .get(pk=visit.pk)
    )


def require_transition(visit: ServiceRequest, status: str) -> None:
    if status not in VISIT_TRANSITIONS[visit.status]:
        raise ValidationError(
            {
                "status": _("A %(old)s visit can't become %(new)s.")
                % {
                    "old": VisitStatus(visit.status).label.lower(),
                    "new": VisitStatus(status).label.lower(),
                }
            }
        )


def require_before_cutoff(visit: ServiceRequest, by: User, now: datetime) -> None:
    """The customer changes a booked visit only up to the organization's cut-off before it
    starts; its staff at any time."""
    if visit.scheduled_start is None or is_visit_staff(by, visit.organization_id):
        return
    hours = visit_settings(visit.organization).change_cutoff_hours
    if visit.scheduled_start - now < timedelta(hours=hours):
        raise ValidationError(
            _(
                "Visits can be changed up to %(hours)d hours before they start. "
                "Please call us to change this one."
            )
            % {"hours": hours}
        )
