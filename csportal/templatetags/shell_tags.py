"""Tags for the parts every page shows."""

import functools
import hashlib
from pathlib import Path
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_info

register = template.Library()


@functools.cache
def _language_options(current: str) -> str:
    languages = [get_language_info(code) for code, _name in settings.LANGUAGES]
    return render_to_string(
        "includes/language_options.html", {"languages": languages, "current_language": current}
    )


@register.simple_tag
def language_options() -> str:
    """The language switcher's options, the current language selected.

    The same for everyone in a language (each named in its own), so rendered once per
    process and language: looking up every language's details cost about 0.4 ms of each
    page. DEBUG renders every time, so template edits show at once.
    """
    if settings.DEBUG:
        return _language_options.__wrapped__(get_language())
    return _language_options(get_language())


@functools.cache
def _catalog_version() -> str:
    """Changes whenever what the JavaScript catalog serves can: its compiled translations or
    the date formats (csportal.formats), so browsers may keep one for as long as it holds."""
    digest = hashlib.sha256()
    files = [
        *(path for root in settings.LOCALE_PATHS for path in Path(root).glob("*/*/djangojs.mo")),
        *Path(settings.BASE_DIR, "csportal", "formats").glob("*/formats.py"),
    ]
    for path in sorted(files):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@register.simple_tag
def javascript_catalog() -> str:
    """The script that gives page scripts gettext(), ngettext(), interpolate() and
    get_format() in the page's language. A classic script, so it runs before any module."""
    version = _catalog_version.__wrapped__() if settings.DEBUG else _catalog_version()
    query = urlencode({"v": version, "l": get_language()})
    return format_html('<script src="{}?{}"></script>', reverse("javascript-catalog"), query)
