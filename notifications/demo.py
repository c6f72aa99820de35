"""For `manage.py seed_demo`: the demo's past is made through the same services as a live
change, which tell people about it. What happened weeks ago was read weeks ago."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Max

from .models import Notification, PendingNotification


@contextmanager
def untold() -> Iterator[None]:
    """Forget the notifications made inside the block, sent or still pending. Only for the
    seeding command, which runs alone: a row someone else made meanwhile would go too."""
    pending = PendingNotification.objects.aggregate(last=Max("pk"))["last"] or 0
    made = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    yield
    PendingNotification.objects.filter(pk__gt=pending).delete()
    Notification.objects.filter(pk__gt=made).delete()
