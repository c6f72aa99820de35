"""Error pages with DEBUG off: the portal's own pages in the reader's language with a way
back, JSON under /api/, never Django's debug or technical pages."""

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import gettext

from csportal import context_processors

pytestmark = pytest.mark.django_db

production = override_settings(DEBUG=False, ROOT_URLCONF="csportal.tests.error_urls")


def page(response) -> str:
    return response.content.decode()


def assert_portal_page(response, status: int, heading: str, *, language: str = "en") -> None:
    """`heading` and the way back are looked for as the reader's `language` words them."""
    html = page(response)
    with translation.override(language):
        heading = gettext(heading)
        back = gettext("Go to your start page")
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f'<p class="notice__code">{status}</p>' in html
    assert heading in html
    assert f'<html lang="{language}" ' in html
    assert f'<a class="button" href="/">{back}</a>' in html
    assert 'rel="icon" href="/favicon.ico"' in html


@production
def test_an_unknown_page_is_the_portals_404_without_the_url_patterns(client):
    response = client.get("/no/such/page/")

    assert_portal_page(response, 404, "There's nothing here")
    assert "URLconf" not in page(response)
    assert "tickets/new/" not in page(response)


@production
def test_a_signed_in_persons_404_keeps_their_frame(client, customer):
    client.force_login(customer)

    response = client.get("/no/such/page/")

    assert_portal_page(response, 404, "There's nothing here")
    assert "Chris Customer" in page(response)
    assert 'id="realtime-config"' in page(response)


@production
def test_error_pages_are_in_the_readers_language(client):
    response = client.get("/no/such/page/", headers={"accept-language": "ko"})

    assert_portal_page(response, 404, "There's nothing here", language="ko")


@production
def test_a_forbidden_page_is_the_portals_403(client):
    assert_portal_page(client.get("/forbidden/"), 403, "This isn't yours to open")


@production
def test_a_form_posted_without_its_csrf_token_is_the_portals_403():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/i18n/setlang/", {"language": "ko"})

    assert_portal_page(response, 403, "This form has expired")


@production
def test_a_malformed_request_is_the_portals_400(client):
    response = client.get("/providers/?q=a\x00b")

    assert_portal_page(response, 400, "We couldn't read that request")


@production
def test_a_request_for_an_unknown_host_is_a_400_page(client):
    response = client.get("/", headers={"host": "evil.example"})

    assert_portal_page(response, 400, "We couldn't read that request")


@production
def test_a_ticket_body_past_the_limit_is_a_413_page_saying_how_much_is_taken(
    client, customer, organization
):
    client.force_login(customer)

    response = client.post(
        "/tickets/new/",
        {"organization": "acme", "subject": "Leak", "body": "x" * (1024 * 1024 + 1)},
    )

    assert_portal_page(response, 413, "That was too much to send at once")
    assert "The portal takes up to 1.0\xa0MB of text in one go." in page(response)


@production
def test_a_crash_is_the_portals_500_in_the_readers_language():
    client = Client(raise_request_exception=False)

    response = client.get("/crash/", headers={"accept-language": "zh-hans"})

    assert_portal_page(response, 500, "Something went wrong on our side", language="zh-hans")
    assert "Traceback" not in page(response)


@production
def test_the_500_page_needs_neither_the_context_processors_nor_the_database(customer, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(customer)

    def broken(request):
        raise RuntimeError("the database is down")

    monkeypatch.setattr(context_processors, "shell", broken)
    # Every query from here on fails, as when the database is what went wrong.
    with connections["default"].execute_wrapper(_refuse_queries):
        response = client.get("/crash/")

    assert_portal_page(response, 500, "Something went wrong on our side")
    assert "Chris Customer" not in page(response)


def _refuse_queries(execute, sql, params, many, context):
    raise RuntimeError("no database")


@production
@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/", 404, "not_found"),
        ("/api/v1/forbidden/", 403, "permission_denied"),
        ("/api/v1/crash/", 500, "server_error"),
        ("/api/v1/me/?q=a\x00b", 400, "null_characters_not_allowed"),
    ],
)
def test_api_errors_are_json_not_pages(customer, path, status, code):
    client = Client(raise_request_exception=False)
    client.force_login(customer)

    response = client.get(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code
    assert response.json()["detail"]


@production
def test_an_api_body_past_the_limit_is_a_json_413(customer):
    client = Client()
    client.force_login(customer)

    response = client.patch(
        "/api/v1/me/",
        data='{"full_name": "' + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}',
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@production
def test_the_favicon_is_a_real_icon_at_the_sites_root(client):
    response = client.get("/favicon.ico")

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    # An ICO directory (reserved 0, type 1) holding at least one image.
    assert body[:4] == b"\x00\x00\x01\x00"
    assert int.from_bytes(body[4:6], "little") >= 1
