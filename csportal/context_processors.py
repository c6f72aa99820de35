from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import realtime
from . import shell as frame


def shell(request):
    """What every signed-in page's shell shows: the socket's config, and what installed apps
    add to the frame (csportal.shell): the nav's staff pages, the bell's unread count and,
    for staff, their own presence.

    A view that reads its content before it renders calls this first, so that the socket's
    starting point is no newer than what the page shows; the result is kept on the request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not hasattr(request, "_shell_context"):
        request._shell_context = _shell(request, user)
    return request._shell_context


def visitor_realtime(request) -> dict:
    """The socket's config for a page anyone may open, when its reader is not signed in (a
    signed-in reader has the frame's, from `shell`). The page's own module subscribes to
    the public groups it follows (csportal.realtime.public_group), the only ones such a
    socket may join, from the final point on. The few events of the last seconds above it
    are announced again: a public page only fetches itself once more for them."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {}
    return {
        "realtime_config": {
            "socket": "/ws/events/",
            "heartbeat": settings.REALTIME_HEARTBEAT_SECONDS,
            "cursor": realtime.settled_floor(now=timezone.now()),
            "shown": [],
            "user": None,
            "staff": False,
        }
    }


def _shell(request, user) -> dict:
    groups = realtime.groups_by_right(user, request=request)
    parts = frame.parts()
    numbers = {"cursor": realtime.settled_floor_subquery(now=timezone.now())}
    for part in parts:
        numbers.update(part.read(request))
    row = get_user_model().objects.filter(pk=user.pk).order_by().values(**numbers).first() or {}
    cursor = row.get("cursor") or 0
    context = {
        "realtime_config": {
            "socket": "/ws/events/",
            "heartbeat": settings.REALTIME_HEARTBEAT_SECONDS,
            # The socket resyncs from this final point on; the events above it that the
            # page already shows (context processors run before the page's own lazy
            # queries) are not announced again.
            "cursor": cursor,
            "shown": realtime.event_ids_above(groups, cursor),
            "user": user.pk,
            # The same test the socket uses (csportal.realtime.counts_in_presence).
            "staff": realtime.counts_in_presence(groups),
        },
    }
    for part in parts:
        context.update(part.context(request, row))
    return context
