import zoneinfo

from django.utils import timezone


class UserTimezoneMiddleware:
    """Show times in the viewer's own zone; staff pages fall back to their organization's
    (OrganizationStaffMixin), and everything else to UTC.
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
