"""/api/v1/me/: a person changes their own account through the API."""

import pytest
from django.conf import settings
from django.core import mail
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, CustomerProfile, User
from accounts.tests.factories import PASSWORD

ME_URL = "/api/v1/me/"
EMAIL_URL = "/api/v1/me/email/"
PASSWORD_URL = "/api/v1/me/password/"
NEW_PASSWORD = "violet-harbour-lantern-42"


def logged_in(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def with_token(user: User) -> tuple[APIClient, ApiToken]:
    token, key = services.api_token_create(user=user, name="Script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, token


def account_of(user: User) -> tuple:
    user = User.objects.get(pk=user.pk)
    profile = CustomerProfile.objects.filter(user=user).values().first()
    return user.email, user.password, user.full_name, user.timezone, profile


# Name, phone, language, time zone ---------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "sent", "stored"),
    [
        ("full_name", " Chris Changed ", "Chris Changed"),
        ("phone", "+44 20 7183 8750", "+442071838750"),
        ("language", "ko", "ko"),
        ("timezone", "Asia/Seoul", "Asia/Seoul"),
    ],
)
@pytest.mark.parametrize("persona", ["customer", "technician"])
def test_each_field_is_changed_on_its_own(request, persona, field, sent, stored):
    person = request.getfixturevalue(persona)

    response = logged_in(person).patch(ME_URL, {field: sent}, format="json")

    assert response.status_code == 200
    shown = response.json()
    assert (shown if field in ("full_name", "timezone") else shown["profile"])[field] == stored


def test_a_new_language_takes_effect_at_once_in_the_browser(customer):
    client = logged_in(customer)

    response = client.patch(ME_URL, {"language": "zh-hans"}, format="json")

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert response["Content-Language"] == "zh-hans"


def test_a_new_language_sets_no_cookie_for_a_token(customer):
    client, _token = with_token(customer)

    response = client.patch(ME_URL, {"language": "ko"}, format="json")

    assert response.status_code == 200
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert CustomerProfile.objects.get(user=customer).language == "ko"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"language": "klingon"}, "language"),
        ({"timezone": "Mars/Olympus", "full_name": "Changed"}, "timezone"),
        ({"phone": "12", "full_name": "Changed"}, "phone"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"email": "chris@new.example"}, "email"),
        ({"password": NEW_PASSWORD}, "password"),
    ],
)
def test_a_bad_value_is_a_400_naming_its_field_and_nothing_changes(customer, payload, field):
    before = account_of(customer)

    response = logged_in(customer).patch(ME_URL, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert account_of(customer) == before


# Login email ------------------------------------------------------------------------------


def test_asking_for_a_new_email_mails_the_link_and_changes_nothing_yet(customer, after_commit):
    with after_commit():
        response = logged_in(customer).post(
            EMAIL_URL,
            {"email": "Chris@New.Example", "current_password": PASSWORD},
            format="json",
        )

    assert response.status_code == 202
    assert response.json() == {"email": "chris@new.example"}
    assert [message.to for message in mail.outbox] == [["chris@new.example"]]
    assert logged_in(customer).get(ME_URL).json()["email"] == "chris@example.com"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not an address", "current_password": PASSWORD}, "email"),
        ({"email": "chris@example.com", "current_password": PASSWORD}, "email"),
        ({"email": "casey@example.com", "current_password": PASSWORD}, "email"),
        ({"current_password": PASSWORD}, "email"),
        ({"email": "chris@new.example"}, "current_password"),
        ({"email": "chris@new.example", "current_password": "wrong"}, "current_password"),
        (
            {"email": "chris@new.example", "current_password": PASSWORD, "confirm": True},
            "confirm",
        ),
    ],
)
def test_a_bad_email_request_is_a_400_naming_the_field_and_sends_nothing(
    customer, other_customer, after_commit, payload, field
):
    with after_commit():
        response = logged_in(customer).post(EMAIL_URL, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert mail.outbox == []


# Password ---------------------------------------------------------------------------------


def test_changing_the_password_in_the_browser_keeps_this_session_and_ends_the_others(customer):
    this_browser = logged_in(customer)
    other_browser = logged_in(customer)
    script, _token = with_token(customer)

    response = this_browser.post(
        PASSWORD_URL,
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 204
    assert this_browser.get(ME_URL).status_code == 200
    assert other_browser.get(ME_URL).status_code == 401
    assert script.get(ME_URL).status_code == 401
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


def test_changing_the_password_with_a_token_revokes_that_token_too(customer):
    script, token = with_token(customer)

    response = script.post(
        PASSWORD_URL,
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 204
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert script.get(ME_URL).json()["code"] == "token_revoked"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"current_password": "wrong", "new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "12345678"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": "chris@example.com"}, "new_password"),
        ({"new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD}, "new_password"),
        ({"current_password": PASSWORD, "new_password": ["a", "list"]}, "new_password"),
    ],
)
def test_a_wrong_current_or_bad_new_password_is_a_400_naming_it_and_nothing_changes(
    customer, payload, field
):
    other_browser = logged_in(customer)
    before = account_of(customer)

    response = logged_in(customer).post(PASSWORD_URL, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert account_of(customer) == before
    assert other_browser.get(ME_URL).status_code == 200
