from django.utils.translation import gettext as _

from .api.errors import json_error


def api_not_found(request, rest=""):
    """Unknown API paths answer in JSON like the rest of the API, not with an HTML page."""
    return json_error("not_found", _("No API endpoint at this address."), 404)
