"""The technician's part: the taps on the way there, the report, the photos."""

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import works_for

from .. import registries
from ..models import VISIT_STEPS, ServiceRequest, VisitOutcome, VisitPhoto, VisitStatus
from ..photos import MAX_PHOTOS, new_token, sniff_picture, stored_name
from ._common import locked, require_text, require_transition
from .events import publish_visit, tell, when

# One upload's worth (the request size limit counts on it, csportal.settings).
PHOTOS_PER_REQUEST = 5
LONGEST_VISIT_MINUTES = 24 * 60
# When photos may be added: on site, at work, or after, for the report.
PHOTO_STATUSES = (VisitStatus.ARRIVED, VisitStatus.IN_PROGRESS, VisitStatus.COMPLETED)


def _require_technician(visit: ServiceRequest, by: User) -> None:
    """Checked on the visit as stored (locked), not as the caller read it."""
    if visit.technician_id != by.pk or not works_for(by, visit.organization_id, (Role.TECHNICIAN,)):
        raise ValidationError(_("Only the visit's technician can do this."))


def visit_step(
    *, visit: ServiceRequest, step: str, by: User, now: datetime | None = None
) -> ServiceRequest:
    """The visit's technician taps on the way, arrived or working (a step may be skipped,
    none taken back). Tells everyone the visit concerns; the customer is notified when the
    technician sets off (`visit.on_the_way`)."""
    if step not in VISIT_STEPS:
        raise ValidationError({"step": _("Choose on the way, arrived or working.")})
    now = now or timezone.now()
    with transaction.atomic():
        visit = locked(visit)
        _require_technician(visit, by)
        require_transition(visit, step)
        visit.status = step
        setattr(visit, VISIT_STEPS[step], now)
        visit.save(update_fields=["status", VISIT_STEPS[step]])
        publish_visit(visit, "step")
        if step == VisitStatus.ON_THE_WAY:
            tell(
                visit,
                visit.customer,
                "visit.on_the_way",
                _("%(technician)s is on the way") % {"technician": visit.technician},
                key=f"visit-on-the-way:{visit.pk}",
                body=_("Booked for %(when)s: %(summary)s")
                % {"when": when(visit), "summary": visit.summary},
            )
    return visit


def visit_complete(
    *,
    visit: ServiceRequest,
    by: User,
    report: str,
    outcome: str = VisitOutcome.FIXED,
    parts_used: str = "",
    time_spent_minutes: int | None = None,
    photos: Iterable = (),
    step_data: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """The visit's technician reports the work done (`report`), what it came to
    (`outcome`), the parts and time it took, with up to five photos. The customer may rate
    it from now on. The report steps of the apps above (technicians.registries) read
    `step_data` in the same transaction, and may refuse it. Tells everyone the visit
    concerns, then runs the visit-finished hooks once it commits."""
    report = require_text(report, "report", _("Say what was done."))
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": _("Choose fixed, needs another visit or could not fix.")})
    if time_spent_minutes is not None and not 0 < time_spent_minutes <= LONGEST_VISIT_MINUTES:
        raise ValidationError(
            {"time_spent_minutes": _("Give the time spent in minutes, at most a day.")}
        )
    photos = _checked_photos(photos)
    now = now or timezone.now()
    with transaction.atomic():
        visit = locked(visit)
        _require_technician(visit, by)
        require_transition(visit, VisitStatus.COMPLETED)
        _require_room_for(visit, len(photos))
        visit.status = VisitStatus.COMPLETED
        visit.report = report
        visit.outcome = outcome
        visit.parts_used = (parts_used or "").strip()
        visit.time_spent_minutes = time_spent_minutes
        visit.completed_at = now
        visit.save(
            update_fields=[
                "status",
                "report",
                "outcome",
                "parts_used",
                "time_spent_minutes",
                "completed_at",
            ]
        )
        for upload, checked in photos:
            _save_photo(visit, upload, checked, by, now)
        registries.run_report_steps(visit, step_data or {}, by)
        publish_visit(visit, "completed")
        registries.visit_finished_after_commit(visit)
    return visit


def visit_photo_add(
    *, visit: ServiceRequest, by: User, upload, now: datetime | None = None
) -> VisitPhoto:
    """The visit's technician adds a picture, on site or after; its type is read from the
    bytes and must agree with its name."""
    ((upload, checked),) = _checked_photos([upload])
    now = now or timezone.now()
    with transaction.atomic():
        visit = locked(visit)
        _require_technician(visit, by)
        if visit.status not in PHOTO_STATUSES:
            raise ValidationError({"photos": _("Add photos once you have arrived.")})
        _require_room_for(visit, 1)
        photo = _save_photo(visit, upload, checked, by, now)
        publish_visit(visit, "photo")
    return photo


def _checked_photos(photos: Iterable) -> list[tuple[object, tuple[str, str]]]:
    photos = list(photos)
    if len(photos) > PHOTOS_PER_REQUEST:
        raise ValidationError(
            {"photos": _("Send at most %(count)d photos at once.") % {"count": PHOTOS_PER_REQUEST}}
        )
    try:
        return [(upload, sniff_picture(upload)) for upload in photos]
    except ValidationError as error:
        raise ValidationError({"photos": error.messages}) from None


def _require_room_for(visit: ServiceRequest, count: int) -> None:
    if visit.photos.count() + count > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("A visit has at most %(count)d photos.") % {"count": MAX_PHOTOS}}
        )


def _save_photo(visit, upload, checked: tuple[str, str], by: User, now: datetime) -> VisitPhoto:
    content_type, extension = checked
    photo = VisitPhoto(
        visit=visit,
        token=new_token(),
        filename=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
        created_at=now,
    )
    # Saved through the storage API under a random name; the row goes with it or not at
    # all (a rolled-back row leaves an unreferenced file, never a row without its file).
    photo.file.save(stored_name(extension), upload, save=False)
    photo.save()
    return photo
