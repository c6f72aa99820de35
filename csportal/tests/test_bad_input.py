"""A NUL character anywhere in a request is bad input: refused before any view sees it.

PostgreSQL refuses NUL in text (a DataError, so a 500 wherever a value reached a query);
SQLite stores it. The refusal is the same on both, so these run on both.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from notifications import services as notification_services
from notifications.models import PushSubscription
from ratings.models import Gift, Review

NUL_REFUSED = {
    "code": "null_characters_not_allowed",
    "detail": "Null characters are not allowed.",
}


@pytest.fixture
def api(customer):
    client = APIClient()
    client.force_login(customer)
    return client


@pytest.fixture
def browser(customer):
    client = Client()
    client.force_login(customer)
    return client


def test_a_review_for_an_organization_slug_with_a_nul_is_a_400(api, organization):
    response = api.post(
        "/api/v1/reviews/", {"organization": "ac\u0000me", "stars": 5}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == NUL_REFUSED
    assert not Review.objects.exists()


def test_a_gift_for_an_organization_slug_with_a_nul_is_a_400(api, organization, agent):
    response = api.post(
        "/api/v1/gifts/",
        {"organization": "ac\u0000me", "recipient": agent.pk, "kind": "flowers"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == NUL_REFUSED
    assert not Gift.objects.exists()


def test_forgetting_a_push_endpoint_with_a_nul_is_a_400(api, customer):
    kept = notification_services.push_subscribe(
        user=customer,
        endpoint="https://fcm.googleapis.com/fcm/send/abc",
        p256dh="BKey",
        auth="secret",
    )

    response = api.delete(
        "/api/v1/notifications/push-subscription/",
        {"endpoint": kept.endpoint + "\u0000"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == NUL_REFUSED
    assert list(PushSubscription.objects.all()) == [kept]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("organization=ac%00me&stars=5", "application/x-www-form-urlencoded"),
        (
            '--b\r\nContent-Disposition: form-data; name="organization"\r\n\r\n'
            "ac\x00me\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
        ),
    ],
    ids=["urlencoded", "multipart"],
)
def test_a_nul_in_an_api_form_body_is_a_400(api, organization, body, content_type):
    response = api.post("/api/v1/reviews/", body, content_type=content_type)

    assert response.status_code == 400
    assert response.json() == NUL_REFUSED


def test_a_page_asked_for_with_a_nul_in_its_query_is_the_400_page(browser, organization):
    response = browser.get("/tickets/new/", {"organization": "ac\u0000me"})

    assert response.status_code == 400
    assert b'<p class="notice__code">400</p>' in response.content


def test_a_page_form_posted_with_a_nul_is_the_400_page(browser, organization):
    response = browser.post("/tickets/new/", {"organization": "ac\u0000me", "subject": "Help"})

    # The 400 page, not the form shown again with its errors.
    assert response.status_code == 400
    assert b'<p class="notice__code">400</p>' in response.content


def test_an_address_with_a_nul_in_its_path_is_not_found(browser):
    response = browser.get("/attachments/ab%00cd/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_api_address_with_a_nul_in_its_path_is_a_404_in_json(api):
    response = api.get("/api/v1/notifications/%00/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_multipart_body_that_cannot_be_parsed_is_a_400_parse_error_in_the_api(api):
    response = api.post("/api/v1/reviews/", "x", content_type="multipart/form-data")

    assert response.status_code == 400
    assert response.json() == {
        "code": "parse_error",
        "detail": "The request body could not be read.",
    }


def test_a_multipart_page_form_that_cannot_be_parsed_is_the_400_page(browser):
    response = browser.post("/tickets/new/", "x", content_type="multipart/form-data")

    assert response.status_code == 400
    assert b'<p class="notice__code">400</p>' in response.content
