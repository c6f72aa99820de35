from collections.abc import Iterable

from django.db.models import QuerySet, Subquery

from accounts.models import Membership, Organization, User
from accounts.selectors import staff_memberships_of
from csportal.queries import count_of

from . import kinds
from .models import Channel, Notification


def kinds_for(user: User, memberships: Iterable[Membership] | None = None) -> list[kinds.Kind]:
    """The kinds the person can receive: the customers' (everyone's), and those of each role
    they hold on a staff. `memberships`, when the caller has their active ones already."""
    if memberships is None:
        roles = set(staff_memberships_of(user).values_list("role", flat=True))
    else:
        roles = {membership.role for membership in memberships}
    return kinds.for_audience({kinds.CUSTOMER, *roles})


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
