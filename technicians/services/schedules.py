"""When a technician can be booked: their weekly hours and their time off, set by them or by
a manager. Both lock the technician's profile, as booking does, so a booking and a change
of hours can't pass each other unseen."""

from collections.abc import Iterable
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import works_for

from ..models import (
    MAX_VISIT,
    ServiceRequest,
    TechnicianProfile,
    TimeOff,
    VisitStatus,
    WorkingHours,
)
from .events import publish_setup

TIME_OFF_REASON_MAX = 200


def _require_self_or_manager(profile: TechnicianProfile, by: User) -> None:
    own = profile.membership.user_id == by.pk and works_for(
        by, profile.organization_id, (Role.TECHNICIAN,)
    )
    if not own and not works_for(by, profile.organization_id, (Role.MANAGER,)):
        raise ValidationError(_("Only the technician or a manager can change their schedule."))


def _lock(profile: TechnicianProfile) -> TechnicianProfile:
    return (
        TechnicianProfile.objects.select_for_update(of=("self",))
        .select_related("membership")
        .get(pk=profile.pk)
    )


def working_hours_set(
    *, profile: TechnicianProfile, hours: Iterable[tuple[int, time, time]], by: User
) -> list[WorkingHours]:
    """Replace the technician's week with `hours`: (weekday 0=Monday, from, until) in the
    organization's time zone, several a day if they don't overlap. Booked visits stay as
    they are. Tells the visit staff and the technician live."""
    rows = sorted((int(day), start, end) for day, start, end in hours)
    for weekday, start, end in rows:
        if not 0 <= weekday <= 6:
            raise ValidationError({"hours": _("A weekday is 0 (Monday) to 6 (Sunday).")})
        if start >= end:
            raise ValidationError(
                {"hours": _("Working hours end after they start, on the same day.")}
            )
    for (day, _start, end), (next_day, next_start, _end) in zip(rows, rows[1:], strict=False):
        if day == next_day and next_start < end:
            raise ValidationError({"hours": _("Working hours of one day may not overlap.")})
    with transaction.atomic():
        profile = _lock(profile)
        _require_self_or_manager(profile, by)
        WorkingHours.objects.filter(technician=profile).delete()
        created = WorkingHours.objects.bulk_create(
            WorkingHours(technician=profile, weekday=day, start=start, end=end)
            for day, start, end in rows
        )
        publish_setup(profile.organization_id, "hours", technician_id=profile.membership.user_id)
    return created


def time_off_add(
    *,
    profile: TechnicianProfile,
    start: datetime,
    end: datetime,
    by: User,
    reason: str = "",
    now: datetime | None = None,
) -> TimeOff:
    """The technician can't be booked from `start` until `end`. A technician can't take
    time off over their booked visits (the desk moves them first); a manager can, and the
    visits stay for the desk to move. Tells the visit staff and the technician live."""
    now = now or timezone.now()
    if end <= start:
        raise ValidationError({"end": _("Time off ends after it starts.")})
    if end <= now:
        raise ValidationError({"end": _("Time off can't be over already.")})
    reason = (reason or "").strip()
    if len(reason) > TIME_OFF_REASON_MAX:
        raise ValidationError({"reason": _("Keep the reason under 200 characters.")})
    with transaction.atomic():
        profile = _lock(profile)
        _require_self_or_manager(profile, by)
        is_manager = works_for(by, profile.organization_id, (Role.MANAGER,))
        if not is_manager and _booked_between(profile.membership.user_id, start, end):
            raise ValidationError(
                {"start": _("You have visits booked then; ask the desk to move them first.")}
            )
        time_off = TimeOff.objects.create(technician=profile, start=start, end=end, reason=reason)
        publish_setup(profile.organization_id, "time_off", technician_id=profile.membership.user_id)
    return time_off


def time_off_remove(*, time_off: TimeOff, by: User) -> None:
    """The technician is bookable again then."""
    with transaction.atomic():
        profile = _lock(time_off.technician)
        _require_self_or_manager(profile, by)
        time_off.delete()
        publish_setup(profile.organization_id, "time_off", technician_id=profile.membership.user_id)


def _booked_between(user_id: int, start: datetime, end: datetime) -> bool:
    return (
        ServiceRequest.objects.filter(
            technician_id=user_id,
            scheduled_start__gte=start - MAX_VISIT,
            scheduled_start__lt=end,
            scheduled_end__gt=start,
        )
        .exclude(status=VisitStatus.CANCELLED)
        .exists()
    )
