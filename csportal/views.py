from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .api.errors import json_error


@csrf_exempt  # changes nothing, and an API client posting to a wrong path needs the 404
def api_not_found(request, rest=""):
    """Unknown API paths answer in JSON like the rest of the API, not with an HTML page."""
    return json_error("not_found", _("No API endpoint at this address."), 404)
