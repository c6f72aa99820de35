"""Telling people things: which channels, to which address, and delivery on each."""

import logging
import zoneinfo
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CustomerProfile, Organization, Role, User, normalize_phone
from accounts.selectors import works_for
from csportal import ratelimit
from csportal.realtime import publish, user_group

from . import kinds, selectors
from .models import (
    Channel,
    Notification,
    NotificationPreference,
    OrganizationDefault,
    PendingNotification,
    PushSubscription,
    QuietHours,
    SmsOptOut,
    Status,
)
from .transports import TransportError, push_endpoint_allowed, transport_for

logger = logging.getLogger(__name__)

# SMS and push wait out quiet hours; in-app and email don't wake anybody.
QUIET_CHANNELS = {Channel.SMS, Channel.PUSH}


# Choosing channels -----------------------------------------------------------------------


def channels_for(*, user: User, kind: str, organization: Organization | None = None) -> list[str]:
    """The person's own choice for the kind, else the organization's default, else the kind's."""
    preference = NotificationPreference.objects.filter(user=user, kind=kind).first()
    if preference is not None:
        return list(preference.channels)
    if organization is not None:
        default = OrganizationDefault.objects.filter(organization=organization, kind=kind).first()
        if default is not None:
            return list(default.channels)
    return list(kinds.get(kind).default_channels)


def quiet_until(user: User, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if `now` falls inside them."""
    quiet = QuietHours.objects.filter(user=user).first()
    if quiet is None or quiet.start == quiet.end:
        return None
    zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    local = now.astimezone(zone)
    start = local.replace(hour=quiet.start.hour, minute=quiet.start.minute, second=0, microsecond=0)
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if quiet.start < quiet.end:
        inside = start <= local < end
    else:  # spans midnight, e.g. 22:00-07:00
        inside = local >= start or local < end
        if inside and local >= start:
            end += timedelta(days=1)
    return end.astimezone(UTC) if inside else None


def _address(user: User, channel: str) -> str:
    if channel == Channel.SMS:
        profile = CustomerProfile.objects.filter(user=user).only("phone").first()
        return profile.phone if profile else ""
    if channel == Channel.EMAIL:
        profile = CustomerProfile.objects.filter(user=user).only("contact_email").first()
        return (profile and profile.contact_email) or user.email
    if channel == Channel.PUSH:
        return "browser" if PushSubscription.objects.filter(user=user).exists() else ""
    return user_group(user.pk)


def _suppression(channel: str, address: str) -> str:
    if not address:
        return _("No address on file for this channel.")
    if channel == Channel.SMS and SmsOptOut.objects.filter(phone=address).exists():
        return _("The number opted out of SMS (STOP).")
    return ""


# Creating notifications ------------------------------------------------------------------


def notify(
    *,
    recipient: User,
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    link: str = "",
    data: dict | None = None,
    organization: Organization | None = None,
    channels: Iterable[str] | None = None,
) -> list[Notification]:
    """Tell `recipient` on each channel they chose for `kind`; once per `dedupe_key`.

    Call inside the transaction that made the change: rows are saved there, the in-app one
    is published after commit, and other channels are sent by a worker after commit.
    Calling again with the same dedupe_key creates and sends nothing new.
    """
    kinds.get(kind)
    now = timezone.now()
    chosen = (
        list(channels)
        if channels is not None
        else channels_for(user=recipient, kind=kind, organization=organization)
    )
    quiet = quiet_until(recipient, now) if QUIET_CHANNELS & set(chosen) else None
    created = []
    with transaction.atomic():
        for channel in chosen:
            address = _address(recipient, channel)
            suppressed = _suppression(channel, address)
            in_app = channel == Channel.IN_APP
            notification, was_created = Notification.objects.get_or_create(
                dedupe_key=f"{dedupe_key}:{channel}",
                defaults={
                    "recipient": recipient,
                    "organization": organization,
                    "address": address,
                    "channel": channel,
                    "kind": kind,
                    "title": title[:200],
                    "body": body,
                    "link": link,
                    "data": data or {},
                    "status": Status.SUPPRESSED
                    if suppressed
                    else (Status.SENT if in_app else Status.QUEUED),
                    "error": suppressed,
                    "sent_at": now if in_app else None,
                    "not_before": quiet if channel in QUIET_CHANNELS else None,
                },
            )
            if was_created:
                created.append(notification)
        for notification in created:
            if notification.channel == Channel.IN_APP:
                _publish_in_app(notification)
        due = [
            n.pk
            for n in created
            if n.status == Status.QUEUED and (n.not_before is None or n.not_before <= now)
        ]
        if due:
            transaction.on_commit(lambda: _enqueue(due))
    return created


def pending_notification(
    *,
    recipient: User,
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    link: str = "",
    data: dict | None = None,
    organization: Organization | None = None,
) -> PendingNotification:
    """The unsaved row behind `notify_after_commit`, for a caller that saves it itself; it
    then calls `drain_after_commit()`."""
    kinds.get(kind)
    return PendingNotification(
        recipient=recipient,
        organization=organization,
        kind=kind,
        title=title[:200],
        body=body,
        link=link,
        data=data or {},
        dedupe_key=dedupe_key,
    )


def notify_after_commit(**message) -> None:
    """`notify` (same arguments), done by a worker once the transaction commits.

    For request paths that must stay short (opening a ticket): choosing channels and writing
    one row per channel is a dozen queries; here it is one row, written in the caller's
    transaction, so the message commits or rolls back with the change. A process that dies
    right after its commit loses nothing: the sweep every 30 s drains what no worker was
    woken for.
    """
    pending_notification(**message).save()
    drain_after_commit()


DRAIN_QUEUED_KEY = "notifications:drain-queued"
# Should a queued drain be lost (a broker flushed), the next one is queued after this long.
DRAIN_QUEUED_SECONDS = 10


def drain_after_commit() -> None:
    """Have a worker turn the pending rows into notifications once this transaction commits."""
    transaction.on_commit(_queue_drain, robust=True)


def _queue_drain() -> None:
    # One drain waits in the queue at a time. Under load one worker run turns many requests'
    # rows into notifications, and a request pays for a SET NX instead of a Celery publish
    # (0.6 ms of CPU). The drain deletes the key before it reads, so a row committed after
    # that read finds the key gone and queues the next.
    if not cache.add(DRAIN_QUEUED_KEY, 1, DRAIN_QUEUED_SECONDS):
        return
    from .tasks import drain_pending_notifications

    try:
        drain_pending_notifications.delay()
    except Exception:
        # The sweep every 30 s drains what this would have.
        cache.delete(DRAIN_QUEUED_KEY)
        logger.warning("could not queue the notification drain", exc_info=True)


def pending_notifications_drain(*, batch_size: int = 100) -> int:
    """Turn every pending row into its notifications (see `notify`); returns how many.

    Rows are claimed with SKIP LOCKED, so drains running side by side share the work, and
    `notify`'s dedupe key makes a row that is somehow turned twice send once.
    """
    cache.delete(DRAIN_QUEUED_KEY)
    done, after = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                PendingNotification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient", "organization")
                .filter(pk__gt=after)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return done
            after = batch[-1].pk
            finished = []
            for pending in batch:
                if _notify_pending(pending):
                    finished.append(pending.pk)
            PendingNotification.objects.filter(pk__in=finished).delete()
            done += len(finished)


def _notify_pending(pending: PendingNotification) -> bool:
    """Whether the row is done with: sent on, or given up after too many failures."""
    try:
        with transaction.atomic():
            notify(
                recipient=pending.recipient,
                organization=pending.organization,
                kind=pending.kind,
                title=pending.title,
                body=pending.body,
                link=pending.link,
                data=pending.data,
                dedupe_key=pending.dedupe_key,
            )
        return True
    except Exception:
        pending.attempts += 1
        # Dropped in the end, with the error in the log, so that one bad row can't hold up
        # the others for good.
        given_up = pending.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        logger.exception(
            "pending notification %s failed (attempt %d)%s",
            pending.dedupe_key,
            pending.attempts,
            ", dropped" if given_up else "",
        )
        if not given_up:
            PendingNotification.objects.filter(pk=pending.pk).update(attempts=pending.attempts)
        return given_up


def notify_contact(
    *,
    kind: str,
    title: str,
    dedupe_key: str,
    phone: str = "",
    email: str = "",
    body: str = "",
    link: str = "",
    data: dict | None = None,
    organization: Organization | None = None,
) -> list[Notification]:
    """Message a bare contact (no account) by SMS and/or email; once per `dedupe_key`."""
    kinds.get(kind)
    targets = []
    if phone:
        try:
            targets.append((Channel.SMS, normalize_phone(phone)))
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    if email:
        targets.append((Channel.EMAIL, email.strip()))
    if not targets:
        raise ValidationError(_("Give a phone number or an email address."))
    created = []
    with transaction.atomic():
        for channel, address in targets:
            suppressed = _suppression(channel, address)
            notification, was_created = Notification.objects.get_or_create(
                dedupe_key=f"{dedupe_key}:{channel}",
                defaults={
                    "organization": organization,
                    "address": address,
                    "channel": channel,
                    "kind": kind,
                    "title": title[:200],
                    "body": body,
                    "link": link,
                    "data": data or {},
                    "status": Status.SUPPRESSED if suppressed else Status.QUEUED,
                    "error": suppressed,
                },
            )
            if was_created:
                created.append(notification)
        due = [n.pk for n in created if n.status == Status.QUEUED]
        if due:
            transaction.on_commit(lambda: _enqueue(due))
    return created


DELIVERY_BATCH = 100


def _enqueue(notification_ids: list[int]) -> None:
    from .tasks import deliver_notifications

    for start in range(0, len(notification_ids), DELIVERY_BATCH):
        deliver_notifications.delay(notification_ids[start : start + DELIVERY_BATCH])


def _unread_count(user_id: int) -> int:
    return Notification.objects.filter(
        recipient_id=user_id, channel=Channel.IN_APP, read_at__isnull=True
    ).count()


def _publish_in_app(notification: Notification) -> None:
    publish(
        "notification.created",
        {
            "id": notification.pk,
            "kind": notification.kind,
            "title": notification.title,
            "body": notification.body,
            "link": notification.link,
            "created_at": notification.created_at,
            "unread": _unread_count(notification.recipient_id),
        },
        groups=[user_group(notification.recipient_id)],
    )


# Reading ---------------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    with transaction.atomic():
        updated = Notification.objects.filter(
            pk=notification.pk, recipient=user, read_at__isnull=True
        ).update(read_at=timezone.now(), status=Status.READ)
        if updated:
            _publish_unread(user)
    notification.refresh_from_db()
    return notification


def notification_mark_all_read(*, user: User) -> int:
    with transaction.atomic():
        updated = Notification.objects.unread_in_app(user).update(
            read_at=timezone.now(), status=Status.READ
        )
        if updated:
            _publish_unread(user)
    return updated


def _publish_unread(user: User) -> None:
    publish("notification.read", {"unread": _unread_count(user.pk)}, groups=[user_group(user.pk)])


# Preferences -----------------------------------------------------------------------------


def _clean_channels(channels: Iterable[str]) -> list[str]:
    channels = list(dict.fromkeys(channels))
    unknown = [c for c in channels if c not in Channel.values]
    if unknown:
        raise ValidationError({"channels": _("Unknown channel: %s") % ", ".join(unknown)})
    return channels


def preference_set(*, user: User, kind: str, channels: Iterable[str]) -> NotificationPreference:
    try:
        kinds.get(kind)
    except LookupError:
        raise ValidationError({"kind": _("Unknown kind of notification.")}) from None
    if kind not in {receivable.name for receivable in selectors.kinds_for(user)}:
        raise ValidationError({"kind": _("You don't receive this kind of notification.")})
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"channels": _clean_channels(channels)}
    )
    return preference


def organization_default_set(
    *, organization: Organization, kind: str, channels: Iterable[str]
) -> OrganizationDefault:
    try:
        kinds.get(kind)
    except LookupError:
        raise ValidationError({"kind": _("Unknown kind of notification.")}) from None
    default, _created = OrganizationDefault.objects.update_or_create(
        organization=organization, kind=kind, defaults={"channels": _clean_channels(channels)}
    )
    return default


def quiet_hours_set(*, user: User, start, end) -> QuietHours | None:
    """Set quiet hours, or clear them when either end is empty."""
    if start is None or end is None:
        QuietHours.objects.filter(user=user).delete()
        return None
    quiet, _created = QuietHours.objects.update_or_create(
        user=user, defaults={"start": start, "end": end}
    )
    return quiet


def push_subscribe(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Remember a browser's subscription; its endpoint must be on a known push service."""
    if not push_endpoint_allowed(endpoint):
        raise ValidationError(
            {"endpoint": _("This is not the address of a browser push service we send to.")}
        )
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    return subscription


def push_unsubscribe(*, user: User, endpoint: str) -> None:
    PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()


# Delivery --------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    seconds = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 3600))


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


DELIVERIES_GROUP = "deliveries"
DELIVERIES_ROLES = (Role.MANAGER, Role.AGENT, Role.RECEPTIONIST)


def deliveries_group(organization_id: int) -> str:
    return f"{DELIVERIES_GROUP}.{organization_id}"


def may_watch_deliveries(user, organization_id: str) -> bool:
    return organization_id.isdigit() and works_for(user, int(organization_id), DELIVERIES_ROLES)


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


def notification_deliver(*, notification_id: int) -> str | None:
    """Deliver one notification; the resulting status, or None if there was nothing to do."""
    return notifications_deliver(notification_ids=[notification_id]).get(notification_id)


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


# SMS consent -----------------------------------------------------------------------------

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"}
START_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}


def sms_consent_from_reply(*, phone: str, body: str) -> str | None:
    """Apply STOP / START keywords; returns "stop", "start" or None for anything else."""
    word = body.strip().upper()
    if word in STOP_WORDS:
        SmsOptOut.objects.get_or_create(phone=phone)
        return "stop"
    if word in START_WORDS:
        SmsOptOut.objects.filter(phone=phone).delete()
        return "start"
    return None
