"""The portal's language for a signed-in person.

It is kept in their profile (CustomerProfile.language), so it follows them to any browser,
and carried by Django's language cookie, which LocaleMiddleware reads on every request, so
no request looks the profile up. Choosing one (My account, the top bar's switcher, the API)
stores it and sets the cookie; logging in sets the cookie from the profile.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


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
