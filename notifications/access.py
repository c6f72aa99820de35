from django.http import Http404

from accounts.access import Requester, parse_id

from .models import Notification


def access_notification(user: Requester, notification_id: object) -> Notification:
    """One of the user's own notifications; anyone else's is a 404."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Notification.objects.get(pk=parse_id(notification_id), recipient=user)
    except Notification.DoesNotExist:
        raise Http404 from None
