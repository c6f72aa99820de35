import json

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .api.errors import json_error
from .api.errors import request_too_large as api_request_too_large
from .views import api_not_found, request_too_large

# Pages the same for everyone (in a language named by the URL), which browsers may keep.
PUBLIC_URL_NAMES = {"javascript-catalog"}


class PrivateResponsesMiddleware:
    """Signed-in pages and the API answer for one person: no shared cache may keep them, and
    no browser may store them (the back button after logging out on a shared computer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in PUBLIC_URL_NAMES:
            return response
        if request.path_info.startswith("/api/") or request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


NUL = "\x00"


class RefuseNulMiddleware:
    """A NUL character anywhere in a request makes it bad input, refused here once.

    PostgreSQL cannot store NUL in text and raises DataError on any query that carries one,
    so a NUL that reached a lookup (a slug, a token, an endpoint) was a 500. Form and
    serializer text fields refuse it already; this covers every other way in. A path with one
    names nothing (404); a query string or body with one is a 400, in JSON under /api/.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith("/api/")
        if NUL in request.path_info:
            if api:
                return api_not_found(request)
            raise Http404
        try:
            refused = _querydict_has_nul(request.GET) or _body_has_nul(request)
        except RequestDataTooBig:
            # The body is read here first, so its size is refused here: a 413, in JSON under
            # /api/, else a page saying how much the portal takes.
            return request_too_large(request)
        except (TooManyFieldsSent, TooManyFilesSent):
            if api:
                return api_request_too_large()
            raise
        except (MultiPartParserError, UnreadablePostError) as exc:
            if api:
                return json_error("parse_error", _("The request body could not be read."), 400)
            raise BadRequest from exc
        if refused:
            if api:
                return json_error("null_characters_not_allowed", str(NULL_REFUSED), 400)
            raise BadRequest(NULL_REFUSED)
        return self.get_response(request)


# Django's own message (ProhibitNullCharactersValidator), so it comes translated.
NULL_REFUSED = gettext_lazy("Null characters are not allowed.")


def _querydict_has_nul(data) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def _body_has_nul(request) -> bool:
    if request.content_type == "multipart/form-data":
        # Django parses multipart for POST only; the parse is kept for the view (and for
        # DRF, which reads request.POST when the stream is gone).
        return request.method == "POST" and _querydict_has_nul(request.POST)
    if request.content_type == "application/x-www-form-urlencoded":
        return _querydict_has_nul(QueryDict(request.body))
    if request.content_type == "application/json":
        try:
            text = request.body.decode(request.encoding or settings.DEFAULT_CHARSET)
        except UnicodeDecodeError:
            return False  # the API's parser answers for it
        # A JSON string can hold NUL only as this escape (raw control characters are invalid
        # JSON), so bodies without it are not parsed twice.
        if "\\u0000" not in text:
            return False
        try:
            return _json_has_nul(json.loads(text))
        except (ValueError, RecursionError):
            return False  # the API's parser answers for it
    return False


def _json_has_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_json_has_nul(key) or _json_has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_json_has_nul(item) for item in value)
    return False
