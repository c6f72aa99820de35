"""Reminding customers of their visit before it: a periodic sweep over due reminders."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify

from ..models import ServiceRequest, VisitStatus
from .events import when


def visits_send_reminders(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Remind the customer of every booked visit whose reminder time has come.

    Each reminder is claimed by clearing its `remind_at` in a conditional update, so any
    number of concurrent sweeps send each once; the notification's dedupe key holds it to
    once more should a claim be repeated. Returns how many were sent.
    """
    now = now or timezone.now()
    sent = 0
    while True:
        due = list(
            ServiceRequest.objects.filter(remind_at__lte=now)
            .select_related("organization", "customer", "technician")
            .order_by("remind_at", "pk")[:batch_size]
        )
        if not due:
            return sent
        for visit in due:
            claimed = ServiceRequest.objects.filter(pk=visit.pk, remind_at=visit.remind_at).update(
                remind_at=None, reminded_at=now
            )
            if not claimed:
                continue
            start = visit.scheduled_start
            if visit.status != VisitStatus.SCHEDULED or start is None or start <= now:
                continue  # moved on or started meanwhile: nothing to remind of
            _remind(visit, start)
            sent += 1


def _remind(visit: ServiceRequest, start: datetime) -> None:
    # A worker sends it straight away: nobody waits on this sweep.
    notify(
        recipient=visit.customer,
        kind="visit.reminder",
        title=_("Reminder: your visit on %(when)s") % {"when": when(visit)},
        body=_("%(technician)s will come for: %(summary)s")
        % {"technician": visit.technician, "summary": visit.summary},
        organization=visit.organization,
        dedupe_key=f"visit-reminder:{visit.pk}:{start.isoformat()}:{visit.customer_id}",
        data={"visit": visit.pk},
    )
