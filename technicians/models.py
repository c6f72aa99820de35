from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationScopedQuerySet
from csportal.dates import format_date


class VisitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # asked for; no technician or time yet
    SCHEDULED = "scheduled", _("Scheduled")  # a technician and a time are booked
    IN_PROGRESS = "in_progress", _("In progress")  # the technician is on site
    COMPLETED = "completed", _("Completed")  # the technician reported the work done
    CANCELLED = "cancelled", _("Cancelled")  # it will not happen


# Which status may follow which; enforced by services.
VISIT_TRANSITIONS: dict[str, set[str]] = {
    VisitStatus.REQUESTED: {VisitStatus.SCHEDULED, VisitStatus.CANCELLED},
    VisitStatus.SCHEDULED: {VisitStatus.SCHEDULED, VisitStatus.IN_PROGRESS, VisitStatus.CANCELLED},
    VisitStatus.IN_PROGRESS: {VisitStatus.COMPLETED},
    VisitStatus.COMPLETED: set(),
    VisitStatus.CANCELLED: set(),
}


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
    summary = models.CharField(_("what needs doing"), max_length=200)
    address = models.TextField(_("address"), blank=True, max_length=500)
    status = models.CharField(
        _("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.REQUESTED
    )
    scheduled_start = models.DateTimeField(_("starts"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("ends"), null=True, blank=True)
    report = models.TextField(_("technician's report"), blank=True, max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

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
        ]
        indexes = [
            # A customer's visits, newest first (their pages, what they may rate).
            models.Index(fields=["customer", "-created_at"], name="visit_customer_recent"),
            # A technician's day.
            models.Index(fields=["technician", "scheduled_start"], name="visit_technician_day"),
        ]

    def __str__(self) -> str:
        when = self.scheduled_start or self.created_at
        return f"{self.summary} ({format_date(when)})"
