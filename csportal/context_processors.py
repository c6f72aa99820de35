from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import realtime
from . import shell as frame


def shell(request):
    """What every signed-in page's shell shows: the socket's config, and what installed apps
    add to the frame (csportal.shell): the nav's staff pages, the bell's unread count and,
    for staff, their own presence. A page anyone may open that follows public groups
    (`follow_public_groups`) gets the socket's config for a visitor who is not signed in.

    A view that reads its content before it renders calls this first, so that the socket's
    starting point is no newer than what the page shows; the result is kept on the request.
    """
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    if not signed_in and not getattr(request, "_public_groups", None):
        return {}
    if not hasattr(request, "_shell_context"):
        request._shell_context = _shell(request, user) if signed_in else _visitor(request)
    return request._shell_context


def follow_public_groups(request, groups: list[str]) -> None:
    """The page's tab follows these public groups (csportal.realtime.public_group), whoever
    reads it: its socket subscribes to them. Call it before the page renders."""
    request._public_groups = list(groups)


def _config(request, cursor: int, groups: list[str], *, user, staff: bool) -> dict:
    public = getattr(request, "_public_groups", [])
    return {
        "socket": realtime.SOCKET if user is not None else realtime.VISITOR_SOCKET,
        "heartbeat": settings.REALTIME_HEARTBEAT_SECONDS,
        # The socket resyncs from this final point on; the events above it that the page
        # already shows (context processors run before the page's own lazy queries) are
        # not announced again.
        "cursor": cursor,
        "shown": realtime.event_ids_above([*groups, *public], cursor),
        "follow": public,
        "user": user,
        # The same test the socket uses (csportal.realtime.counts_in_presence).
        "staff": staff,
    }


def _visitor(request) -> dict:
    """A visitor who is not signed in: no groups of their own, only the page's public ones,
    the only groups such a socket may join."""
    cursor = realtime.settled_floor(now=timezone.now())
    return {"realtime_config": _config(request, cursor, [], user=None, staff=False)}


def _shell(request, user) -> dict:
    groups = realtime.groups_by_right(user, request=request)
    parts = frame.parts()
    numbers = {"cursor": realtime.settled_floor_subquery(now=timezone.now())}
    for part in parts:
        numbers.update(part.read(request))
    row = get_user_model().objects.filter(pk=user.pk).order_by().values(**numbers).first() or {}
    cursor = row.get("cursor") or 0
    config = _config(
        request, cursor, groups, user=user.pk, staff=realtime.counts_in_presence(groups)
    )
    context = {"realtime_config": config}
    for part in parts:
        context.update(part.context(request, row))
    return context
