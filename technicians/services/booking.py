"""Getting a visit into a technician's day, moving it, calling it off.

No technician is ever booked twice at once. On PostgreSQL the database refuses it
(technicians.constraints), however many bookings race; everywhere the services check
first, inside the transaction and after locking the technician's profile, so bookings of
one technician queue up and each sees the one before. On SQLite every write transaction
holds the database's write lock from its start (IMMEDIATE), which serializes them anyway.
Whoever loses the race gets SlotTaken with who else is free then, or the nearest free times,
computed at once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Role, User
from accounts.selectors import works_for
from tickets.models import Ticket

from .. import availability
from ..availability import Availability, Offer
from ..models import (
    MAX_VISIT,
    ProductLine,
    ServiceRequest,
    TechnicianProfile,
    VisitStatus,
    normalize_postal_code,
)
from ..selectors import visit_settings
from ._common import (
    is_visit_staff,
    locked,
    require_before_cutoff,
    require_text,
    require_transition,
)
from .events import publish_visit, tell_booked, tell_changed

DOUBLE_BOOKING = "visit_no_double_booking"


class SlotTaken(Exception):  # noqa: N818 (what the caller is told, not how it failed)
    """The technician isn't free for that time, or no longer: `availability` says who is
    then, or else the nearest free times, as the search would have."""

    def __init__(self, availability: Availability):
        super().__init__(_("This time is no longer free."))
        self.availability = availability


class _NotFree(Exception):
    pass


@dataclass(frozen=True)
class _Wish:
    """What a booking asks of the search: asked once under the lock, again for the
    alternatives when it fails."""

    postal_code: str
    skill: str
    start: datetime
    end: datetime
    now: datetime
    exclude_visit_id: int | None = None

    def offer(
        self, organization: Organization, technician: User
    ) -> tuple[Availability, Offer | None]:
        # The lock queues this technician's bookings (and their time off) one behind
        # another, so the check sees the booking before it; SQLite's write lock is held
        # already.
        _lock_profile(organization.pk, technician)
        return availability.offer_for(
            organization,
            technician,
            self.postal_code,
            self.skill,
            self.start,
            self.end,
            now=self.now,
            exclude_visit_id=self.exclude_visit_id,
        )

    def alternatives(self, organization: Organization) -> SlotTaken:
        return SlotTaken(
            availability.search(
                organization,
                self.postal_code,
                self.skill,
                self.start,
                self.end,
                now=self.now,
                exclude_visit_id=self.exclude_visit_id,
            )
        )


def _is_double_booking(error: IntegrityError) -> bool:
    diagnosis = getattr(error.__cause__, "diag", None)
    return getattr(diagnosis, "constraint_name", None) == DOUBLE_BOOKING


# Asking ----------------------------------------------------------------------------------


def visit_request(
    *,
    customer: User,
    organization: Organization,
    summary: str,
    address: str = "",
    postal_code: str = "",
    product: ProductLine | None = None,
    symptoms: str = "",
    customer_notes: str = "",
    ticket: Ticket | None = None,
) -> ServiceRequest:
    """The customer asks for a technician to come without picking a time; it waits at the
    desk of the postal code's office until staff book it (`visit_schedule`)."""
    summary = require_text(summary, "summary", _("Say what needs doing."))
    _check_ticket(ticket, customer, organization)
    area = None
    if postal_code:
        postal_code = _postal_code(postal_code)
        area = availability.area_for(organization, postal_code)
    if product is not None and product.organization_id != organization.pk:
        raise ValidationError({"product": _("Choose one of this provider's products.")})
    with transaction.atomic():
        visit = ServiceRequest.objects.create(
            organization=organization,
            customer=customer,
            ticket=ticket,
            summary=summary,
            address=(address or "").strip(),
            postal_code=postal_code,
            area=area,
            product=product,
            symptoms=(symptoms or "").strip(),
            customer_notes=(customer_notes or "").strip(),
        )
        publish_visit(visit, "requested")
    return visit


# Booking from the search -----------------------------------------------------------------


def visit_book(
    *,
    organization: Organization,
    customer: User,
    technician: User,
    skill: str,
    postal_code: str,
    address: str,
    symptoms: str,
    start: datetime,
    end: datetime,
    by: User,
    customer_notes: str = "",
    ticket: Ticket | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Book `technician` for [start, end) at `address`, if the search offers them then.

    By the customer for themselves, or by the organization's visit staff for a caller. The
    visit is scheduled at once. Raises ValidationError for bad input (naming the field) or
    someone who may not book; SlotTaken when the technician isn't free then (anymore).
    Tells the customer, the technician and the visit staff live; notifies the customer
    and the technician (`visit.booked`).
    """
    now = now or timezone.now()
    if by.pk != customer.pk and not is_visit_staff(by, organization.pk):
        raise ValidationError(_("Only the customer or the provider's staff can book a visit."))
    address = require_text(address, "address", _("Say where the technician should come."))
    symptoms = require_text(symptoms, "symptoms", _("Say what is wrong."))
    _check_ticket(ticket, customer, organization)
    wish = _Wish(postal_code, skill, start, end, now)
    try:
        with transaction.atomic():
            found, offer = wish.offer(organization, technician)
            if offer is None:
                raise _NotFree
            visit = ServiceRequest(
                organization=organization,
                customer=customer,
                technician=offer.technician,
                booked_by=by if by.pk != customer.pk else None,
                ticket=ticket,
                summary=_summary(found.product, symptoms),
                address=address,
                postal_code=normalize_postal_code(postal_code),
                area=found.area,
                product=found.product,
                symptoms=symptoms,
                customer_notes=(customer_notes or "").strip(),
                status=VisitStatus.SCHEDULED,
                scheduled_start=found.start,
                scheduled_end=found.end,
                remind_at=_remind_at(organization, found.start, now),
                created_at=now,
            )
            visit.save()
            publish_visit(visit, "booked")
            tell_booked(visit)
    except (_NotFree, IntegrityError) as error:
        if isinstance(error, IntegrityError) and not _is_double_booking(error):
            raise
        raise wish.alternatives(organization) from None
    return visit


def _lock_profile(organization_id: int, technician: User) -> None:
    list(
        TechnicianProfile.objects.select_for_update(of=("self",))
        .filter(organization_id=organization_id, membership__user=technician)
        .values_list("pk", flat=True)
    )


def _summary(product: ProductLine, symptoms: str) -> str:
    first_line = symptoms.splitlines()[0].strip() if symptoms else ""
    summary = f"{product.name}: {first_line}" if first_line else product.name
    return summary if len(summary) <= 200 else summary[:199] + "…"


def _remind_at(organization: Organization, start: datetime, now: datetime) -> datetime | None:
    """When to remind the customer; none when the booking itself is that close."""
    remind_at = start - timedelta(hours=visit_settings(organization).reminder_hours)
    return remind_at if remind_at > now else None


# Moving ----------------------------------------------------------------------------------


def visit_reschedule(
    *,
    visit: ServiceRequest,
    start: datetime,
    end: datetime,
    by: User,
    technician: User | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Move a booked visit to [start, end), with the same technician or `technician`, if the
    search offers them then (the visit's own time doesn't count as taken).

    The customer up to the organization's cut-off before the booked start; its visit staff
    at any time. Raises ValidationError, or SlotTaken with the alternatives. Tells everyone
    the visit concerns, and notifies all but whoever moved it (`visit.changed`).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            visit = locked(visit)
            _require_customer_or_staff(visit, by)
            require_transition(visit, VisitStatus.SCHEDULED)
            if visit.status != VisitStatus.SCHEDULED:
                raise ValidationError(_("Only a booked visit can be moved; book this one."))
            require_before_cutoff(visit, by, now)
            if visit.product is None or not visit.postal_code:
                raise ValidationError(_("This visit has no product or postal code to search by."))
            wish = _Wish(visit.postal_code, visit.product.skill, start, end, now, visit.pk)
            previous = visit.technician
            coming = technician or previous
            if coming is None:
                raise ValidationError({"technician": _("Choose a technician.")})
            found, offer = wish.offer(visit.organization, coming)
            if offer is None:
                raise _NotFree
            visit.technician = offer.technician
            visit.scheduled_start, visit.scheduled_end = found.start, found.end
            visit.remind_at = _remind_at(visit.organization, found.start, now)
            visit.reminded_at = None
            visit.save(
                update_fields=[
                    "technician",
                    "scheduled_start",
                    "scheduled_end",
                    "remind_at",
                    "reminded_at",
                ]
            )
            publish_visit(
                visit, "rescheduled", previous_technician_id=previous.pk if previous else None
            )
            tell_changed(visit, by, previous_technician=previous)
    except (_NotFree, IntegrityError) as error:
        if isinstance(error, IntegrityError) and not _is_double_booking(error):
            raise
        raise wish.alternatives(visit.organization) from None
    return visit


def visit_schedule(
    *,
    visit: ServiceRequest,
    technician: User,
    start: datetime,
    end: datetime,
    by: User,
    now: datetime | None = None,
) -> ServiceRequest:
    """The organization's visit staff put a waiting request, or a booked visit, in a
    technician's day by hand: any of its technicians at any time they have free, whatever
    their hours or areas (the day board's override). Raises ValidationError naming
    `technician` when they have another visit then."""
    now = now or timezone.now()
    if not is_visit_staff(by, visit.organization_id):
        raise ValidationError(_("Only the provider's staff can schedule visits."))
    if not works_for(technician, visit.organization_id, (Role.TECHNICIAN,)):
        raise ValidationError({"technician": _("Choose one of this provider's technicians.")})
    if end <= start:
        raise ValidationError({"end": _("A visit ends after it starts.")})
    if end - start > MAX_VISIT:
        raise ValidationError({"end": _("A visit lasts at most 12 hours.")})
    taken = ValidationError(
        {"technician": _("%(name)s has another visit then.") % {"name": technician}}
    )
    try:
        with transaction.atomic():
            # The visit, then the technician: the order visit_reschedule takes them in.
            visit = locked(visit)
            _lock_profile(visit.organization_id, technician)
            require_transition(visit, VisitStatus.SCHEDULED)
            if _overlaps(technician, start, end, exclude_visit_id=visit.pk):
                raise taken
            previous = visit.technician
            change = "booked" if visit.status == VisitStatus.REQUESTED else "rescheduled"
            visit.status = VisitStatus.SCHEDULED
            visit.technician = technician
            visit.scheduled_start, visit.scheduled_end = start, end
            visit.remind_at = _remind_at(visit.organization, start, now)
            visit.reminded_at = None
            visit.save(
                update_fields=[
                    "status",
                    "technician",
                    "scheduled_start",
                    "scheduled_end",
                    "remind_at",
                    "reminded_at",
                ]
            )
            publish_visit(visit, change, previous_technician_id=previous.pk if previous else None)
            if change == "booked":
                tell_booked(visit)
            else:
                tell_changed(visit, by, previous_technician=previous)
    except IntegrityError as error:
        if not _is_double_booking(error):
            raise
        raise taken from None
    return visit


def _overlaps(technician: User, start: datetime, end: datetime, *, exclude_visit_id: int) -> bool:
    return (
        ServiceRequest.objects.filter(
            technician=technician,
            scheduled_start__gte=start - MAX_VISIT,
            scheduled_start__lt=end,
            scheduled_end__gt=start,
        )
        .exclude(status=VisitStatus.CANCELLED)
        .exclude(pk=exclude_visit_id)
        .exists()
    )


# Calling off -----------------------------------------------------------------------------


def visit_cancel(*, visit: ServiceRequest, by: User, now: datetime | None = None) -> ServiceRequest:
    """The customer (up to the organization's cut-off) or its visit staff (at any time) call
    off a visit that has not begun; the technician's time is free again at once. Tells
    everyone the visit concerns; notifies all but whoever cancelled (`visit.changed`)."""
    now = now or timezone.now()
    with transaction.atomic():
        visit = locked(visit)
        _require_customer_or_staff(visit, by)
        require_transition(visit, VisitStatus.CANCELLED)
        require_before_cutoff(visit, by, now)
        visit.status = VisitStatus.CANCELLED
        visit.cancelled_at = now
        visit.remind_at = None
        visit.save(update_fields=["status", "cancelled_at", "remind_at"])
        publish_visit(visit, "cancelled")
        tell_changed(visit, by)
    return visit


# Checks ----------------------------------------------------------------------------------


def _require_customer_or_staff(visit: ServiceRequest, by: User) -> None:
    if by.pk != visit.customer_id and not is_visit_staff(by, visit.organization_id):
        raise ValidationError(_("Only the customer or the provider's staff can change a visit."))


def _check_ticket(ticket: Ticket | None, customer: User, organization: Organization) -> None:
    if ticket is not None and (
        ticket.customer_id != customer.pk or ticket.organization_id != organization.pk
    ):
        raise ValidationError({"ticket": _("Choose one of your tickets with this provider.")})


def _postal_code(value: str) -> str:
    try:
        return normalize_postal_code(value)
    except ValidationError as error:
        raise ValidationError({"postal_code": error.messages}) from None
