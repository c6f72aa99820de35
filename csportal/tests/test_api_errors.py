"""Every API failure is JSON with a stable `code`; the schema and its docs render."""

import json

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Membership

ME_URL = "/api/v1/me/"


@pytest.fixture
def api(customer):
    client = APIClient()
    client.force_login(customer)
    return client


def test_malformed_json_is_a_400_parse_error(api):
    response = api.patch(ME_URL, data='{"phone": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error")


def test_a_body_past_the_upload_limit_is_a_413_and_not_parsed(api, customer):
    oversized = json.dumps({"full_name": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    response = api.patch(ME_URL, data=oversized, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {
        "code": "request_too_large",
        "detail": "The request body is too large.",
    }
    customer.refresh_from_db()
    assert customer.full_name == "Chris Customer"


def test_a_form_body_past_the_upload_limit_is_a_413(api, organization, manager):
    client = APIClient()
    client.force_login(manager)
    oversized = "email=a%40example.com&role=agent&full_name=" + "x" * (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )

    response = client.post(
        "/api/v1/organizations/acme/members/",
        data=oversized,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert Membership.objects.count() == 1


def test_an_unknown_api_address_is_a_404_in_json(api):
    response = api.get("/api/v1/nope/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No API endpoint at this address."}


def test_posting_to_an_unknown_api_address_is_a_404_even_without_a_csrf_token(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)

    response = client.post("/api/v1/nope/", data="{}", content_type="application/json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_method_the_endpoint_lacks_is_a_405_in_json(api):
    response = api.delete(ME_URL)

    assert response.status_code == 405
    assert response.json() == {
        "code": "method_not_allowed",
        "detail": 'Method "DELETE" not allowed.',
    }


def test_the_openapi_schema_renders(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/organizations/{slug}/members/" in schema["paths"]
    assert "/api/v1/events/" in schema["paths"]
    assert set(schema["paths"]["/api/v1/me/tokens/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/me/tokens/{id}/"]) == {"delete"}


def test_the_api_docs_render(db):
    response = Client().get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content


def test_the_schema_generates_without_warnings(tmp_path):
    """The same check as `manage.py spectacular --validate --fail-on-warn`."""
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert yaml.safe_load(target.read_text())["info"]["title"] == "csportal API"
