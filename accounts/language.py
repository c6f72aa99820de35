"""The portal's language for a signed-in person.

It is kept in their profile (CustomerProfile.language), so it follows them to any browser,
and carried by Django's language cookie, which LocaleMiddleware reads on every request, so
no request looks the profile up. Choosing one (My account, the top bar's switcher, the API)
stores it and sets the cookie; logging in sets the cookie from the profile.

What is written to someone (a notification, an email, an SMS) is worded in their language,
never in that of whoever caused it: build it inside `in_language_of(recipient)`.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .models import User
from .selectors import language_of


def use_language(request: HttpRequest, response: HttpResponse, language: str) -> None:
    """Show this response and the person's next requests in `language`."""
    translation.activate(language)
    request.LANGUAGE_CODE = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def language_for(user: User | None, default: str | None = None) -> str:
    """The language to write to `user` in: the one they chose, else `default`, else the
    portal's."""
    chosen = language_of(user) if user is not None else None
    return chosen or default or settings.LANGUAGE_CODE


@contextmanager
def in_language_of(user: User | None, default: str | None = None) -> Iterator[str]:
    """Word what is built inside for `user` (gettext, templates, date formats), whoever's
    request or worker this runs in; gives the language.

    Finding it costs a query unless the user came with their profile (select_related
    ("customer_profile"), or `accounts.selectors.with_profiles` for many people at once).
    """
    language = language_for(user, default)
    with translation.override(language):
        yield language
