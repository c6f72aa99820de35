from django.conf import settings
from django.urls import reverse

from accounts.selectors import realtime_groups_for, request_memberships
from accounts.views import role_home_url

from .realtime import latest_event_id


def realtime(request):
    """What every logged-in page's shell needs: the socket's config and the nav's staff pages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = request_memberships(request)
    groups = realtime_groups_for(user, memberships)
    return {
        "realtime_config": {
            "socket": "/ws/events/",
            "replay": reverse("api:events"),
            "heartbeat": settings.REALTIME_HEARTBEAT_SECONDS,
            # Context processors run before the page's own (lazy) queries, so whatever the page
            # shows is at least this fresh; the socket fetches anything newer on connect.
            "latest": latest_event_id(groups),
            "user": user.pk,
            # The same test the socket uses: staff join their organizations' groups too.
            "staff": len(groups) > 1,
        },
        "staff_pages": [
            {"membership": membership, "url": role_home_url(membership)}
            for membership in memberships
        ],
    }
