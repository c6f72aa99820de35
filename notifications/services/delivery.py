"""Delivery on the channels that leave the site (SMS, email, push): claiming queued rows,
calling the transports, retrying, and what providers report back."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import works_for
from csportal import ratelimit
from csportal.realtime import publish

from ..models import Channel, Notification, SmsOptOut, Status
from ..transports import TransportError, transport_for

logger = logging.getLogger(__name__)

DELIVERY_BATCH = 100


def _enqueue(notification_ids: list[int]) -> None:
    from ..tasks import deliver_notifications

    for start in range(0, len(notification_ids), DELIVERY_BATCH):
        deliver_notifications.delay(notification_ids[start : start + DELIVERY_BATCH])


# Sending ---------------------------------------------------------------------------------


def notifications_deliver(*, notification_ids: list[int]) -> dict[int, str]:
    """Send the queued, due notifications among `notification_ids`; skip everything else.

    Safe to run any number of times and from any number of workers: each row is claimed by
    exactly one caller, and a sent row is never claimed again. Outcomes are saved in one
    transaction for the batch. Returns {id: resulting status} for the rows this call sent.
    """
    now = timezone.now()
    claimed = _claim(notification_ids, now)
    # A number may have texted STOP after its message was queued: check again before sending.
    opted_out = set(
        SmsOptOut.objects.filter(
            phone__in=[n.address for n in claimed if n.channel == Channel.SMS]
        ).values_list("phone", flat=True)
    )
    transports: dict = {}
    for notification in claimed:
        if notification.channel == Channel.SMS and notification.address in opted_out:
            notification.status = Status.SUPPRESSED
            notification.error = _("The number opted out of SMS (STOP).")
            continue
        _send(notification, now, transports)
    if claimed:
        _save_outcomes(claimed)
    return {notification.pk: notification.status for notification in claimed}


def notification_deliver(*, notification_id: int) -> str | None:
    """Deliver one notification; the resulting status, or None if there was nothing to do."""
    return notifications_deliver(notification_ids=[notification_id]).get(notification_id)


def _claim(notification_ids: list[int], now: datetime) -> list[Notification]:
    """Take the due, queued ones among `notification_ids` for this worker alone.

    Rows another worker holds are skipped, not waited for; the conditional update commits
    the claim before any provider is called, so a second run finds nothing to claim.
    """
    due = Q(not_before__isnull=True) | Q(not_before__lte=now)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(due, pk__in=notification_ids, status=Status.QUEUED)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(due, pk__in=ids, status=Status.QUEUED).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(Notification.objects.filter(pk__in=ids, status=Status.SENDING, claimed_at=now))


def _send(notification: Notification, now: datetime, transports: dict) -> None:
    """Call the channel's transport and record the outcome on the (unsaved) row."""
    if notification.channel == Channel.SMS and not _take_sms_slot(notification, now):
        # Deferred, not failed: the attempt is handed back and the sweeper retries later.
        notification.status = Status.QUEUED
        notification.attempts -= 1
        notification.not_before = now + timedelta(minutes=10)
        notification.error = _("Rate limited; will retry.")
        return
    try:
        if notification.channel not in transports:
            transports[notification.channel] = transport_for(notification.channel)
        provider_id = transports[notification.channel].send(notification)
    except TransportError as exc:
        final = exc.permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        notification.error = str(exc)[:2000]
        if final:
            notification.status = Status.FAILED
            notification.failed_at = timezone.now()
        else:
            notification.status = Status.QUEUED
            notification.not_before = timezone.now() + _backoff(notification.attempts)
        logger.warning("notification %s: %s (final=%s)", notification.pk, exc, final)
    else:
        notification.status = Status.SENT
        notification.provider_id = provider_id[:100]
        notification.sent_at = timezone.now()
        notification.error = ""


def _take_sms_slot(notification: Notification, now: datetime) -> bool:
    """Count this SMS against its recipient's and organization's hourly limits."""
    hour = now.strftime("%Y%m%d%H")
    limits = [
        (f"sms-rate:to:{notification.address}:{hour}", settings.SMS_RATE_PER_RECIPIENT_PER_HOUR)
    ]
    if notification.organization_id:
        limits.append(
            (
                f"sms-rate:org:{notification.organization_id}:{hour}",
                settings.SMS_RATE_PER_ORGANIZATION_PER_HOUR,
            )
        )
    return ratelimit.take(limits, window=3600)


def _backoff(attempts: int) -> timedelta:
    seconds = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 3600))


def _save_outcomes(notifications: list[Notification]) -> None:
    """Record a batch's outcomes in one transaction.

    Sent rows, the common case, share every value but the provider id: one UPDATE for the
    shared values and one for the ids. (bulk_update over all seven fields built a CASE per
    field per row and cost more CPU than the sending.)
    """
    sent = [n for n in notifications if n.status == Status.SENT]
    others = [n for n in notifications if n.status != Status.SENT]
    with transaction.atomic():
        if sent:
            Notification.objects.filter(pk__in=[n.pk for n in sent]).update(
                status=Status.SENT, sent_at=timezone.now(), error=""
            )
            Notification.objects.bulk_update(sent, ["provider_id"])
        for notification in others:
            notification.save(
                update_fields=["status", "attempts", "error", "failed_at", "not_before"]
            )
        _publish_statuses(notifications)


def notifications_dispatch_due(*, now: datetime | None = None, batch_size: int = 500) -> list[int]:
    """Find queued rows that are due (retries, quiet hours over, lost tasks) and stuck sends.

    A send stuck in `sending` past the timeout means its worker died before recording an
    outcome; it goes back to the queue. If the provider had accepted it, that one message
    may go twice: we prefer a rare duplicate to a lost message.
    """
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.NOTIFICATION_STUCK_SECONDS)
    Notification.objects.filter(status=Status.SENDING, claimed_at__lt=stuck_before).update(
        status=Status.QUEUED, not_before=now
    )
    due = list(
        Notification.objects.filter(status=Status.QUEUED)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .order_by("id")
        .values_list("id", flat=True)[:batch_size]
    )
    _enqueue(due)
    return due


# The deliveries page, live ---------------------------------------------------------------

DELIVERIES_GROUP = "deliveries"
DELIVERIES_ROLES = (Role.MANAGER, Role.AGENT, Role.RECEPTIONIST)


def deliveries_group(organization_id: int) -> str:
    return f"{DELIVERIES_GROUP}.{organization_id}"


def may_watch_deliveries(user, organization_id: str) -> bool:
    return organization_id.isdigit() and works_for(user, int(organization_id), DELIVERIES_ROLES)


def _publish_statuses(notifications: list[Notification]) -> None:
    by_organization: dict[int, list[dict]] = {}
    for notification in notifications:
        if notification.organization_id:
            by_organization.setdefault(notification.organization_id, []).append(
                {"id": notification.pk, "status": notification.status, "error": notification.error}
            )
    for organization_id, statuses in by_organization.items():
        # Only to the open deliveries pages: every staff socket would otherwise get a frame
        # for each message's every step.
        publish(
            "notification.status",
            {"notifications": statuses},
            groups=[deliveries_group(organization_id)],
        )


# Provider reports ------------------------------------------------------------------------

# Twilio's MessageStatus values, mapped onto ours; earlier ones never overwrite later ones.
TWILIO_STATUS = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
    "read": Status.READ,
}
_RANK = {Status.SENT: 1, Status.DELIVERED: 2, Status.READ: 3, Status.FAILED: 2}


def notification_record_provider_status(
    *, provider_id: str, provider_status: str, error: str = ""
) -> Notification | None:
    status = TWILIO_STATUS.get(provider_status)
    if status is None:
        return None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(provider_id=provider_id).first()
        )
        if notification is None:
            return None
        if _RANK.get(notification.status, 0) >= _RANK[status]:
            return notification
        notification.status = status
        now = timezone.now()
        if status == Status.DELIVERED:
            notification.delivered_at = now
        elif status == Status.FAILED:
            notification.failed_at = now
            notification.error = error or _("The carrier reported the message undelivered.")
        notification.save(update_fields=["status", "delivered_at", "failed_at", "error"])
        _publish_statuses([notification])
    return notification
