from celery import shared_task

from . import services


@shared_task(acks_late=True)
def deliver_notifications(notification_ids: list[int]) -> dict[int, str]:
    return services.notifications_deliver(notification_ids=notification_ids)


@shared_task
def dispatch_due_notifications() -> int:
    return len(services.notifications_dispatch_due())


@shared_task(acks_late=True)
def drain_pending_notifications() -> int:
    return services.pending_notifications_drain()
