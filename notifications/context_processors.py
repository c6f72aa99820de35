from . import selectors


def bell(request):
    """The unread count every page's bell starts from; live events keep it current."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": selectors.unread_count(user)}
