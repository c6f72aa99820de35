"""Pages: who lands where, sign-up, password reset, invitations, tenant isolation, lockout."""

import re
import zoneinfo
from urllib.parse import quote

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, InvitationStatus, Membership, Role, StaffInvitation, User
from accounts.tests.factories import (
    PASSWORD,
    StaffInvitationFactory,
    online,
)
from accounts.tokens import make_invitation_token
from csportal.celery import app as celery_app
from csportal.realtime import org_staff_group, publish

NEW_PASSWORD = "a brand new password 42"


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process when enqueued, raising their errors."""
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


def log_in(client, email, password=PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, **extra
    )


def link_path(message) -> str:
    """The path of the one link in an email's text body."""
    (url,) = re.findall(r"https?://\S+", message.body)
    return re.sub(r"^https?://[^/]+", "", url)


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


def invite(client, email, role=Role.AGENT):
    """Post the console's invite form as the client's manager."""
    return client.post(
        reverse("accounts:manager-console", args=["acme"]), {"email": email, "role": role}
    )


@pytest.fixture
def invitation_link(client, manager, after_commit):
    """Invite an address from the console and return the link its email carries."""

    def link(email, role=Role.AGENT):
        client.force_login(manager)
        with after_commit():
            assert invite(client, email, role).status_code == 302
        client.logout()
        [message] = [message for message in mail.outbox if message.to == [email]]
        return link_path(message)

    return link


# Landing after login -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "page"),
    [
        ("customer", "accounts:customer-home"),
        ("manager", "accounts:manager-console"),
        ("agent", "accounts:agent-dashboard"),
        ("receptionist", "accounts:reception-desk"),
        ("technician", "accounts:technician-today"),
    ],
)
def test_each_person_lands_on_their_own_start_page_after_logging_in(client, request, persona, page):
    person = request.getfixturevalue(persona)
    expected = reverse(page) if persona == "customer" else reverse(page, args=["acme"])

    response = log_in(client, person.email, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == expected
    assert logged_in_user_id(client) == str(person.pk)


def test_a_staff_page_shows_the_organization_and_who_of_the_staff_is_online(
    client, agent, manager, receptionist
):
    online(manager)
    online(agent)
    client.force_login(agent)

    response = client.get(reverse("accounts:agent-dashboard", args=["acme"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Repairs" in page
    assert f'data-online-user="{manager.pk}"' in page
    assert f'data-online-user="{agent.pk}"' in page
    # Offline: the page adds them when they come online.
    assert f'data-online-user="{receptionist.pk}"' not in page


def test_every_logged_in_page_tells_its_socket_where_to_resume_and_what_it_already_shows(
    client, organization, manager
):
    with transaction.atomic():
        [shown] = publish("ticket.updated", {"n": 1}, groups=[org_staff_group(organization.pk)])
    client.force_login(manager)

    response = client.get(reverse("accounts:customer-home"))

    # Written just now, so not final yet: the socket resumes from before it.
    assert response.context["realtime_config"]["cursor"] == 0
    assert response.context["realtime_config"]["shown"] == [shown.pk]
    assert response.context["realtime_config"]["staff"] is True
    assert 'id="realtime-config"' in response.content.decode()


def test_the_technicians_day_is_the_date_in_the_organizations_time_zone(
    client, organization, technician
):
    organization.timezone = "Pacific/Kiritimati"  # UTC+14: usually a day ahead of UTC
    organization.save()
    client.force_login(technician)

    response = client.get(reverse("accounts:technician-today", args=["acme"]))

    today = timezone.now().astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    assert f'datetime="{today.isoformat()}"' in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, organization):
    console = reverse("accounts:manager-console", args=["acme"])

    response = client.get(console)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={console}"


# Sign-up and profile -------------------------------------------------------------------------


def test_signing_up_creates_a_customer_and_logs_them_in(client, db):
    response = client.post(
        reverse("accounts:signup"),
        {"full_name": "Nina New", "email": "Nina@Example.com", "password": NEW_PASSWORD},
        follow=True,
    )

    user = User.objects.get(email="nina@example.com")
    assert response.redirect_chain[-1][0] == reverse("accounts:customer-home")
    assert logged_in_user_id(client) == str(user.pk)
    assert user.customer_profile.preferred_channel == "email"
    assert not user.memberships.exists()


def test_signing_up_with_an_email_already_in_use_shows_an_error_and_creates_nothing(
    client, customer
):
    users_before = User.objects.count()

    response = client.post(
        reverse("accounts:signup"),
        {"full_name": "Impostor", "email": "CHRIS@example.com", "password": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "An account with this email already exists."
    ]
    assert User.objects.count() == users_before
    assert logged_in_user_id(client) is None


def test_a_customer_saves_how_providers_reach_them(client, customer):
    client.force_login(customer)

    response = client.post(
        reverse("accounts:customer-home"),
        {"contact_email": "chris@work.example", "im_handle": "@chris", "preferred_channel": "sms"},
    )

    assert response.status_code == 302
    customer.customer_profile.refresh_from_db()
    assert customer.customer_profile.contact_email == "chris@work.example"
    assert customer.customer_profile.im_handle == "@chris"
    assert customer.customer_profile.preferred_channel == "sms"


def test_a_bad_contact_email_is_shown_on_its_field_and_nothing_is_saved(client, customer):
    client.force_login(customer)

    response = client.post(
        reverse("accounts:customer-home"),
        {"contact_email": "not an address", "preferred_channel": "sms"},
    )

    assert response.status_code == 200
    assert "contact_email" in response.context["form"].errors
    customer.customer_profile.refresh_from_db()
    assert customer.customer_profile.preferred_channel == "email"


# API tokens on My account -------------------------------------------------------------------


def test_my_account_lists_my_live_tokens_to_revoke_and_nobody_elses(
    client, customer, other_customer
):
    services.api_token_create(user=customer, name="Laptop")
    revoked, _key = services.api_token_create(user=customer, name="Old phone")
    services.api_token_revoke(token=revoked)
    services.api_token_create(user=other_customer, name="Their script")
    client.force_login(customer)

    response = client.get(reverse("accounts:customer-home"))

    assert [token.name for token in response.context["api_tokens"]] == ["Laptop"]
    page = response.content.decode()
    assert "Laptop" in page
    assert "Old phone" not in page
    assert "Their script" not in page


def test_a_token_made_on_my_account_shows_its_key_once_uncached_and_the_key_works(client, customer):
    client.force_login(customer)

    response = client.post(reverse("accounts:api-token-new"), {"name": "Home Assistant"})

    assert response.status_code == 200
    key = response.context["key"]
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert ApiToken.objects.get(user=customer).name == "Home Assistant"
    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200
    assert key not in client.get(reverse("accounts:customer-home")).content.decode()


def test_a_token_without_a_name_is_not_made_and_the_form_says_why(client, customer):
    client.force_login(customer)

    response = client.post(reverse("accounts:api-token-new"), {"name": "  "})

    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert "key" not in response.context
    assert not ApiToken.objects.exists()


def test_revoking_a_token_on_my_account_stops_it_working(client, customer):
    token, key = services.api_token_create(user=customer, name="Laptop")
    client.force_login(customer)

    response = client.post(reverse("accounts:api-token-revoke", args=[token.pk]))

    assert response.url == reverse("accounts:customer-home") + "#api-tokens"
    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.json()["code"] == "token_revoked"


def test_revoking_someone_elses_token_is_a_404_and_it_keeps_working(
    client, customer, other_customer
):
    theirs, their_key = services.api_token_create(user=other_customer, name="Their script")
    client.force_login(customer)

    response = client.post(reverse("accounts:api-token-revoke", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {their_key}").status_code == 200


# Password reset ------------------------------------------------------------------------------


def test_a_password_reset_email_links_to_a_page_that_sets_a_new_password(client, customer):
    response = client.post(reverse("accounts:password_reset"), {"email": "chris@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["chris@example.com"]
    assert message.alternatives  # an HTML part as well

    form_page = client.get(link_path(message), follow=True)
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.url == reverse("accounts:password_reset_complete")

    client.logout()
    assert log_in(client, "chris@example.com", NEW_PASSWORD).status_code == 302
    assert logged_in_user_id(client) == str(customer.pk)


def test_a_password_reset_email_is_worded_in_the_account_holders_language(client, customer):
    services.customer_profile_update(user=customer, language="zh-hans")

    client.post(
        reverse("accounts:password_reset"),
        {"email": "chris@example.com"},
        HTTP_ACCEPT_LANGUAGE="ko",
    )

    (message,) = mail.outbox
    assert message.subject == "重置您的 csportal 密码"
    assert message.body.startswith("有人请求重置您的 csportal 账户密码。")


def test_a_password_reset_revokes_every_api_token_of_that_person(client, customer, other_customer):
    services.api_token_create(user=customer, name="Laptop")
    services.api_token_create(user=customer, name="CI")
    theirs, _key = services.api_token_create(user=other_customer, name="Theirs")
    client.post(reverse("accounts:password_reset"), {"email": "chris@example.com"})
    (message,) = mail.outbox
    set_password_url = client.get(link_path(message), follow=True).redirect_chain[-1][0]

    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert not ApiToken.objects.filter(user=customer, revoked_at__isnull=True).exists()
    assert ApiToken.objects.filter(user=customer).count() == 2
    assert ApiToken.objects.get(revoked_at__isnull=True) == theirs


def test_a_mismatched_new_password_revokes_nothing(client, customer):
    token, _key = services.api_token_create(user=customer, name="Laptop")
    client.post(reverse("accounts:password_reset"), {"email": "chris@example.com"})
    (message,) = mail.outbox
    set_password_url = client.get(link_path(message), follow=True).redirect_chain[-1][0]

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": "something else"}
    )

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None


# Invitations ---------------------------------------------------------------------------------


def test_a_new_person_signs_up_from_their_invitation_lands_on_their_page_and_the_link_dies(
    client, invitation_link
):
    link = invitation_link("ted@acme.example", Role.TECHNICIAN)

    form = client.get(link)
    response = client.post(
        link,
        {"full_name": "Ted Tech", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        follow=True,
    )

    assert form.status_code == 200
    assert "Create your account and join" in form.content.decode()
    ted = User.objects.get(email="ted@acme.example")
    assert response.redirect_chain[-1][0] == reverse("accounts:technician-today", args=["acme"])
    assert logged_in_user_id(client) == str(ted.pk)
    assert (ted.full_name, ted.check_password(NEW_PASSWORD)) == ("Ted Tech", True)
    assert ted.memberships.get().role == Role.TECHNICIAN
    client.logout()
    reused = client.get(link)
    assert reused.status_code == 400
    assert "This invitation was accepted already" in reused.content.decode()


def test_someone_with_an_account_logs_in_from_their_invitation_and_accepting_makes_them_staff(
    client, manager, customer, invitation_link
):
    link = invitation_link("chris@example.com", Role.AGENT)
    assert not customer.memberships.exists()

    anonymous = client.get(link)
    logged_in = client.post(
        f"{reverse('accounts:login')}?next={link}",
        {"username": "chris@example.com", "password": PASSWORD},
    )
    offer = client.get(link)
    accepted = client.post(link, follow=True)

    assert anonymous.status_code == 200
    assert f"{reverse('accounts:login')}?next={quote(link)}" in anonymous.content.decode()
    assert "Create your account and join" not in anonymous.content.decode()
    assert logged_in.url == link
    assert "Accept the invitation" in offer.content.decode()
    assert accepted.redirect_chain[-1][0] == reverse("accounts:agent-dashboard", args=["acme"])
    membership = customer.memberships.get()
    assert (membership.organization.slug, membership.role, membership.is_active) == (
        "acme",
        Role.AGENT,
        True,
    )
    assert membership.invited_by == manager
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_the_wrong_signed_in_account_cannot_accept_an_invitation(
    client, customer, other_customer, invitation_link
):
    link = invitation_link("chris@example.com")
    client.force_login(other_customer)

    shown = client.get(link)
    posted = client.post(link)

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert "This invitation is for chris@example.com" in shown.content.decode()
    assert (
        not Membership.objects.filter(organization__slug="acme").exclude(role=Role.MANAGER).exists()
    )
    assert StaffInvitation.objects.get().status == InvitationStatus.PENDING


@pytest.mark.parametrize(
    ("change", "page_says"),
    [
        ({"expires_at": timezone.now()}, "This invitation has expired"),
        ({"status": InvitationStatus.ACCEPTED}, "This invitation was accepted already"),
        ({"status": InvitationStatus.REVOKED}, "This invitation was withdrawn"),
        ({"status": InvitationStatus.DECLINED}, "This invitation was declined"),
    ],
)
def test_an_expired_used_revoked_or_declined_invitation_link_is_refused_with_a_page_saying_so(
    client, organization, change, page_says
):
    invitation = StaffInvitationFactory(organization=organization, email="late@acme.example")
    link = reverse("accounts:invitation", args=[make_invitation_token(invitation)])
    StaffInvitation.objects.filter(pk=invitation.pk).update(**change)

    shown = client.get(link)
    posted = client.post(
        link, {"full_name": "Late", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )

    assert (shown.status_code, posted.status_code) == (400, 400)
    assert page_says in shown.content.decode()
    assert page_says in posted.content.decode()
    assert not User.objects.filter(email="late@acme.example").exists()


def test_a_link_that_is_not_a_genuine_invitation_is_refused(client, db):
    response = client.get(reverse("accounts:invitation", args=["made-up:token"]))

    assert response.status_code == 400
    assert "This invitation link doesn't work" in response.content.decode()


def test_declining_an_invitation_leaves_no_account_and_no_membership(client, invitation_link):
    link = invitation_link("nia@example.com")

    response = client.post(f"{link}decline/", follow=True)

    assert response.status_code == 200
    assert "You declined the invitation to Acme Repairs." in response.content.decode()
    assert not User.objects.filter(email="nia@example.com").exists()
    assert StaffInvitation.objects.get().status == InvitationStatus.DECLINED
    assert client.get(link).status_code == 400


def test_the_owner_of_an_invited_unknown_email_can_still_sign_up_and_reset_their_password(
    client, invitation_link
):
    invitation_link("nia@example.com")
    mail.outbox.clear()

    signed_up = client.post(
        reverse("accounts:signup"),
        {"full_name": "Nia", "email": "nia@example.com", "password": NEW_PASSWORD},
    )
    client.logout()
    reset = client.post(reverse("accounts:password_reset"), {"email": "nia@example.com"})

    assert signed_up.url == reverse("accounts:customer-home")
    assert User.objects.get(email="nia@example.com").check_password(NEW_PASSWORD)
    assert reset.url == reverse("accounts:password_reset_done")
    [message] = mail.outbox
    assert message.to == ["nia@example.com"]
    assert "/password-reset/" in message.body


def test_the_console_answers_an_invite_the_same_for_an_address_with_an_account_and_one_without(
    client, manager, other_manager
):
    client.force_login(manager)

    known = invite(client, "gina@globex.example")
    known_page = client.get(known.url)
    unknown = invite(client, "nobody@globex.example")
    unknown_page = client.get(unknown.url)

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert [str(m) for m in known_page.context["messages"]] == [
        "We've emailed gina@globex.example about joining as Agent."
    ]
    assert [str(m) for m in unknown_page.context["messages"]] == [
        "We've emailed nobody@globex.example about joining as Agent."
    ]


def test_the_console_lists_an_invitation_by_email_and_state_without_name_or_presence(
    client, manager, other_manager
):
    client.force_login(manager)
    invite(client, "gina@globex.example")

    page = client.get(reverse("accounts:manager-console", args=["acme"])).content.decode()

    [row] = re.findall(r'<tr data-invitation="\d+">.*?</tr>', page, re.DOTALL)
    assert "gina@globex.example" in row
    assert "Invited" in row
    assert "Gina Globex" not in page
    assert f'data-presence-user="{other_manager.pk}"' not in page
    assert f'data-online-user="{other_manager.pk}"' not in page


def test_a_bad_invitation_is_shown_on_its_fields_and_creates_nothing(client, manager):
    client.force_login(manager)
    users_before = User.objects.count()

    response = invite(client, "not-an-email", "boss")

    assert response.status_code == 400
    errors = response.context["invite_form"].errors
    assert set(errors) == {"email", "role"}
    assert User.objects.count() == users_before
    assert not StaffInvitation.objects.exists()


def test_inviting_someone_already_on_the_staff_says_what_any_invite_says_and_changes_nothing(
    client, manager, agent
):
    client.force_login(manager)

    response = invite(client, agent.email, Role.MANAGER)

    assert response.url == reverse("accounts:manager-console", args=["acme"])
    assert agent.memberships.get().role == Role.AGENT
    assert not StaffInvitation.objects.exists()


def test_a_manager_resends_an_invitation_and_only_the_new_link_works(client, manager, organization):
    invitation = StaffInvitationFactory(organization=organization)
    old_link = reverse("accounts:invitation", args=[make_invitation_token(invitation)])
    client.force_login(manager)

    response = client.post(
        reverse("accounts:invitation-action", args=["acme", invitation.pk, "resend"])
    )

    assert response.url == reverse("accounts:manager-console", args=["acme"])
    invitation.refresh_from_db()
    new_link = reverse("accounts:invitation", args=[make_invitation_token(invitation)])
    client.logout()
    assert client.get(old_link).status_code == 400
    assert client.get(new_link).status_code == 200


def test_a_manager_revokes_an_invitation_from_the_console(client, manager, organization):
    invitation = StaffInvitationFactory(organization=organization)
    client.force_login(manager)

    client.post(reverse("accounts:invitation-action", args=["acme", invitation.pk, "revoke"]))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    page = client.get(reverse("accounts:manager-console", args=["acme"])).content.decode()
    assert "data-invitation=" not in page


# Managing the staff --------------------------------------------------------------------------


def test_a_manager_suspends_and_restores_a_staff_member(client, manager, agent):
    client.force_login(manager)
    membership = agent.memberships.get()

    suspend = client.post(
        reverse("accounts:member-action", args=["acme", membership.pk, "suspend"])
    )
    membership.refresh_from_db()
    assert suspend.url == reverse("accounts:manager-console", args=["acme"])
    assert membership.is_active is False

    client.post(reverse("accounts:member-action", args=["acme", membership.pk, "restore"]))
    membership.refresh_from_db()
    assert membership.is_active is True


def test_a_manager_changes_a_staff_members_role(client, manager, agent):
    client.force_login(manager)
    membership = agent.memberships.get()

    client.post(
        reverse("accounts:member-action", args=["acme", membership.pk, "role"]),
        {"role": Role.RECEPTIONIST},
    )

    membership.refresh_from_db()
    assert membership.role == Role.RECEPTIONIST


def test_a_manager_sets_what_a_staff_member_can_handle(client, manager, agent):
    client.force_login(manager)
    membership = agent.memberships.get()

    client.post(
        reverse("accounts:member-action", args=["acme", membership.pk, "skills"]),
        {"skills": "Heating, electrics"},
    )

    assert sorted(membership.skills.values_list("skill", flat=True)) == ["electrics", "heating"]
    page = client.get(reverse("accounts:manager-console", args=["acme"])).content.decode()
    assert 'value="electrics, heating"' in page


def test_another_organizations_manager_cannot_set_skills(client, other_manager, agent):
    client.force_login(other_manager)
    membership = agent.memberships.get()

    response = client.post(
        reverse("accounts:member-action", args=["acme", membership.pk, "skills"]),
        {"skills": "heating"},
    )

    assert response.status_code == 404
    assert not membership.skills.exists()


def test_a_manager_cannot_suspend_themselves_and_is_told_why(client, manager):
    client.force_login(manager)
    membership = manager.memberships.get()

    response = client.post(
        reverse("accounts:member-action", args=["acme", membership.pk, "suspend"]),
        follow=True,
    )

    membership.refresh_from_db()
    assert membership.is_active is True
    assert "You can&#x27;t suspend your own membership." in response.content.decode()


def test_a_manager_renames_the_organization(client, manager, organization):
    client.force_login(manager)

    client.post(
        reverse("accounts:organization-settings", args=["acme"]),
        {"name": "Acme Repairs & Co", "timezone": "Asia/Shanghai"},
    )

    organization.refresh_from_db()
    assert (organization.name, organization.timezone) == ("Acme Repairs & Co", "Asia/Shanghai")


def test_bad_organization_settings_reshow_the_console_with_the_error(client, manager, organization):
    client.force_login(manager)

    response = client.post(
        reverse("accounts:organization-settings", args=["acme"]),
        {"name": "", "timezone": "Mars/Olympus"},
    )

    assert response.status_code == 400
    assert set(response.context["settings_form"].errors) == {"name", "timezone"}
    organization.refresh_from_db()
    assert organization.name == "Acme Repairs"


# Tenant isolation ----------------------------------------------------------------------------


def test_a_manager_of_another_organization_gets_404_everywhere_and_changes_nothing(
    client, other_manager, organization, agent
):
    client.force_login(other_manager)
    membership = agent.memberships.get()
    invitation = StaffInvitationFactory(organization=organization)

    responses = [
        client.get(reverse("accounts:manager-console", args=["acme"])),
        client.post(
            reverse("accounts:manager-console", args=["acme"]),
            {"email": "spy@globex.example", "role": Role.MANAGER},
        ),
        client.post(
            reverse("accounts:organization-settings", args=["acme"]),
            {"name": "Hacked", "timezone": "UTC"},
        ),
        client.post(reverse("accounts:member-action", args=["acme", membership.pk, "suspend"])),
        client.post(
            reverse("accounts:member-action", args=["acme", membership.pk, "role"]),
            {"role": Role.MANAGER},
        ),
        client.post(reverse("accounts:invitation-action", args=["acme", invitation.pk, "revoke"])),
        client.post(
            reverse("accounts:invitation-action", args=["globex", invitation.pk, "revoke"])
        ),
    ]

    assert [r.status_code for r in responses] == [404] * 7
    organization.refresh_from_db()
    membership.refresh_from_db()
    invitation.refresh_from_db()
    assert organization.name == "Acme Repairs"
    assert (membership.is_active, membership.role) == (True, Role.AGENT)
    assert invitation.status == InvitationStatus.PENDING
    assert list(StaffInvitation.objects.values_list("email", flat=True)) == [invitation.email]


def test_a_manager_cannot_act_on_another_organizations_member_through_their_own_url(
    client, manager, other_agent
):
    client.force_login(manager)
    membership = other_agent.memberships.get()

    response = client.post(
        reverse("accounts:member-action", args=["acme", membership.pk, "suspend"])
    )

    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.is_active is True


def test_an_agent_gets_404_on_the_manager_console(client, agent):
    client.force_login(agent)

    response = client.get(reverse("accounts:manager-console", args=["acme"]))

    assert response.status_code == 404
    assert "nothing here" in response.content.decode()


def test_a_suspended_staff_member_loses_their_staff_page(client, agent):
    Membership.objects.filter(user=agent).update(is_active=False)
    client.force_login(agent)

    assert client.get(reverse("accounts:agent-dashboard", args=["acme"])).status_code == 404
    assert client.get(reverse("accounts:home")).url == reverse("accounts:customer-home")


# Language ------------------------------------------------------------------------------------


def test_the_language_switcher_sets_the_language_for_the_next_pages(client, db):
    response = client.post(
        reverse("set_language"), {"language": "ko", "next": reverse("accounts:login")}
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert response.cookies["django_language"].value == "ko"
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="ko" ' in page
    assert "<h1>로그인</h1>" in page

    client.post(reverse("set_language"), {"language": "zh-hans"})
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="zh-hans" ' in page
    assert "<h1>登录</h1>" in page


# Brute force ---------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_that_account_from_that_address_only(client, customer):
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    for _attempt in range(5):
        log_in(client, customer.email, "wrong password", **attacker)

    locked = log_in(client, customer.email, PASSWORD, **attacker)

    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert logged_in_user_id(client) is None

    elsewhere = log_in(client, customer.email, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 302
    assert logged_in_user_id(client) == str(customer.pk)


@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_a_lockout_holds_only_for_the_forwarded_address_it_came_from(
    client, customer
):
    # Every request arrives from the proxy's address; only X-Forwarded-For tells clients apart.
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    for _attempt in range(5):
        log_in(
            client, customer.email, "wrong password", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy
        )

    locked = log_in(client, customer.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    elsewhere = log_in(
        client, customer.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
    )

    assert locked.status_code == 429
    assert elsewhere.status_code == 302
    assert logged_in_user_id(client) == str(customer.pk)


def test_fewer_than_five_wrong_passwords_do_not_lock_anyone_out(client, customer):
    for _attempt in range(4):
        wrong = log_in(client, customer.email, "wrong password")
        assert wrong.status_code == 200
        assert wrong.context["form"].non_field_errors()

    assert log_in(client, customer.email, PASSWORD).status_code == 302
