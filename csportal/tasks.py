from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import Event


@shared_task
def health() -> str:
    """A no-op the health check and the embedded-mode test can round-trip through a worker."""
    return "ok"


@shared_task
def prune_events(batch_size: int = 5000) -> int:
    """Drop events older than the replay window, in batches so no one lock is held long."""
    cutoff = timezone.now() - timedelta(days=settings.REALTIME_EVENT_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            Event.objects.filter(created_at__lt=cutoff).values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        deleted += Event.objects.filter(id__in=ids).delete()[0]
