import zoneinfo

from django.utils import timezone


def use_organization_timezone(user, organization) -> None:
    """Show a page about one organization's work (its staff pages, a customer's ticket, visit
    or chat with it, its public page) in its time zone, unless the viewer chose their own."""
    if not (user.is_authenticated and user.timezone):
        timezone.activate(zoneinfo.ZoneInfo(organization.timezone))


class UserTimezoneMiddleware:
    """Show times in the viewer's own zone; pages about one organization fall back to its
    zone (use_organization_timezone), and everything else to UTC.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone_name = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            zone_name = user.timezone
        if zone_name:
            timezone.activate(zoneinfo.ZoneInfo(zone_name))
        else:
            timezone.deactivate()
        return self.get_response(request)
