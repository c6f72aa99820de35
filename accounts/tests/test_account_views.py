"""Account settings: the page every role reaches from the top bar, the email confirmation
link, and the language a person chose following them from login to login."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, CustomerProfile, User
from accounts.tests.factories import PASSWORD
from accounts.tokens import make_email_change_token

SETTINGS = reverse("accounts:account-settings")
EMAIL = reverse("accounts:account-email")
PASSWORD_URL = reverse("accounts:account-password")
NEW_PASSWORD = "violet-harbour-lantern-42"
NEW_EMAIL = "chris@new.example"
PERSONAS = ["customer", "agent", "receptionist", "technician", "manager"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def profile_post(**changes) -> dict:
    return {"full_name": "Chris Customer", "phone": "", "language": "en", "timezone": ""} | changes


def confirm_url(token: str) -> str:
    return reverse("accounts:email-confirm", args=[token])


def mailed_link(email: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [email]]
    (url,) = re.findall(r"https?://\S+", message.body)
    return re.sub(r"^https?://[^/]+", "", url)


# The page, for everyone -------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_role_reaches_account_settings_from_the_menu_in_the_top_bar(request, persona):
    person = request.getfixturevalue(persona)
    client = signed_in(person)

    home = client.get(reverse("accounts:home"), follow=True).content.decode()
    page = client.get(SETTINGS)

    start = home.index('<details class="menu" data-menu>')
    menu = home[start : home.index("</details>", start)]
    assert f'href="{SETTINGS}"' in menu
    assert page.status_code == 200
    assert person.email in page.content.decode()
    for form in ("profile_form", "email_form", "password_form"):
        assert page.context[form].is_bound is False


def test_the_page_shows_the_persons_current_values(client, customer):
    services.customer_profile_update(
        user=customer, phone="+14155550100", language="ko", timezone="Asia/Seoul"
    )
    client.force_login(customer)

    form = client.get(SETTINGS).context["profile_form"]

    assert form.initial == {
        "full_name": "Chris Customer",
        "phone": "+14155550100",
        "language": "ko",
        "timezone": "Asia/Seoul",
    }


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# Name, phone, language, time zone ---------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_role_saves_their_name_phone_language_and_time_zone(request, persona):
    person = request.getfixturevalue(persona)
    client = signed_in(person)

    response = client.post(
        SETTINGS,
        profile_post(
            full_name="New Name", phone="+44 20 7183 8750", language="ko", timezone="Asia/Seoul"
        ),
    )

    assert response.status_code == 302
    assert response.url == SETTINGS
    person.refresh_from_db()
    assert (person.full_name, person.timezone) == ("New Name", "Asia/Seoul")
    profile = CustomerProfile.objects.get(user=person)
    assert (profile.phone, profile.language) == ("+442071838750", "ko")


def test_a_new_language_shows_at_once(client, customer):
    client.force_login(customer)

    response = client.post(SETTINGS, profile_post(language="zh-hans"), follow=True)

    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert '<html lang="zh-hans" ' in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12"),
        ("phone", "call me maybe"),
        ("language", "klingon"),
        ("timezone", "Mars/Olympus"),
        ("full_name", "x" * 151),
    ],
)
def test_a_bad_value_is_a_form_error_on_its_field_and_nothing_is_saved(
    client, customer, field, value
):
    client.force_login(customer)

    response = client.post(SETTINGS, profile_post(**{"full_name": "Changed", field: value}))

    assert response.status_code == 400
    assert list(response.context["profile_form"].errors) == [field]
    customer.refresh_from_db()
    assert customer.full_name == "Chris Customer"
    assert customer.customer_profile.phone == "+14155550123"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# Language from login to login -------------------------------------------------------------


def test_the_chosen_language_holds_at_the_next_login_on_any_browser(client, customer):
    client.force_login(customer)
    client.post(SETTINGS, profile_post(language="ko"))
    client.post(reverse("accounts:logout"))

    elsewhere = Client()
    response = elsewhere.post(
        reverse("accounts:login"),
        {"username": "chris@example.com", "password": PASSWORD},
        follow=True,
    )

    assert elsewhere.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert '<html lang="ko" ' in response.content.decode()


def test_the_top_bar_switcher_keeps_a_signed_in_persons_choice(client, agent):
    client.force_login(agent)

    response = client.post(reverse("accounts:set-language"), {"language": "ko", "next": "/me/"})

    assert response.status_code == 302
    assert response.url == "/me/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert CustomerProfile.objects.get(user=agent).language == "ko"


def test_the_top_bar_switcher_works_for_visitors_as_before(client, db):
    response = client.post(reverse("accounts:set-language"), {"language": "ko", "next": "/login/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert not CustomerProfile.objects.exists()


def test_the_top_bar_switcher_ignores_a_language_the_portal_does_not_offer(client, customer):
    client.force_login(customer)

    client.post(reverse("accounts:set-language"), {"language": "klingon", "next": "/me/"})

    customer.customer_profile.refresh_from_db()
    assert customer.customer_profile.language == "en"


def test_signing_up_keeps_the_language_the_visitor_browsed_in(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"

    client.post(
        reverse("accounts:signup"),
        {"full_name": "Min", "email": "min@example.com", "password": NEW_PASSWORD},
    )

    assert User.objects.get(email="min@example.com").customer_profile.language == "ko"


# Login email --------------------------------------------------------------------------------


def test_asking_for_a_new_email_sends_the_link_and_changes_nothing_until_it_is_followed(
    client, customer, after_commit
):
    client.force_login(customer)

    with after_commit():
        response = client.post(
            EMAIL, {"email": NEW_EMAIL, "current_password": PASSWORD}, follow=True
        )

    assert response.status_code == 200
    assert NEW_EMAIL in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == "chris@example.com"
    link = mailed_link(NEW_EMAIL)

    confirm_page = Client().get(link)
    assert confirm_page.status_code == 200
    assert NEW_EMAIL in confirm_page.content.decode()
    customer.refresh_from_db()
    assert customer.email == "chris@example.com"

    with after_commit():
        confirmed = client.post(link, follow=True)

    customer.refresh_from_db()
    assert customer.email == NEW_EMAIL
    assert confirmed.redirect_chain[-1][0] == SETTINGS
    assert [m.to for m in mail.outbox][-1] == ["chris@example.com"]
    assert client.session[SESSION_KEY] == str(customer.pk)


def test_the_link_works_from_a_browser_where_nobody_is_logged_in(customer, after_commit):
    signed_in_client = signed_in(customer)
    with after_commit():
        signed_in_client.post(EMAIL, {"email": NEW_EMAIL, "current_password": PASSWORD})
    link = mailed_link(NEW_EMAIL)

    response = Client().post(link)

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    logged_in = Client()
    logged_in.post(reverse("accounts:login"), {"username": NEW_EMAIL, "password": PASSWORD})
    assert logged_in.session[SESSION_KEY] == str(customer.pk)


@pytest.mark.parametrize("email", ["not an address", "chris@example.com", "casey@example.com"])
def test_an_invalid_own_or_taken_address_is_a_form_error_and_nothing_is_sent(
    client, customer, other_customer, after_commit, email
):
    client.force_login(customer)

    with after_commit():
        response = client.post(EMAIL, {"email": email, "current_password": PASSWORD})

    assert response.status_code == 400
    assert list(response.context["email_form"].errors) == ["email"]
    assert mail.outbox == []


def test_a_new_email_needs_the_current_password(client, customer, after_commit):
    client.force_login(customer)

    with after_commit():
        response = client.post(EMAIL, {"email": NEW_EMAIL, "current_password": "not-it"})

    assert response.status_code == 400
    assert list(response.context["email_form"].errors) == ["current_password"]
    assert mail.outbox == []


def test_an_expired_link_is_refused_and_the_email_stays(client, customer):
    sent = timezone.now() - timedelta(seconds=settings.EMAIL_CHANGE_TIMEOUT + 1)
    url = confirm_url(make_email_change_token(customer, NEW_EMAIL, sent))

    shown = client.get(url)
    followed = client.post(url)

    for response in (shown, followed):
        assert response.status_code == 400
        assert "expired" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == "chris@example.com"


def test_a_tampered_link_is_refused_and_the_email_stays(client, customer):
    token = make_email_change_token(customer, NEW_EMAIL, timezone.now())
    payload, stamp, signature = token.split(":")
    other_letter = "B" if payload[-1] == "A" else "A"
    forged = ":".join([payload[:-1] + other_letter, stamp, signature])

    shown = client.get(confirm_url(forged))
    followed = client.post(confirm_url(forged))

    for response in (shown, followed):
        assert response.status_code == 400
        assert "doesn" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == "chris@example.com"


# Password -------------------------------------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(customer):
    this_browser = signed_in(customer)
    other_browser = signed_in(customer)
    services.api_token_create(user=customer, name="Laptop")

    response = this_browser.post(
        PASSWORD_URL,
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response.url == SETTINGS
    assert this_browser.get(SETTINGS).status_code == 200
    logged_out = other_browser.get(SETTINGS)
    assert logged_out.status_code == 302
    assert logged_out.url.startswith(reverse("accounts:login"))
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert not ApiToken.objects.filter(user=customer, revoked_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (
            {"current_password": "wrong", "new_password": NEW_PASSWORD},
            "current_password",
        ),
        ({"current_password": PASSWORD, "new_password": "12345678"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": "password"}, "new_password"),
        (
            {
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_again": "something else",
            },
            "new_password_again",
        ),
        ({"current_password": "", "new_password": NEW_PASSWORD}, "current_password"),
    ],
)
def test_a_wrong_current_or_bad_new_password_is_a_form_error_and_nothing_changes(
    customer, form, field
):
    this_browser = signed_in(customer)
    other_browser = signed_in(customer)
    form = {"new_password_again": form["new_password"]} | form

    response = this_browser.post(PASSWORD_URL, form)

    assert response.status_code == 400
    assert list(response.context["password_form"].errors) == [field]
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert other_browser.get(SETTINGS).status_code == 200
