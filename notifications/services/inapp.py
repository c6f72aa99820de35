"""The in-app inbox: what is published to a person's open pages, and marking it read."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from csportal.realtime import publish, user_group

from ..models import Channel, Notification, Status


def _unread_count(user_id: int) -> int:
    return Notification.objects.filter(
        recipient_id=user_id, channel=Channel.IN_APP, read_at__isnull=True
    ).count()


def _publish_in_app(notification: Notification) -> None:
    recipient_id = notification.recipient_id
    if recipient_id is None:  # only contacts without an account have none, never in-app
        return
    publish(
        "notification.created",
        {
            "id": notification.pk,
            "kind": notification.kind,
            "title": notification.title,
            "body": notification.body,
            "link": notification.link,
            "created_at": notification.created_at,
            "unread": _unread_count(recipient_id),
        },
        groups=[user_group(recipient_id)],
    )


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
