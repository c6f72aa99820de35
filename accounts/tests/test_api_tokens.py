"""API tokens: named, stored hashed, shown once, expiring, revocable, gone with the password."""

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken

ME_URL = "/api/v1/me/"
TOKENS_URL = "/api/v1/me/tokens/"


@pytest.fixture
def api_client():
    return APIClient()


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def logged_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def token_snapshot() -> list:
    return list(ApiToken.objects.order_by("pk").values())


# Creating and authenticating ----------------------------------------------------------------


def test_a_new_token_keeps_only_the_hash_of_its_key_and_expires_after_the_ttl(customer):
    now = timezone.now()

    token, key = services.api_token_create(user=customer, name="Zapier", now=now)

    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(value) for value in token_snapshot()[0].values()}
    assert (token.user, token.name, token.created_at) == (customer, "Zapier", now)
    assert token.expires_at == now + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert token.last_used_at is None


def test_a_token_signs_its_user_in_and_records_when_it_was_used(customer):
    token, key = services.api_token_create(user=customer, name="Zapier")

    response = with_key(key).get(ME_URL)

    assert response.status_code == 200
    assert response.json()["email"] == customer.email
    token.refresh_from_db()
    assert token.last_used_at is not None


@override_settings(API_TOKEN_TTL_DAYS=30)
def test_an_expired_token_is_a_401_saying_it_expired(customer):
    _token, key = services.api_token_create(
        user=customer, name="Old script", now=timezone.now() - timedelta(days=31)
    )

    response = with_key(key).get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"code": "token_expired", "detail": "This token has expired."}


def test_a_revoked_token_is_a_401_saying_it_was_revoked(customer):
    token, key = services.api_token_create(user=customer, name="Zapier")

    services.api_token_revoke(token=token)
    response = with_key(key).get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"code": "token_revoked", "detail": "This token was revoked."}


def test_revoking_all_of_a_persons_tokens_leaves_other_peoples_working(customer, other_customer):
    _first, first_key = services.api_token_create(user=customer, name="Laptop")
    _second, second_key = services.api_token_create(user=customer, name="CI")
    _theirs, their_key = services.api_token_create(user=other_customer, name="Theirs")

    assert services.api_tokens_revoke_all(user=customer) == 2

    assert with_key(first_key).get(ME_URL).status_code == 401
    assert with_key(second_key).get(ME_URL).status_code == 401
    assert with_key(their_key).get(ME_URL).status_code == 200


def test_setting_a_new_password_revokes_every_token_of_that_person(customer):
    _token, key = services.api_token_create(user=customer, name="Zapier")

    services.user_set_password(user=customer, password="a brand new password 42")

    assert with_key(key).get(ME_URL).json()["code"] == "token_revoked"
    customer.refresh_from_db()
    assert customer.check_password("a brand new password 42")


# /api/v1/me/tokens/ -------------------------------------------------------------------------


def test_a_person_lists_their_own_live_tokens_without_keys(customer, other_customer):
    laptop, _key = services.api_token_create(user=customer, name="Laptop")
    revoked, _key = services.api_token_create(user=customer, name="Revoked")
    services.api_token_revoke(token=revoked)
    services.api_token_create(user=other_customer, name="Theirs")

    response = logged_in(customer).get(TOKENS_URL)

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": laptop.pk,
            "name": "Laptop",
            "created_at": laptop.created_at.isoformat().replace("+00:00", "Z"),
            "last_used_at": None,
            "expires_at": laptop.expires_at.isoformat().replace("+00:00", "Z"),
        }
    ]


def test_a_new_token_from_the_browser_shows_its_key_once_and_the_key_works(customer):
    client = logged_in(customer)

    created = client.post(TOKENS_URL, {"name": "Home Assistant"}, format="json")

    assert created.status_code == 201
    token = ApiToken.objects.get(user=customer)
    assert created.json() == {
        "id": token.pk,
        "name": "Home Assistant",
        "created_at": token.created_at.isoformat().replace("+00:00", "Z"),
        "last_used_at": None,
        "expires_at": token.expires_at.isoformat().replace("+00:00", "Z"),
        "key": created.json()["key"],
    }
    assert with_key(created.json()["key"]).get(ME_URL).status_code == 200
    assert "key" not in client.get(TOKENS_URL).json()["results"][0]


def test_a_token_without_a_name_is_a_400_naming_the_name(customer):
    response = logged_in(customer).post(TOKENS_URL, {"name": ""}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["name"]
    assert token_snapshot() == []


def test_a_token_cannot_make_new_tokens_that_would_outlive_it(customer):
    _token, key = services.api_token_create(user=customer, name="Zapier")

    response = with_key(key).post(TOKENS_URL, {"name": "Forever"}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "An API token can't make API tokens; sign in instead.",
    }
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["Zapier"]


def test_a_person_revokes_their_own_token_and_it_stops_working(customer):
    token, key = services.api_token_create(user=customer, name="Zapier")

    response = logged_in(customer).delete(f"{TOKENS_URL}{token.pk}/")

    assert response.status_code == 204
    assert with_key(key).get(ME_URL).status_code == 401
    assert logged_in(customer).get(TOKENS_URL).json()["results"] == []


def test_a_token_revokes_itself(customer):
    token, key = services.api_token_create(user=customer, name="Zapier")

    response = with_key(key).delete(f"{TOKENS_URL}{token.pk}/")

    assert response.status_code == 204
    assert with_key(key).get(ME_URL).status_code == 401


def test_someone_elses_token_is_a_404_and_keeps_working(customer, other_customer):
    theirs, their_key = services.api_token_create(user=other_customer, name="Theirs")
    before = token_snapshot()

    response = logged_in(customer).delete(f"{TOKENS_URL}{theirs.pk}/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
    assert token_snapshot() == before
    assert with_key(their_key).get(ME_URL).status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_token_requests_are_a_401(api_client, customer, method):
    response = getattr(api_client, method)(TOKENS_URL, {"name": "x"}, format="json")

    assert response.status_code == 401
    assert token_snapshot() == []
