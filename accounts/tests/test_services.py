"""Account, staff and invitation services."""

import re
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from accounts import services
from accounts.models import (
    CustomerProfile,
    InvitationStatus,
    Membership,
    Role,
    StaffInvitation,
    User,
)
from accounts.tests.factories import (
    CustomerProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffInvitationFactory,
    staff,
)
from accounts.tokens import make_invitation_token, read_invitation_token
from csportal.models import Event
from csportal.realtime import org_role_group, org_staff_group

STRONG_PASSWORD = "violet-harbour-lantern-42"


def events(event_type: str) -> list[tuple[str, dict]]:
    return list(Event.objects.filter(type=event_type).order_by("id").values_list("group", "data"))


@pytest.fixture
def enqueued_invitations():
    """The invitation ids whose email was handed to Celery."""
    with mock.patch("accounts.tasks.send_invitation_email.delay") as delay:
        yield delay


# Sign-up and profile -------------------------------------------------------------------


def test_sign_up_stores_the_email_in_lower_case_with_an_empty_profile(db):
    user = services.customer_sign_up(
        email="  Chris@Example.COM ", password=STRONG_PASSWORD, full_name=" Chris "
    )

    user.refresh_from_db()
    assert user.email == "chris@example.com"
    assert user.full_name == "Chris"
    assert user.check_password(STRONG_PASSWORD)
    assert CustomerProfile.objects.filter(user=user, phone="").count() == 1


def test_sign_up_refuses_an_email_already_taken_in_another_case(customer):
    with pytest.raises(ValidationError) as caught:
        services.customer_sign_up(email="CHRIS@example.com", password=STRONG_PASSWORD)

    assert list(caught.value.message_dict) == ["email"]
    assert User.objects.count() == 1


def test_sign_up_refuses_a_weak_password_naming_the_password(db):
    with pytest.raises(ValidationError) as caught:
        services.customer_sign_up(email="new@example.com", password="12345678")

    assert list(caught.value.message_dict) == ["password"]
    assert User.objects.count() == 0


def test_profile_update_stores_the_phone_in_e164(customer):
    profile = services.customer_profile_update(
        user=customer, phone="+44 20 7183 8750", full_name="Chris C."
    )

    profile.refresh_from_db()
    customer.refresh_from_db()
    assert profile.phone == "+442071838750"
    assert customer.full_name == "Chris C."


def test_profile_update_refuses_an_invalid_phone_naming_the_phone(customer):
    with pytest.raises(ValidationError) as caught:
        services.customer_profile_update(user=customer, phone="12345", full_name="Changed")

    assert list(caught.value.message_dict) == ["phone"]
    customer.refresh_from_db()
    assert customer.full_name == "Chris Customer"
    assert customer.customer_profile.phone == "+14155550123"


def test_profile_update_creates_the_profile_of_a_staff_member_who_had_none(agent):
    services.customer_profile_update(user=agent, preferred_channel="sms")

    assert CustomerProfile.objects.get(user=agent).preferred_channel == "sms"


# Invitations ---------------------------------------------------------------------------


def invite(organization, manager, email="new@example.com", role=Role.AGENT, **kwargs):
    return services.membership_invite(
        organization=organization, invited_by=manager, email=email, role=role, **kwargs
    )


def test_inviting_stores_an_invitation_to_the_address_and_creates_no_user_or_membership(
    organization, manager, enqueued_invitations
):
    users, memberships = User.objects.count(), Membership.objects.count()
    now = timezone.now()

    invitation = invite(organization, manager, "New.Tech@Example.com", Role.TECHNICIAN, now=now)

    assert (invitation.email, invitation.role, invitation.status) == (
        "new.tech@example.com",
        Role.TECHNICIAN,
        InvitationStatus.PENDING,
    )
    assert (invitation.invited_by, invitation.created_at) == (manager, now)
    assert invitation.expires_at == now + timedelta(days=7)
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


def test_inviting_another_organizations_manager_gives_her_no_place_and_changes_nothing_of_hers(
    organization, manager, other_manager, enqueued_invitations
):
    password = other_manager.password

    invitation = invite(organization, manager, "gina@globex.example", Role.MANAGER)

    other_manager.refresh_from_db()
    assert invitation.email == "gina@globex.example"
    assert [m.organization.slug for m in other_manager.memberships.all()] == ["globex"]
    assert other_manager.password == password


def test_inviting_tells_only_the_managers_and_enqueues_the_email_after_commit(
    organization, manager, enqueued_invitations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(organization, manager)
        enqueued_invitations.assert_not_called()

    for callback in callbacks:
        callback()
    enqueued_invitations.assert_called_once_with(invitation.pk)
    assert events("invitation.changed") == [
        (
            org_role_group(organization.pk, Role.MANAGER),
            {"invitation": invitation.pk, "status": "pending"},
        )
    ]
    assert events("staff.changed") == []


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_emails_the_invitation_link(organization, manager, celery_worker):
    invitation = invite(organization, manager)

    # Other tests may have left messages on the broker; only this address's mail counts.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        sent = [message for message in mail.outbox if message.to == ["new@example.com"]]
        if sent:
            break
        time.sleep(0.05)
    assert len(sent) == 1
    assert sent[0].subject == "You're invited to join Acme Repairs on csportal"
    [token] = re.findall(r"http://127\.0\.0\.1:8000/invitation/([^/\s]+)/", sent[0].body)
    assert read_invitation_token(token) == invitation


def test_inviting_an_address_again_renews_its_invitation_and_retires_the_old_link(
    organization, manager, enqueued_invitations
):
    first = invite(organization, manager, role=Role.AGENT)
    old_token = make_invitation_token(first)
    later = timezone.now() + timedelta(days=3)

    again = invite(organization, manager, "NEW@example.com", Role.TECHNICIAN, now=later)

    assert again.pk == first.pk
    assert (again.role, again.expires_at) == (Role.TECHNICIAN, later + timedelta(days=7))
    assert read_invitation_token(old_token) is None
    assert read_invitation_token(make_invitation_token(again)) == again
    assert StaffInvitation.objects.count() == 1


def test_inviting_someone_already_on_the_staff_emails_them_a_note_and_changes_nothing(
    organization, manager, agent, enqueued_invitations, django_capture_on_commit_callbacks
):
    with (
        mock.patch("accounts.tasks.send_already_a_member_email.delay") as noted,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = invite(organization, manager, "ALEX@acme.example", Role.MANAGER)

    assert result is None
    noted.assert_called_once_with(agent.memberships.get().pk, manager.pk)
    assert agent.memberships.get().role == Role.AGENT
    assert not StaffInvitation.objects.exists()
    assert events("staff.changed") == events("invitation.changed") == []
    enqueued_invitations.assert_not_called()


def test_an_invitation_to_someone_with_an_account_is_worded_in_their_language(
    organization, manager, customer, after_commit
):
    CustomerProfile.objects.filter(user=customer).update(language="ko")

    with translation.override("en"), after_commit():
        invite(organization, manager, "chris@example.com")

    [message] = mail.outbox
    assert message.subject == "csportal에서 Acme Repairs에 초대되었습니다"


def test_someone_invited_to_a_staff_they_are_on_hears_so_in_their_language(
    organization, manager, agent, after_commit
):
    CustomerProfileFactory(user=agent, language="zh-hans")

    with translation.override("en"), after_commit():
        invite(organization, manager, "alex@acme.example", Role.MANAGER)

    [message] = mail.outbox
    assert message.subject == "您已是 Acme Repairs 的员工"


def test_inviting_with_an_unknown_role_is_refused(organization, manager, enqueued_invitations):
    with pytest.raises(ValidationError) as caught:
        invite(organization, manager, role="owner")

    assert list(caught.value.message_dict) == ["role"]
    assert not StaffInvitation.objects.exists()


def test_accepting_as_the_invited_address_makes_a_membership_and_tells_the_staff(
    organization, manager, customer
):
    invitation = StaffInvitationFactory(
        organization=organization, email="chris@example.com", role=Role.AGENT, invited_by=manager
    )
    now = timezone.now()

    membership = services.invitation_accept(invitation=invitation, user=customer, now=now)

    assert (membership.user, membership.organization, membership.role) == (
        customer,
        organization,
        Role.AGENT,
    )
    assert (membership.invited_by, membership.invited_at, membership.accepted_at) == (
        manager,
        invitation.created_at,
        now,
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_at) == (InvitationStatus.ACCEPTED, now)
    assert events("staff.changed") == [
        (
            org_staff_group(organization.pk),
            {
                "membership": membership.pk,
                "user": customer.pk,
                "name": "Chris Customer",
                "email": "chris@example.com",
                "role": "agent",
                "is_active": True,
            },
        )
    ]


def test_another_account_cannot_accept_and_nothing_changes(organization, customer, other_customer):
    invitation = StaffInvitationFactory(organization=organization, email="chris@example.com")

    with pytest.raises(PermissionDenied):
        services.invitation_accept(invitation=invitation, user=other_customer)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not Membership.objects.exists()


@pytest.mark.parametrize(
    "status", [InvitationStatus.ACCEPTED, InvitationStatus.DECLINED, InvitationStatus.REVOKED]
)
def test_an_answered_or_withdrawn_invitation_cannot_be_accepted(organization, customer, status):
    invitation = StaffInvitationFactory(
        organization=organization, email="chris@example.com", status=status
    )

    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, user=customer)

    assert not Membership.objects.exists()


def test_an_invitation_cannot_be_accepted_or_declined_once_it_expires(organization, customer):
    invitation = StaffInvitationFactory(organization=organization, email="chris@example.com")
    expiry = invitation.expires_at

    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, user=customer, now=expiry)
    with pytest.raises(ValidationError):
        services.invitation_decline(invitation=invitation, now=expiry)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not Membership.objects.exists()


def test_signing_up_from_an_invitation_creates_the_account_and_joins_with_it(organization):
    invitation = StaffInvitationFactory(
        organization=organization, email="nia@example.com", role=Role.TECHNICIAN
    )

    user = services.invitation_sign_up(
        invitation=invitation, full_name=" Nia New ", password=STRONG_PASSWORD
    )

    assert (user.email, user.full_name, user.check_password(STRONG_PASSWORD)) == (
        "nia@example.com",
        "Nia New",
        True,
    )
    assert user.memberships.get().role == Role.TECHNICIAN


@pytest.mark.parametrize(
    ("password", "status"),
    [
        ("12345678", InvitationStatus.PENDING),
        (STRONG_PASSWORD, InvitationStatus.REVOKED),
    ],
)
def test_signing_up_from_an_invitation_with_a_weak_password_or_a_closed_invitation_makes_nobody(
    organization, password, status
):
    invitation = StaffInvitationFactory(
        organization=organization, email="nia@example.com", status=status
    )

    with pytest.raises(ValidationError):
        services.invitation_sign_up(invitation=invitation, full_name="Nia", password=password)

    assert not User.objects.filter(email="nia@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.status == status


def test_signing_up_from_an_invitation_to_an_address_with_an_account_is_refused(
    organization, customer
):
    invitation = StaffInvitationFactory(organization=organization, email="chris@example.com")

    with pytest.raises(ValidationError) as caught:
        services.invitation_sign_up(
            invitation=invitation, full_name="Impostor", password=STRONG_PASSWORD
        )

    assert list(caught.value.message_dict) == ["email"]
    customer.refresh_from_db()
    assert (customer.full_name, customer.check_password(STRONG_PASSWORD)) == (
        "Chris Customer",
        False,
    )
    assert not Membership.objects.exists()


def test_declining_closes_the_invitation_and_leaves_nothing_else(organization):
    invitation = StaffInvitationFactory(organization=organization, email="nia@example.com")
    users = User.objects.count()

    services.invitation_decline(invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert (User.objects.count(), Membership.objects.count()) == (users, 0)
    assert [data for _group, data in events("invitation.changed")] == [
        {"invitation": invitation.pk, "status": "declined"}
    ]


def test_a_manager_revokes_a_pending_invitation_even_an_expired_one(organization):
    invitation = StaffInvitationFactory(organization=organization)

    services.invitation_revoke(invitation=invitation, now=invitation.expires_at)

    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_at) == (
        InvitationStatus.REVOKED,
        invitation.expires_at,
    )


def test_an_answered_invitation_cannot_be_revoked_or_resent(organization, enqueued_invitations):
    invitation = StaffInvitationFactory(organization=organization, status=InvitationStatus.ACCEPTED)

    with pytest.raises(ValidationError):
        services.invitation_revoke(invitation=invitation)
    with pytest.raises(ValidationError):
        services.invitation_resend(invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    enqueued_invitations.assert_not_called()


def test_resending_an_expired_invitation_gives_it_a_new_link_and_lifetime(
    organization, enqueued_invitations, django_capture_on_commit_callbacks
):
    invitation = StaffInvitationFactory(organization=organization)
    old_token = make_invitation_token(invitation)
    later = invitation.expires_at + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(invitation=invitation, now=later)

    invitation.refresh_from_db()
    assert invitation.is_open(later)
    assert invitation.expires_at == later + timedelta(days=7)
    assert read_invitation_token(old_token) is None
    enqueued_invitations.assert_called_once_with(invitation.pk)


def test_a_tampered_or_made_up_invitation_token_is_refused(organization):
    token = make_invitation_token(StaffInvitationFactory(organization=organization))
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert read_invitation_token(tampered) is None
    assert read_invitation_token("not-a-token") is None


# Suspension and roles -------------------------------------------------------------------


def test_a_manager_suspends_another_member_and_the_staff_is_told(organization, manager, agent):
    membership = agent.memberships.get()

    services.membership_set_active(membership=membership, is_active=False, by=manager)

    membership.refresh_from_db()
    assert membership.is_active is False
    assert [(group, data["is_active"]) for group, data in events("staff.changed")] == [
        (org_staff_group(organization.pk), False)
    ]


def test_a_manager_cannot_suspend_themselves(manager):
    membership = manager.memberships.get()

    with pytest.raises(ValidationError):
        services.membership_set_active(membership=membership, is_active=False, by=manager)

    membership.refresh_from_db()
    assert membership.is_active is True
    assert events("staff.changed") == []


def test_a_manager_changes_another_members_role(organization, manager, agent):
    membership = agent.memberships.get()

    services.membership_change_role(membership=membership, role=Role.RECEPTIONIST, by=manager)

    membership.refresh_from_db()
    assert membership.role == Role.RECEPTIONIST
    assert [data["role"] for _group, data in events("staff.changed")] == ["receptionist"]


def test_a_manager_cannot_take_away_their_own_manager_role(manager):
    membership = manager.memberships.get()

    with pytest.raises(ValidationError) as caught:
        services.membership_change_role(membership=membership, role=Role.AGENT, by=manager)

    assert list(caught.value.message_dict) == ["role"]
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    assert events("staff.changed") == []


@pytest.mark.django_db(transaction=True)
def test_two_managers_inviting_the_same_address_at_once_make_one_invitation():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (CI runs it)")
    organization = OrganizationFactory()
    managers = [staff(organization, Role.MANAGER) for _ in range(2)]
    barrier = threading.Barrier(2)
    invited = []

    def invite_at_once(manager):
        barrier.wait()
        try:
            invited.append(invite(organization, manager).pk)
        finally:
            connection.close()

    with mock.patch("accounts.tasks.send_invitation_email.delay"):
        threads = [threading.Thread(target=invite_at_once, args=(m,)) for m in managers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    [invitation] = StaffInvitation.objects.filter(email="new@example.com")
    assert invited == [invitation.pk, invitation.pk]


def test_skills_are_replaced_as_slugs_without_duplicates(organization):
    membership = MembershipFactory(organization=organization)

    assert services.membership_set_skills(
        membership=membership, skills=["Heating", " electrics", "heating", ""]
    ) == [
        "electrics",
        "heating",
    ]
    services.membership_set_skills(membership=membership, skills=["appliances"])

    assert list(membership.skills.values_list("skill", flat=True)) == ["appliances"]
