from django.http import Http404

from .models import Notification


def access_notification(user, notification_id) -> Notification:
    """One of the user's own notifications; anyone else's is a 404."""
    try:
        return Notification.objects.get(pk=int(notification_id), recipient=user)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
