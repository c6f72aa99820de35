from celery import shared_task

from . import services


@shared_task
def send_reminders() -> int:
    return services.tickets_send_reminders()
