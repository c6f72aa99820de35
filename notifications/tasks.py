from celery import shared_task

from . import services


@shared_task(acks_late=True)
def deliver_notifications(notification_ids: list[int]) -> dict[int, str]:
    return services.notifications_deliver(notification_ids=notification_ids)


@shared_task
def dispatch_due_notifications() -> int:
    return len(services.notifications_dispatch_due())


@shared_task(acks_late=True)
def notify_later(recipient_id: int, organization_id: int | None, fields: dict) -> None:
    services.notify_by_ids(recipient_id, organization_id, fields)
