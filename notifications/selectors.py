from django.db.models import QuerySet, Subquery

from accounts.models import Organization, User
from csportal.queries import count_of

from .models import Channel, Notification


def inbox_for(user: User) -> QuerySet[Notification]:
    """The person's in-app notifications, newest first."""
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP).order_by("-id")


def unread_count(user: User) -> int:
    return Notification.objects.unread_in_app(user).count()


def unread_count_subquery(user: User) -> Subquery:
    """`unread_count` for a caller that folds it into a bigger query."""
    return count_of(Notification.objects.unread_in_app(user))


def deliveries_for(organization: Organization) -> QuerySet[Notification]:
    """Every message the organization sent on an outside channel, newest first."""
    return (
        Notification.objects.filter(organization=organization)
        .exclude(channel=Channel.IN_APP)
        .select_related("recipient")
        .order_by("-id")
    )
