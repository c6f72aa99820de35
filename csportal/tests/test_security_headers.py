"""Every kind of response carries a Content-Security-Policy that runs no inline or evaluated
script, and what is one person's is never cached."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

PUBLIC = ["/login/", "/admin/login/", "/api/docs/", "/api/docs/?script", "/healthz"]
SIGNED_IN = ["/me/", "/tickets/", "/api/v1/me/"]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


@pytest.fixture
def signed_in(customer):
    client = Client()
    client.force_login(customer)
    return client


def assert_strict_policy(response):
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_the_api_docs_and_healthz_carry_a_strict_policy(client, db, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_strict_policy(response)


@pytest.mark.parametrize("path", SIGNED_IN)
def test_signed_in_pages_and_the_api_carry_a_strict_policy_and_are_never_stored(signed_in, path):
    response = signed_in.get(path)

    assert response.status_code == 200
    assert_strict_policy(response)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_the_api_is_never_stored_even_when_it_refuses_an_anonymous_caller(client, db):
    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_the_api_docs_load_swagger_ui_from_our_own_static_files(client, db):
    page = client.get("/api/docs/").content.decode()

    assert '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/' in page
    assert "cdn" not in page.lower()


def test_no_page_template_holds_inline_script_style_or_handlers():
    # What the policy would refuse, caught before a browser does. Emails are exempt: a mail
    # client, not our policy, decides what they may carry.
    base = Path(settings.BASE_DIR)
    templates = [
        path
        for path in base.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and "email" not in path.parts
    ]
    comments = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)
    inline = re.compile(r"\sstyle=|<style|\son[a-z]+=|<script(?![^>]*\bsrc=)")
    offending = {
        str(path.relative_to(base))
        for path in templates
        if inline.search(comments.sub("", path.read_text()))
    }

    assert templates
    assert sorted(offending) == []
