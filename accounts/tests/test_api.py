"""The accounts API: tokens, the user's own profile, and an organization's staff."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from accounts import services
from accounts.models import (
    ApiToken,
    CustomerProfile,
    InvitationStatus,
    Membership,
    Role,
    StaffInvitation,
    User,
)
from accounts.tests.factories import PASSWORD, StaffInvitationFactory, online, staff
from csportal.models import Event

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"


def members_url(slug: str = "acme") -> str:
    return f"/api/v1/organizations/{slug}/members/"


def member_url(membership: Membership, slug: str = "acme") -> str:
    return f"/api/v1/organizations/{slug}/members/{membership.pk}/"


def invitations_url(slug: str = "acme") -> str:
    return f"/api/v1/organizations/{slug}/invitations/"


def invitation_url(invitation: StaffInvitation, slug: str = "acme") -> str:
    return f"/api/v1/organizations/{slug}/invitations/{invitation.pk}/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def enqueued_invitations():
    with mock.patch("accounts.tasks.send_invitation_email.delay") as delay:
        yield delay


@pytest.fixture
def enqueued_member_notes():
    """The "you're on the staff already" emails handed to Celery."""
    with mock.patch("accounts.tasks.send_already_a_member_email.delay") as delay:
        yield delay


def logged_in(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def staff_snapshot() -> tuple:
    """Everything a members request could change."""
    return (
        list(Membership.objects.order_by("pk").values()),
        list(StaffInvitation.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values_list("pk", "email", "password", "is_active")),
        Event.objects.count(),
    )


# Tokens --------------------------------------------------------------------------------


def test_a_token_from_email_and_password_authenticates_api_calls(api, customer):
    response = api.post(TOKEN_URL, {"email": "chris@example.com", "password": PASSWORD})

    assert response.status_code == 200
    token = ApiToken.objects.get(user=customer)
    assert response.json() == {
        "token": response.json()["token"],
        "id": token.pk,
        "expires_at": token.expires_at.isoformat().replace("+00:00", "Z"),
    }
    assert token.expires_at - token.created_at == timedelta(days=settings.API_TOKEN_TTL_DAYS)
    me = APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert me.status_code == 200
    assert me.json()["email"] == "chris@example.com"


def test_asking_twice_for_a_token_gives_two_tokens_that_both_work(api, customer):
    """Only a key's hash is kept, so an earlier key can't be handed out again."""
    first = api.post(TOKEN_URL, {"email": "chris@example.com", "password": PASSWORD})
    second = api.post(
        TOKEN_URL, {"email": "chris@example.com", "password": PASSWORD, "name": "Backup job"}
    )

    assert first.json()["token"] != second.json()["token"]
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["API token", "Backup job"]
    for response in (first, second):
        me = APIClient().get(ME_URL, HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        assert me.status_code == 200


def test_a_wrong_password_is_a_400_with_a_code_and_no_token(api, customer):
    response = api.post(TOKEN_URL, {"email": "chris@example.com", "password": "wrong"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "non_field_errors: Email or password is wrong.",
        "fields": {"non_field_errors": ["Email or password is wrong."]},
        "field_codes": {"non_field_errors": ["invalid_credentials"]},
    }
    assert ApiToken.objects.count() == 0


def test_a_missing_field_is_a_400_naming_the_field(api, customer):
    response = api.post(TOKEN_URL, {"email": "chris@example.com"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == {"password": ["This field is required."]}


def test_an_unknown_field_is_a_400_naming_the_field(api, customer):
    response = api.post(
        TOKEN_URL, {"email": "chris@example.com", "password": PASSWORD, "remember": True}
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"remember": ["Unknown field."]}
    assert ApiToken.objects.count() == 0


def test_a_bad_token_is_a_401_with_a_code(api, customer):
    response = api.get(ME_URL, HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "detail": "Invalid token."}


def test_a_good_token_signs_its_user_in_and_a_deactivated_users_token_is_a_401(api, customer):
    _token, key = services.api_token_create(user=customer, name="Zapier")

    signed_in = api.get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}")
    customer.is_active = False
    customer.save()
    deactivated = api.get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}")

    assert signed_in.status_code == 200
    assert signed_in.json()["email"] == customer.email
    assert deactivated.status_code == 401
    assert deactivated.json() == {
        "code": "authentication_failed",
        "detail": "User inactive or deleted.",
    }


def test_no_credentials_is_a_401_with_a_code(api):
    response = api.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }


def test_five_failures_lock_the_account_from_that_address_only(api, customer):
    wrong = {"email": "chris@example.com", "password": "wrong"}
    right = {"email": "chris@example.com", "password": PASSWORD}
    failures = [api.post(TOKEN_URL, wrong, REMOTE_ADDR="203.0.113.5") for _ in range(5)]

    locked = api.post(TOKEN_URL, right, REMOTE_ADDR="203.0.113.5")
    elsewhere = api.post(TOKEN_URL, right, REMOTE_ADDR="198.51.100.7")

    assert [response.status_code for response in failures] == [400, 400, 400, 400, 429]
    assert locked.status_code == 429
    assert locked.json() == {
        "code": "locked_out",
        "detail": "Too many failed attempts; try again later.",
    }
    assert elsewhere.status_code == 200
    assert ApiToken.objects.get(user=customer).pk == elsewhere.json()["id"]


@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_a_token_lockout_holds_only_for_the_forwarded_address(api, customer):
    wrong = {"email": "chris@example.com", "password": "wrong"}
    right = {"email": "chris@example.com", "password": PASSWORD}
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    for _attempt in range(5):
        api.post(TOKEN_URL, wrong, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)

    locked = api.post(TOKEN_URL, right, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    elsewhere = api.post(TOKEN_URL, right, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)

    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert elsewhere.status_code == 200


@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_token_requests_are_throttled_per_forwarded_client(api, db):
    # An empty body is refused before any password is checked, so no lockout interferes.
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    allowed = [
        api.post(TOKEN_URL, {}, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy) for _ in range(20)
    ]

    throttled = api.post(TOKEN_URL, {}, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    other_client = api.post(TOKEN_URL, {}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)

    assert {response.status_code for response in allowed} == {400}
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert other_client.status_code == 400


@override_settings(PROXY_COUNT=0)
def test_without_a_proxy_a_forged_forwarded_for_does_not_escape_the_throttle(api, db):
    for attempt in range(20):
        api.post(TOKEN_URL, {}, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}")

    forged = api.post(TOKEN_URL, {}, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert forged.status_code == 429


def test_changing_the_case_of_the_email_does_not_escape_the_lockout(api, customer):
    spellings = ["chris@example.com", "Chris@example.com", "CHRIS@example.com"]
    for attempt in range(5):
        api.post(
            TOKEN_URL,
            {"email": spellings[attempt % 3], "password": "wrong"},
            REMOTE_ADDR="203.0.113.5",
        )

    response = api.post(
        TOKEN_URL, {"email": "cHrIs@example.com", "password": PASSWORD}, REMOTE_ADDR="203.0.113.5"
    )

    assert response.status_code == 429
    assert ApiToken.objects.count() == 0


# Me ------------------------------------------------------------------------------------


def test_me_shows_the_user_their_profile_and_memberships(organization, agent):
    membership = agent.memberships.get()

    response = logged_in(agent).get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": agent.pk,
        "email": "alex@acme.example",
        "full_name": "Alex Agent",
        "timezone": "",
        "profile": None,
        "memberships": [
            {
                "id": membership.pk,
                "organization": {
                    "slug": "acme",
                    "name": "Acme Repairs",
                    "timezone": "Europe/London",
                },
                "role": "agent",
                "is_active": True,
                "accepted_at": membership.accepted_at.isoformat().replace("+00:00", "Z"),
            }
        ],
    }


def test_patching_me_stores_the_phone_in_e164(customer):
    response = logged_in(customer).patch(
        ME_URL, {"phone": "+44 20 7183 8750", "timezone": "Europe/Paris"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["profile"]["phone"] == "+442071838750"
    assert response.json()["timezone"] == "Europe/Paris"
    assert CustomerProfile.objects.get(user=customer).phone == "+442071838750"


def test_patching_me_with_an_invalid_phone_is_a_400_naming_the_phone(customer):
    response = logged_in(customer).patch(
        ME_URL, {"phone": "12345", "full_name": "Changed"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]
    customer.refresh_from_db()
    assert customer.full_name == "Chris Customer"
    assert customer.customer_profile.phone == "+14155550123"


def test_patching_me_with_an_unknown_time_zone_is_a_400_naming_it(customer):
    response = logged_in(customer).patch(ME_URL, {"timezone": "Mars/Olympus"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["timezone"]
    customer.refresh_from_db()
    assert customer.timezone == ""


def test_patching_me_with_a_value_of_the_wrong_type_is_a_400(customer):
    response = logged_in(customer).patch(ME_URL, {"full_name": ["a", "list"]}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"full_name": ["Not a valid string."]}


def test_patching_me_with_a_body_that_is_not_an_object_is_a_400(customer):
    response = logged_in(customer).patch(ME_URL, ["phone"], format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


# Members: reading ------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_staff_role_lists_its_organizations_staff(organization, manager, role):
    member = staff(organization, role, full_name="Some One")

    response = logged_in(member).get(members_url())

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert {row["email"] for row in response.json()["results"]} == {
        "maria@acme.example",
        member.email,
    }


def test_the_members_list_shows_managers_first_then_active_before_suspended(
    organization, manager, agent, technician, receptionist
):
    technician.memberships.update(is_active=False)

    response = logged_in(manager).get(members_url())

    assert [
        (row["email"], row["role"], row["is_active"]) for row in response.json()["results"]
    ] == [
        ("maria@acme.example", "manager", True),
        ("alex@acme.example", "agent", True),
        ("rita@acme.example", "receptionist", True),
        ("tom@acme.example", "technician", False),
    ]


def test_a_member_is_shown_with_their_name_and_presence(organization, manager, agent):
    membership = agent.memberships.get()

    response = logged_in(manager).get(member_url(membership))

    assert response.status_code == 200
    assert response.json() == {
        "id": membership.pk,
        "email": "alex@acme.example",
        "full_name": "Alex Agent",
        "role": "agent",
        "is_active": True,
        "presence": "offline",
    }


def test_the_members_list_costs_the_same_queries_for_3_or_30_members(
    organization, manager, django_assert_max_num_queries
):
    client = logged_in(manager)
    for _ in range(2):
        staff(organization, Role.AGENT)
    with django_assert_max_num_queries(10) as few:
        assert client.get(members_url()).json()["count"] == 3

    for _ in range(27):
        staff(organization, Role.TECHNICIAN)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(members_url()).json()["count"] == 30


# Members: writing ------------------------------------------------------------------------


def test_a_manager_invites_an_email_and_is_told_only_what_they_sent(
    organization, manager, enqueued_invitations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(manager).post(
            members_url(), {"email": "New@Example.com", "role": "technician"}, format="json"
        )

    assert response.status_code == 202
    assert response.json() == {"email": "new@example.com", "role": "technician"}
    invitation = StaffInvitation.objects.get()
    assert (invitation.organization, invitation.email, invitation.role) == (
        organization,
        "new@example.com",
        "technician",
    )
    enqueued_invitations.assert_called_once_with(invitation.pk)


def test_inviting_another_organizations_manager_makes_her_no_member_and_shows_nothing_of_her(
    organization, manager, other_manager, enqueued_invitations
):
    online(other_manager)

    response = logged_in(manager).post(
        members_url(), {"email": "gina@globex.example", "role": "manager"}, format="json"
    )

    assert response.status_code == 202
    assert response.json() == {"email": "gina@globex.example", "role": "manager"}
    assert list(other_manager.memberships.values_list("organization__slug", flat=True)) == [
        "globex"
    ]
    listing = logged_in(manager).get(members_url()).content.decode()
    assert "gina@globex.example" not in listing
    assert "Gina Globex" not in listing


def test_the_invite_answer_is_the_same_for_an_account_an_unknown_address_and_a_member(
    organization, manager, agent, other_manager, enqueued_invitations, enqueued_member_notes
):
    client = logged_in(manager)

    answers = [
        client.post(members_url(), {"email": email, "role": "agent"}, format="json")
        for email in ("gina@globex.example", "nobody@globex.example", "alex@acme.example")
    ]

    assert [answer.status_code for answer in answers] == [202, 202, 202]
    assert [answer.json() for answer in answers] == [
        {"email": "gina@globex.example", "role": "agent"},
        {"email": "nobody@globex.example", "role": "agent"},
        {"email": "alex@acme.example", "role": "agent"},
    ]
    assert len({answer["Content-Type"] for answer in answers}) == 1


def test_an_invite_creates_no_user_and_no_membership(organization, manager, enqueued_invitations):
    users, memberships = User.objects.count(), Membership.objects.count()

    logged_in(manager).post(
        members_url(), {"email": "new@example.com", "role": "agent"}, format="json"
    )

    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    assert not User.objects.filter(email="new@example.com").exists()


def test_inviting_someone_already_on_the_staff_answers_as_any_invite_and_changes_nothing(
    organization,
    manager,
    agent,
    enqueued_invitations,
    enqueued_member_notes,
    django_capture_on_commit_callbacks,
):
    before = staff_snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(manager).post(
            members_url(), {"email": "ALEX@acme.example", "role": "manager"}, format="json"
        )

    assert response.status_code == 202
    assert response.json() == {"email": "alex@acme.example", "role": "manager"}
    assert staff_snapshot() == before
    enqueued_invitations.assert_not_called()
    enqueued_member_notes.assert_called_once_with(agent.memberships.get().pk, manager.pk)


def test_inviting_with_an_unknown_role_is_a_400_naming_the_role(organization, manager):
    before = staff_snapshot()

    response = logged_in(manager).post(
        members_url(), {"email": "new@example.com", "role": "owner"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["role"]
    assert staff_snapshot() == before


@pytest.mark.parametrize("role", [Role.AGENT, Role.RECEPTIONIST, Role.TECHNICIAN])
def test_only_a_manager_may_invite(organization, manager, role, enqueued_invitations):
    member = staff(organization, role)
    before = staff_snapshot()

    response = logged_in(member).post(
        members_url(), {"email": "new@example.com", "role": "agent"}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
    assert staff_snapshot() == before
    enqueued_invitations.assert_not_called()


# Invitations --------------------------------------------------------------------------


def test_a_manager_lists_pending_invitations_by_email_and_role_only(organization, manager):
    invitation = StaffInvitationFactory(
        organization=organization, email="nia@example.com", role=Role.TECHNICIAN
    )
    StaffInvitationFactory(organization=organization, status=InvitationStatus.REVOKED)
    StaffInvitationFactory(organization=organization, status=InvitationStatus.ACCEPTED)

    response = logged_in(manager).get(invitations_url())

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": invitation.pk,
            "email": "nia@example.com",
            "role": "technician",
            "invited_at": invitation.created_at.isoformat().replace("+00:00", "Z"),
            "expires_at": invitation.expires_at.isoformat().replace("+00:00", "Z"),
        }
    ]


def test_the_invitations_list_costs_the_same_queries_for_1_or_20_invitations(
    organization, manager, django_assert_max_num_queries
):
    client = logged_in(manager)
    StaffInvitationFactory(organization=organization)
    with django_assert_max_num_queries(10) as few:
        assert client.get(invitations_url()).json()["count"] == 1

    StaffInvitationFactory.create_batch(19, organization=organization)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(invitations_url()).json()["count"] == 20


def test_a_manager_revokes_a_pending_invitation(organization, manager):
    invitation = StaffInvitationFactory(organization=organization)

    response = logged_in(manager).delete(invitation_url(invitation))

    assert response.status_code == 204
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert logged_in(manager).get(invitations_url()).json()["results"] == []


def test_revoking_an_invitation_already_accepted_is_a_400_and_changes_nothing(
    organization, manager
):
    invitation = StaffInvitationFactory(organization=organization, status=InvitationStatus.ACCEPTED)
    before = staff_snapshot()

    response = logged_in(manager).delete(invitation_url(invitation))

    assert response.status_code == 400
    assert staff_snapshot() == before


def test_another_organizations_manager_can_neither_see_nor_revoke_an_invitation(
    organization, manager, other_manager, enqueued_invitations
):
    logged_in(manager).post(
        members_url(), {"email": "nia@example.com", "role": "agent"}, format="json"
    )
    [invitation] = logged_in(manager).get(invitations_url()).json()["results"]
    spy = logged_in(other_manager)
    before = staff_snapshot()

    through_acme = [
        spy.get(invitations_url("acme")),
        spy.delete(f"{invitations_url('acme')}{invitation['id']}/"),
    ]
    through_globex = [
        spy.get(invitations_url("globex")),
        spy.delete(f"{invitations_url('globex')}{invitation['id']}/"),
    ]

    assert [r.status_code for r in through_acme] == [404, 404]
    assert through_globex[0].json()["results"] == []
    assert through_globex[1].status_code == 404
    assert staff_snapshot() == before


@pytest.mark.parametrize("role", [Role.AGENT, Role.RECEPTIONIST, Role.TECHNICIAN])
def test_only_a_manager_may_see_or_revoke_invitations(organization, manager, role):
    member = staff(organization, role)
    invitation = StaffInvitationFactory(organization=organization)
    before = staff_snapshot()

    responses = [
        logged_in(member).get(invitations_url()),
        logged_in(member).delete(invitation_url(invitation)),
    ]

    assert [r.status_code for r in responses] == [404, 404]
    assert staff_snapshot() == before


# Members: changing ---------------------------------------------------------------------


def test_a_manager_changes_a_members_role_and_suspends_them(organization, manager, agent):
    membership = agent.memberships.get()

    response = logged_in(manager).patch(
        member_url(membership), {"role": "receptionist", "is_active": False}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["role"], response.json()["is_active"]) == ("receptionist", False)
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == ("receptionist", False)


def test_a_manager_cannot_demote_themselves_through_the_api(organization, manager):
    before = staff_snapshot()

    response = logged_in(manager).patch(
        member_url(manager.memberships.get()), {"role": "agent"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["role"]
    assert staff_snapshot() == before


def test_a_manager_cannot_suspend_themselves_through_the_api(organization, manager):
    before = staff_snapshot()

    response = logged_in(manager).patch(
        member_url(manager.memberships.get()), {"is_active": False}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert staff_snapshot() == before


def test_a_rejected_change_keeps_the_other_change_of_the_same_request_out(
    organization, manager, agent
):
    """Role and suspension are applied together or not at all."""
    before = staff_snapshot()

    response = logged_in(manager).patch(
        member_url(manager.memberships.get()),
        {"role": "manager", "is_active": False},
        format="json",
    )

    assert response.status_code == 400
    assert staff_snapshot() == before


@pytest.mark.parametrize("role", [Role.AGENT, Role.RECEPTIONIST, Role.TECHNICIAN])
def test_only_a_manager_may_change_a_member(organization, manager, agent, role):
    member = agent if role == Role.AGENT else staff(organization, role)
    before = staff_snapshot()

    response = logged_in(member).patch(
        member_url(manager.memberships.get()), {"is_active": False}, format="json"
    )

    assert response.status_code == 404
    assert staff_snapshot() == before


def test_patching_a_member_with_a_wrong_type_is_a_400(organization, manager, agent):
    before = staff_snapshot()

    response = logged_in(manager).patch(
        member_url(agent.memberships.get()), {"is_active": "perhaps"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["is_active"]
    assert staff_snapshot() == before


# Tenant isolation --------------------------------------------------------------------------


@pytest.fixture(params=["other_manager", "other_agent", "customer"])
def outsider(request, other_organization):
    """Someone with no place on Acme's staff: another organization's staff, or a customer."""
    return request.getfixturevalue(request.param)


def test_an_outsider_cannot_list_the_staff(organization, manager, outsider):
    response = logged_in(outsider).get(members_url())

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_an_outsider_cannot_read_a_member(organization, manager, agent, outsider):
    response = logged_in(outsider).get(member_url(agent.memberships.get()))

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_an_outsider_cannot_invite(organization, manager, outsider, enqueued_invitations):
    before = staff_snapshot()

    response = logged_in(outsider).post(
        members_url(), {"email": "spy@example.com", "role": "manager"}, format="json"
    )

    assert response.status_code == 404
    assert staff_snapshot() == before
    enqueued_invitations.assert_not_called()


def test_an_outsider_cannot_change_a_member(organization, manager, agent, outsider):
    before = staff_snapshot()

    response = logged_in(outsider).patch(
        member_url(agent.memberships.get()), {"role": "manager", "is_active": False}, format="json"
    )

    assert response.status_code == 404
    assert staff_snapshot() == before


def test_a_manager_cannot_reach_another_organizations_member_through_their_own(
    organization, manager, other_agent
):
    before = staff_snapshot()
    foreign = other_agent.memberships.get()

    read = logged_in(manager).get(member_url(foreign))
    write = logged_in(manager).patch(member_url(foreign), {"is_active": False}, format="json")

    assert (read.status_code, write.status_code) == (404, 404)
    assert staff_snapshot() == before


def test_a_suspended_manager_has_no_access(organization, manager, agent):
    manager.memberships.update(is_active=False)
    before = staff_snapshot()

    listing = logged_in(manager).get(members_url())
    change = logged_in(manager).patch(
        member_url(agent.memberships.get()), {"is_active": False}, format="json"
    )

    assert (listing.status_code, change.status_code) == (404, 404)
    assert staff_snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_members_requests_are_a_401(api, organization, manager, method):
    before = staff_snapshot()

    response = getattr(api, method)(
        members_url(), {"email": "x@example.com", "role": "agent"}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert staff_snapshot() == before


def test_an_anonymous_member_change_is_a_401(api, organization, manager, agent):
    before = staff_snapshot()

    response = api.patch(member_url(agent.memberships.get()), {"is_active": False}, format="json")

    assert response.status_code == 401
    assert staff_snapshot() == before


def test_the_organizations_list_shows_only_the_users_own(
    organization, other_organization, agent, other_agent
):
    response = logged_in(agent).get("/api/v1/organizations/")

    assert response.json()["results"] == [
        {"slug": "acme", "name": "Acme Repairs", "timezone": "Europe/London"}
    ]
