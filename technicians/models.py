import re
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_phone
from accounts.scoping import OrganizationScopedQuerySet
from csportal.choices import label_of
from csportal.dates import format_date

from .constraints import PostgresExclusionConstraint, TsTzRange

# The longest visit anyone books: an overlap search reads a technician's visits from this
# long before a window, so the (technician, start) index bounds it on both sides.
MAX_VISIT = timedelta(hours=12)
POSTAL_CODE_MAX = 12
_POSTAL_SPACING = re.compile(r"[\s\-]+")
_POSTAL_CODE = re.compile(r"^[A-Z0-9]+$")


def normalize_postal_code(value: str) -> str:
    """The postal code as areas store their prefixes: upper case, without spaces or dashes
    ("ls2 7qt" and "LS2-7QT" are both "LS27QT"); raise ValidationError if it isn't one."""
    code = _POSTAL_SPACING.sub("", value or "").upper()
    if not code or len(code) > POSTAL_CODE_MAX or not _POSTAL_CODE.match(code):
        raise ValidationError(_("Enter a postal code of letters and digits."))
    return code


class BranchOffice(models.Model):
    """A local office of the organization; its receptionists handle its areas' visits."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="branch_offices"
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.TextField(_("address"), blank=True, max_length=500)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("branch office")
        verbose_name_plural = _("branch offices")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="branch_office_name")
        ]

    def __str__(self) -> str:
        return self.name


class ServiceArea(models.Model):
    """Where the organization's technicians go: the postal codes that start with one of its
    prefixes (`PostalPrefix`), handled by one branch office."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="service_areas"
    )
    # PROTECT: an office is closed by moving its areas first, never by losing them.
    branch_office = models.ForeignKey(
        BranchOffice, on_delete=models.PROTECT, related_name="areas", verbose_name=_("office")
    )
    name = models.CharField(_("name"), max_length=100)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="service_area_name")
        ]

    def __str__(self) -> str:
        return self.name


class PostalPrefix(models.Model):
    """One postal-code prefix of an area, normalized (`normalize_postal_code`).

    A postal code belongs to the area of its longest prefix: "LS2" beats "LS". Each prefix
    names one area per organization, so every address has one office to handle it; areas
    may still share technicians. The lookup asks for every prefix of the code at once
    ("L", "LS", "LS2", ...), which the unique index answers on any database.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    area = models.ForeignKey(ServiceArea, on_delete=models.CASCADE, related_name="prefixes")
    prefix = models.CharField(_("postal code prefix"), max_length=POSTAL_CODE_MAX)

    class Meta:
        verbose_name = _("postal code prefix")
        verbose_name_plural = _("postal code prefixes")
        ordering = ["prefix"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "prefix"], name="postal_prefix_once")
        ]

    def __str__(self) -> str:
        return self.prefix


class ProductLine(models.Model):
    """What customers can book a technician for ("Boilers"), under the skill slug a
    technician must have.

    Technicians' skills are not a model of this app: a technician holds a product line's
    skill as an `accounts.AgentSkill` of their membership, as agents hold the skills ticket
    categories ask for. What a staff member can handle is one idea, kept in one model that
    routing already reads; this catalogue only names, for customers and managers, which
    skills the organization sends technicians for (as `tickets.Category` does for tickets).
    The slug never changes once made, since skills refer to it by value.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="product_lines"
    )
    name = models.CharField(_("name"), max_length=100)
    skill = models.SlugField(_("skill"), max_length=50)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "skill"], name="product_line_skill"),
            models.UniqueConstraint(fields=["organization", "name"], name="product_line_name"),
        ]

    def __str__(self) -> str:
        return self.name


def profile_photo_path(profile: "TechnicianProfile", filename: str) -> str:
    # The name the service chose (random, with the sniffed type's extension).
    return f"technicians/{profile.organization_id}/{filename}"


class TechnicianProfile(models.Model):
    """What customers see of a technician, and where and what they are booked for.

    One per technician membership; their skills are the membership's AgentSkills."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="technician_profile"
    )
    # The membership's, repeated so areas and searches filter by it without a join.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="technician_profiles"
    )
    areas = models.ManyToManyField(
        ServiceArea, blank=True, related_name="technicians", verbose_name=_("areas")
    )
    introduction = models.TextField(_("introduction"), blank=True, max_length=1000)
    photo = models.FileField(_("photo"), upload_to=profile_photo_path, blank=True, max_length=200)
    photo_type = models.CharField(max_length=50, blank=True)
    years_of_experience = models.PositiveSmallIntegerField(_("years of experience"), default=0)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("technician profile")
        verbose_name_plural = _("technician profiles")

    def __str__(self) -> str:
        return str(self.membership.user)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    """When a technician works on a weekday, in the organization's time zone: 08:00-12:00
    is eight to noon local time in winter and in summer alike. A day may have several
    (a split shift); none runs past midnight."""

    technician = models.ForeignKey(
        TechnicianProfile, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="hours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class TimeOff(models.Model):
    """A stretch when a technician can't be booked: a holiday, training, a doctor's visit."""

    technician = models.ForeignKey(
        TechnicianProfile, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="time_off_end_after_start")
        ]
        indexes = [
            # Time off that isn't over yet, per technician: availability reads only that.
            models.Index(fields=["technician", "end"], name="time_off_technician_end")
        ]

    def __str__(self) -> str:
        return f"{self.technician}: {self.start:%Y-%m-%d} - {self.end:%Y-%m-%d}"


class VisitSettings(models.Model):
    """An organization's rules for visits; an organization without a row has the defaults."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="visit_settings"
    )
    change_cutoff_hours = models.PositiveSmallIntegerField(
        _("customers may cancel or reschedule until (hours before)"), default=24
    )
    visit_minutes = models.PositiveSmallIntegerField(_("usual visit length (minutes)"), default=60)
    slot_minutes = models.PositiveSmallIntegerField(_("offer times every (minutes)"), default=30)
    reminder_hours = models.PositiveSmallIntegerField(
        _("remind customers (hours before)"), default=24
    )

    class Meta:
        verbose_name = _("visit settings")
        verbose_name_plural = _("visit settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(visit_minutes__gte=15, visit_minutes__lte=MAX_VISIT.seconds // 60),
                name="visit_settings_length",
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5, slot_minutes__lte=240),
                name="visit_settings_slot",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organization)


class VisitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # asked for; no technician or time yet
    SCHEDULED = "scheduled", _("Scheduled")  # a technician and a time are booked
    ON_THE_WAY = "on_the_way", _("On the way")  # the technician set off for it
    ARRIVED = "arrived", _("Arrived")  # the technician is at the door
    IN_PROGRESS = "in_progress", _("Working")  # the technician is at work on site
    COMPLETED = "completed", _("Completed")  # the technician reported the work done
    CANCELLED = "cancelled", _("Cancelled")  # it will not happen


# Which status may follow which; enforced by services. The technician may skip a step
# (forgot to tap "on the way") but never go back.
VISIT_TRANSITIONS: dict[str, set[str]] = {
    VisitStatus.REQUESTED: {VisitStatus.SCHEDULED, VisitStatus.CANCELLED},
    VisitStatus.SCHEDULED: {
        VisitStatus.SCHEDULED,
        VisitStatus.ON_THE_WAY,
        VisitStatus.ARRIVED,
        VisitStatus.IN_PROGRESS,
        VisitStatus.CANCELLED,
    },
    VisitStatus.ON_THE_WAY: {VisitStatus.ARRIVED, VisitStatus.IN_PROGRESS, VisitStatus.CANCELLED},
    VisitStatus.ARRIVED: {VisitStatus.IN_PROGRESS, VisitStatus.CANCELLED},
    VisitStatus.IN_PROGRESS: {VisitStatus.COMPLETED},
    VisitStatus.COMPLETED: set(),
    VisitStatus.CANCELLED: set(),
}
# The technician's taps on their phone, in order, and the time each one stamps.
VISIT_STEPS: dict[str, str] = {
    VisitStatus.ON_THE_WAY: "on_the_way_at",
    VisitStatus.ARRIVED: "arrived_at",
    VisitStatus.IN_PROGRESS: "started_at",
}
# Booked and not called off: what holds a technician's time.
BOOKED_STATUSES = (
    VisitStatus.SCHEDULED,
    VisitStatus.ON_THE_WAY,
    VisitStatus.ARRIVED,
    VisitStatus.IN_PROGRESS,
    VisitStatus.COMPLETED,
)


class VisitOutcome(models.TextChoices):
    FIXED = "fixed", _("Fixed")
    NEEDS_ANOTHER_VISIT = "needs_another_visit", _("Needs another visit")
    NOT_FIXED = "could_not_fix", _("Could not fix")


class ServiceRequest(models.Model):
    """A customer's request for a technician's visit, from asking to the work done.

    The unit of field work: what a technician's day is made of, what a customer books,
    and what a review or a satisfaction survey can be about.
    """

    # No single-column indexes on customer and technician: the composite indexes below
    # lead with them and serve the same lookups.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="service_requests"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="service_requests",
        db_index=False,
    )
    # The work order the visit serves, when it came from one.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_requests",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        db_index=False,
    )
    # The receptionist who booked it for a caller; empty when the customer booked.
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    summary = models.CharField(_("what needs doing"), max_length=200)
    address = models.TextField(_("address"), blank=True, max_length=500)
    postal_code = models.CharField(_("postal code"), max_length=POSTAL_CODE_MAX, blank=True)
    # The area of the postal code when it was booked: its office's receptionists handle it.
    area = models.ForeignKey(
        ServiceArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("area"),
    )
    product = models.ForeignKey(
        ProductLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("product"),
    )
    symptoms = models.TextField(_("what is wrong"), blank=True, max_length=2000)
    customer_notes = models.TextField(_("notes for the technician"), blank=True, max_length=1000)
    status = models.CharField(
        _("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.REQUESTED
    )
    scheduled_start = models.DateTimeField(_("starts"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("ends"), null=True, blank=True)
    report = models.TextField(_("work done"), blank=True, max_length=4000)
    parts_used = models.TextField(_("parts used"), blank=True, max_length=2000)
    time_spent_minutes = models.PositiveIntegerField(
        _("time spent (minutes)"), null=True, blank=True
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=VisitOutcome.choices, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    on_the_way_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When the customer is to be reminded of the booked time (set when it is booked, from
    # the organization's reminder_hours), and when they were; the sweep claims by clearing
    # remind_at.
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = OrganizationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(scheduled_end__isnull=True)
                | Q(scheduled_start__lt=models.F("scheduled_end")),
                name="visit_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(status=VisitStatus.COMPLETED) | Q(completed_at__isnull=False),
                name="visit_completed_has_time",
            ),
            # No technician is booked twice at once (technicians.constraints).
            PostgresExclusionConstraint(
                name="visit_no_double_booking",
                expressions=[
                    ("technician", RangeOperators.EQUAL),
                    (TsTzRange("scheduled_start", "scheduled_end"), RangeOperators.OVERLAPS),
                ],
                condition=Q(technician__isnull=False, scheduled_start__isnull=False)
                & ~Q(status=VisitStatus.CANCELLED),
            ),
        ]
        indexes = [
            # A customer's visits, newest first (their pages, what they may rate).
            models.Index(fields=["customer", "-created_at"], name="visit_customer_recent"),
            # A technician's day, and availability's overlap reads (bounded by MAX_VISIT).
            models.Index(fields=["technician", "scheduled_start"], name="visit_technician_day"),
            # The organization's day board and workload, by booked time.
            models.Index(fields=["organization", "scheduled_start"], name="visit_org_day"),
            # The desk's waiting requests, oldest first.
            models.Index(
                fields=["organization", "created_at"],
                condition=Q(status=VisitStatus.REQUESTED),
                name="visit_waiting",
            ),
            # The reminder sweep: only visits with a reminder still to send are in it.
            models.Index(
                fields=["remind_at"],
                condition=Q(remind_at__isnull=False),
                name="visit_reminder_due",
            ),
        ]

    def __str__(self) -> str:
        when = self.scheduled_start or self.created_at
        return f"{self.summary} ({format_date(when)})"

    @property
    def status_label(self) -> str:
        """get_status_display() without its dict built per call (csportal.choices), as every
        row of an agenda or a board shows it."""
        return label_of(VisitStatus, self.status)

    @property
    def booked_minutes(self) -> int:
        if self.scheduled_start is None or self.scheduled_end is None:
            return 0
        return int((self.scheduled_end - self.scheduled_start).total_seconds() // 60)


def visit_photo_path(photo: "VisitPhoto", filename: str) -> str:
    return f"visits/{photo.visit_id}/{filename}"


class VisitPhoto(models.Model):
    """A picture the technician took on a visit, stored under a random name and served only
    through an authorised view (technicians.views.visit_photo)."""

    visit = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=visit_photo_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename
