"""`notify_after_commit`: one pending row in the caller's transaction, turned into
notifications by a worker once it commits."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.models import Organization, User

from .. import kinds
from ..models import PendingNotification
from .sending import notify, worded_in

logger = logging.getLogger(__name__)

DRAIN_QUEUED_KEY = "notifications:drain-queued"
# Should a queued drain be lost (a broker flushed), the next one is queued after this long.
DRAIN_QUEUED_SECONDS = 10


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
    language: str | None = None,
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
        language=worded_in(language),
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
    from ..tasks import drain_pending_notifications

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
                # Worded where the change was made, in the recipient's language.
                language=pending.language or None,
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
