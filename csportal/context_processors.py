from django.conf import settings


def realtime(request):
    """What every page's realtime module needs to connect and resync."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"realtime_config": {"heartbeat": settings.REALTIME_HEARTBEAT_SECONDS}}
