from celery import shared_task

from . import services


@shared_task
def send_visit_reminders() -> int:
    return services.visits_send_reminders()
