"""The error pages (Django's handler400, 403, 404 and 500, the CSRF failure view, and 413),
and the API's answer for unknown paths. Under /api/ every error is JSON like the rest of
the API; elsewhere a page in the portal's frame, in the reader's language, with a way back.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, requires_csrf_token
from rest_framework import exceptions

from .api.errors import json_error
from .api.errors import request_too_large as api_request_too_large


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


@csrf_exempt  # changes nothing, and an API client posting to a wrong path needs the 404
def api_not_found(request, rest=""):
    """Unknown API paths answer in JSON like the rest of the API, not with an HTML page."""
    return json_error("not_found", _("No API endpoint at this address."), 404)


# requires_csrf_token: the page's frame has forms (log out, language) that need the token
# even when the view that failed never asked for one.
@requires_csrf_token
def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request)
    if _is_api(request):
        return json_error("bad_request", str(exceptions.ParseError.default_detail), 400)
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    if _is_api(request):
        return json_error("permission_denied", str(exceptions.PermissionDenied.default_detail), 403)
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    # Never Django's technical 404 (it lists the URL patterns): this runs with DEBUG off.
    if _is_api(request):
        return json_error("not_found", str(exceptions.NotFound.default_detail), 404)
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token, usually one opened before a login or
    logout. The API's own views answer this themselves (DRF's session check)."""
    if _is_api(request):
        return json_error("csrf_failed", _("CSRF check failed. Reload and try again."), 403)
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """The 500 page, rendered without the request: no context processor runs and nothing
    reads the database, which may be what failed."""
    if _is_api(request):
        return json_error("server_error", str(exceptions.APIException.default_detail), 500)
    return HttpResponseServerError(loader.get_template("500.html").render())


@requires_csrf_token
def request_too_large(request) -> HttpResponse:
    """A request body past DATA_UPLOAD_MAX_MEMORY_SIZE (files apart): 413, not the 400 Django
    gives every SuspiciousOperation."""
    if _is_api(request):
        return api_request_too_large()
    limit = {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    return render(request, "413.html", limit, status=413)
