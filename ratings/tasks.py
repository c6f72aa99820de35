from celery import shared_task

from . import services


@shared_task
def snapshot_scores() -> int:
    return services.scores_snapshot()
