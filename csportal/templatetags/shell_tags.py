"""Tags for the parts every page shows."""

import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
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
