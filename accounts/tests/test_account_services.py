"""A person's own account: name, phone, language, time zone, login email and password."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts import services
from accounts.models import ApiToken, CustomerProfile, User
from accounts.tests.factories import PASSWORD, CustomerFactory
from accounts.tokens import make_email_change_token
from csportal.realtime import user_group

NEW_PASSWORD = "violet-harbour-lantern-42"
NEW_EMAIL = "chris@new.example"


def link_token(message) -> str:
    """The token of the confirmation link in an email's text body."""
    (token,) = re.findall(r"/me/email/([^/\s]+)/", message.body)
    return token


def account_of(user: User) -> tuple:
    """Everything of the person an account change could touch."""
    user = User.objects.get(pk=user.pk)
    profile = CustomerProfile.objects.filter(user=user).values().first()
    return user.email, user.password, user.full_name, user.timezone, profile


@pytest.fixture
def email_link(customer, after_commit):
    """Ask for `email` as the customer's login and return the token its link carries."""

    def ask(email=NEW_EMAIL):
        with after_commit():
            services.email_change_request(user=customer, email=email, current_password=PASSWORD)
        return link_token(next(m for m in reversed(mail.outbox) if m.to == [email]))

    return ask


# Name, phone, language and time zone -----------------------------------------------------


def test_the_name_phone_language_and_time_zone_are_saved_together(customer):
    services.customer_profile_update(
        user=customer,
        full_name=" Chris Changed ",
        phone="+82 10-1234-5678",
        language="ko",
        timezone="Asia/Seoul",
    )

    customer.refresh_from_db()
    assert customer.full_name == "Chris Changed"
    assert customer.timezone == "Asia/Seoul"
    assert customer.customer_profile.phone == "+821012345678"
    assert customer.customer_profile.language == "ko"


@pytest.mark.parametrize(
    ("field", "value"),
    [("language", "klingon"), ("timezone", "Mars/Olympus"), ("phone", "12")],
)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_is_saved(customer, field, value):
    before = account_of(customer)

    with pytest.raises(ValidationError) as refused:
        services.customer_profile_update(user=customer, full_name="Changed", **{field: value})

    assert list(refused.value.message_dict) == [field]
    assert account_of(customer) == before


def test_signing_up_keeps_the_language_the_person_browsed_in(db):
    user = services.customer_sign_up(email="min@example.com", password=NEW_PASSWORD, language="ko")

    assert user.customer_profile.language == "ko"


def test_signing_up_in_a_language_the_portal_does_not_offer_keeps_the_default(db):
    user = services.customer_sign_up(email="min@example.com", password=NEW_PASSWORD, language="de")

    assert user.customer_profile.language == settings.LANGUAGE_CODE


# Login email ----------------------------------------------------------------------------


def test_asking_for_a_new_email_mails_a_link_to_it_and_changes_nothing_yet(customer, after_commit):
    before = account_of(customer)

    with after_commit():
        email = services.email_change_request(
            user=customer, email="  Chris@New.Example ", current_password=PASSWORD
        )

    assert email == NEW_EMAIL
    [message] = mail.outbox
    assert message.to == [NEW_EMAIL]
    assert "/me/email/" in message.body
    assert account_of(customer) == before


def test_the_link_is_mailed_in_the_persons_language(customer, after_commit):
    services.customer_profile_update(user=customer, language="ko")

    # Each part of the email says which language it was rendered in.
    with (
        mock.patch(
            "accounts.tasks.render_to_string", side_effect=lambda *args: translation.get_language()
        ),
        after_commit(),
    ):
        services.email_change_request(user=customer, email=NEW_EMAIL, current_password=PASSWORD)

    [message] = mail.outbox
    assert (message.subject, message.body) == ("ko", "ko")


@pytest.mark.parametrize("email", ["not an address", "CHRIS@example.com", "casey@example.com", ""])
def test_an_invalid_own_or_taken_address_is_refused_naming_the_email_and_nothing_is_sent(
    customer, other_customer, after_commit, email
):
    with after_commit(), pytest.raises(ValidationError) as refused:
        services.email_change_request(user=customer, email=email, current_password=PASSWORD)

    assert list(refused.value.message_dict) == ["email"]
    assert mail.outbox == []


def test_following_the_link_changes_the_login_email_and_tells_the_old_address(
    customer, email_link, after_commit
):
    token = email_link()

    with after_commit():
        user = services.email_change_confirm(token=token)

    customer.refresh_from_db()
    assert user == customer
    assert customer.email == NEW_EMAIL
    notice = mail.outbox[-1]
    assert notice.to == ["chris@example.com"]
    assert NEW_EMAIL in notice.body
    assert customer.check_password(PASSWORD)


def test_an_expired_link_is_refused_and_nothing_changes(customer):
    sent = timezone.now() - timedelta(seconds=settings.EMAIL_CHANGE_TIMEOUT + 60)
    token = make_email_change_token(customer, NEW_EMAIL, sent)

    with pytest.raises(ValidationError) as refused:
        services.email_change_confirm(token=token)

    assert refused.value.code == "expired"
    customer.refresh_from_db()
    assert customer.email == "chris@example.com"


def test_a_link_is_good_until_its_last_second(customer):
    sent = timezone.now().replace(microsecond=0)
    token = make_email_change_token(customer, NEW_EMAIL, sent)

    services.email_change_confirm(
        token=token, now=sent + timedelta(seconds=settings.EMAIL_CHANGE_TIMEOUT)
    )

    customer.refresh_from_db()
    assert customer.email == NEW_EMAIL


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), id="sig"),
        pytest.param(lambda token: token.split(":")[0], id="cut"),
        pytest.param(lambda token: "made-up", id="made-up"),
    ],
)
def test_a_tampered_link_is_refused_and_nothing_changes(customer, email_link, tamper):
    token = email_link()

    with pytest.raises(ValidationError) as refused:
        services.email_change_confirm(token=tamper(token))

    assert refused.value.code == "invalid"
    customer.refresh_from_db()
    assert customer.email == "chris@example.com"


def test_a_link_signed_for_another_purpose_is_refused(customer):
    forged = signing.dumps({"u": customer.pk, "e": "evil@example.com"}, salt="accounts.invitation")

    with pytest.raises(ValidationError):
        services.email_change_confirm(token=forged)

    customer.refresh_from_db()
    assert customer.email == "chris@example.com"


def test_a_link_works_once_and_retires_the_other_links_sent_before(customer, email_link):
    first = email_link()
    second = email_link("chris@other.example")
    services.email_change_confirm(token=first)

    for token in (first, second):
        with pytest.raises(ValidationError) as refused:
            services.email_change_confirm(token=token)
        assert refused.value.code == "invalid"

    customer.refresh_from_db()
    assert customer.email == NEW_EMAIL


def test_a_new_password_retires_the_links_sent_before(customer, email_link):
    token = email_link()
    services.password_change(user=customer, current_password=PASSWORD, new_password=NEW_PASSWORD)

    with pytest.raises(ValidationError) as refused:
        services.email_change_confirm(token=token)

    assert refused.value.code == "invalid"
    customer.refresh_from_db()
    assert customer.email == "chris@example.com"


def test_an_address_someone_took_since_the_link_was_sent_is_refused_naming_the_email(
    customer, email_link
):
    token = email_link()
    CustomerFactory(email=NEW_EMAIL)

    with pytest.raises(ValidationError) as refused:
        services.email_change_confirm(token=token)

    assert list(refused.value.message_dict) == ["email"]
    customer.refresh_from_db()
    assert customer.email == "chris@example.com"


# Password ---------------------------------------------------------------------------------


def test_changing_the_password_revokes_the_api_tokens_and_closes_the_sockets(customer):
    services.api_token_create(user=customer, name="Laptop")

    with mock.patch("accounts.services.close_sockets") as close_sockets:
        services.password_change(
            user=customer, current_password=PASSWORD, new_password=NEW_PASSWORD
        )

    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert not ApiToken.objects.filter(user=customer, revoked_at__isnull=True).exists()
    close_sockets.assert_called_once_with(user_group(customer.pk))


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("not my password", NEW_PASSWORD, "current_password"),
        (PASSWORD, "12345678", "new_password"),
        (PASSWORD, "short", "new_password"),
        (PASSWORD, "chris@example.com", "new_password"),
    ],
)
def test_a_wrong_current_or_weak_new_password_is_refused_naming_it_and_nothing_changes(
    customer, current, new, field
):
    services.api_token_create(user=customer, name="Laptop")
    before = account_of(customer)

    with pytest.raises(ValidationError) as refused:
        services.password_change(user=customer, current_password=current, new_password=new)

    assert list(refused.value.message_dict) == [field]
    assert account_of(customer) == before
    assert ApiToken.objects.filter(user=customer, revoked_at__isnull=True).count() == 1
