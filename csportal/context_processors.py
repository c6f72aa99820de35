from django.conf import settings
from django.utils import timezone

from accounts.models import PresenceStatus, User
from accounts.selectors import presence_status_subquery, realtime_groups_for, request_memberships
from accounts.views import role_home_url
from notifications.selectors import unread_count_subquery

from .realtime import event_ids_above, settled_floor_subquery


def shell(request):
    """What every signed-in page's shell shows: the socket's config, the nav's staff pages,
    the bell's unread count and, for staff, their own presence.

    A view that reads its content before it renders calls this first, so that the socket's
    starting point is no newer than what the page shows; the result is kept on the request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not hasattr(request, "_shell_context"):
        request._shell_context = _shell(request, user)
    return request._shell_context


def _shell(request, user) -> dict:
    memberships = request_memberships(request)
    groups = realtime_groups_for(user, memberships)
    # The same test the socket uses: staff join their organizations' groups too.
    staff = len(groups) > 1
    numbers = {
        "cursor": settled_floor_subquery(now=timezone.now()),
        "unread": unread_count_subquery(user),
    }
    if staff:
        numbers["presence_status"] = presence_status_subquery(user)
    row = User.objects.filter(pk=user.pk).order_by().values(**numbers).first() or {}
    cursor = row.get("cursor") or 0
    return {
        "realtime_config": {
            "socket": "/ws/events/",
            "heartbeat": settings.REALTIME_HEARTBEAT_SECONDS,
            # The socket resyncs from this final point on; the events above it that the
            # page already shows (context processors run before the page's own lazy
            # queries) are not announced again.
            "cursor": cursor,
            "shown": event_ids_above(groups, cursor),
            "user": user.pk,
            "staff": staff,
        },
        "staff_pages": [
            {"membership": membership, "url": role_home_url(membership)}
            for membership in memberships
        ],
        "unread_notifications": row.get("unread") or 0,
        "my_presence": row.get("presence_status") or PresenceStatus.OFFLINE,
    }
