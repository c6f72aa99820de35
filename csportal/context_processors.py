from django.conf import settings
from django.urls import reverse

from accounts.models import PresenceStatus, User
from accounts.selectors import presence_status_subquery, realtime_groups_for, request_memberships
from accounts.views import role_home_url
from notifications.selectors import unread_count_subquery

from .queries import Prepared
from .realtime import latest_event_subquery


def shell(request):
    """What every signed-in page's shell shows: the socket's config, the nav's staff pages,
    the bell's unread count and, for staff, their own presence.

    The three numbers come from one query, compiled once (csportal.queries.Prepared): each
    was its own round trip on every page, and building it anew cost more than running it. A view
    that reads its content before it renders calls this first, so that the socket's starting
    point is no newer than what the page shows; the result is kept on the request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not hasattr(request, "_shell_context"):
        request._shell_context = _shell(request, user)
    return request._shell_context


def _shell_query(user: User, groups: list[str], staff: bool):
    numbers = {"latest": latest_event_subquery(groups), "unread": unread_count_subquery(user)}
    if staff:
        numbers["presence_status"] = presence_status_subquery(user)
    return User.objects.filter(pk=user.pk).order_by().values(**numbers)


# Compiled once per process and shape (see Prepared): the shell's query runs on every page.
_SHELL_ROW = {
    staff: Prepared(lambda ids, groups, staff=staff: _shell_query(User(pk=ids[0]), groups, staff))
    for staff in (False, True)
}


def _shell(request, user) -> dict:
    memberships = request_memberships(request)
    groups = realtime_groups_for(user, memberships)
    # The same test the socket uses: staff join their organizations' groups too.
    staff = len(groups) > 1
    row = _SHELL_ROW[staff].row([user.pk], groups) or {}
    return {
        "realtime_config": {
            "socket": "/ws/events/",
            "replay": reverse("api:events"),
            "heartbeat": settings.REALTIME_HEARTBEAT_SECONDS,
            # Context processors run before the page's own (lazy) queries, so whatever the page
            # shows is at least this fresh; the socket fetches anything newer on connect.
            "latest": row.get("latest") or 0,
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
