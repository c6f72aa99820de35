"""Account, staff, invitation and presence services."""

import re
import threading
import time
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from accounts import services
from accounts.models import CustomerProfile, Membership, Role, User
from accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory, staff
from accounts.tokens import make_invitation_token, read_invitation_token
from csportal.models import Event
from csportal.realtime import org_staff_group

STRONG_PASSWORD = "violet-harbour-lantern-42"


def events(event_type: str) -> list[tuple[str, dict]]:
    return list(Event.objects.filter(type=event_type).order_by("id").values_list("group", "data"))


@pytest.fixture
def enqueued_invitations():
    """The membership ids whose invitation email was handed to Celery."""
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


def test_inviting_a_new_email_creates_a_pending_member_without_a_usable_password(
    organization, manager, enqueued_invitations
):
    membership = services.membership_invite(
        organization=organization,
        invited_by=manager,
        email="New.Tech@Example.com",
        role=Role.TECHNICIAN,
        full_name="Nia New",
    )

    invited = User.objects.get(email="new.tech@example.com")
    assert invited.has_usable_password() is False
    assert invited.full_name == "Nia New"
    assert membership.user == invited
    assert membership.role == Role.TECHNICIAN
    assert membership.is_pending is True
    assert membership.invited_by == manager


def test_inviting_publishes_staff_changed_to_the_organization_staff(
    organization, manager, enqueued_invitations
):
    membership = services.membership_invite(
        organization=organization, invited_by=manager, email="new@example.com", role=Role.AGENT
    )

    assert events("staff.changed") == [
        (
            org_staff_group(organization.pk),
            {
                "membership": membership.pk,
                "user": membership.user_id,
                "name": "new@example.com",
                "email": "new@example.com",
                "role": "agent",
                "is_active": True,
                "pending": True,
            },
        )
    ]


def test_the_invitation_email_is_enqueued_only_once_the_invitation_commits(
    organization, manager, enqueued_invitations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        membership = services.membership_invite(
            organization=organization, invited_by=manager, email="new@example.com", role="agent"
        )
        enqueued_invitations.assert_not_called()

    for callback in callbacks:
        callback()
    enqueued_invitations.assert_called_once_with(membership.pk)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_emails_the_invitation_link(organization, manager, celery_worker):
    membership = services.membership_invite(
        organization=organization, invited_by=manager, email="new@example.com", role="agent"
    )

    # Other tests may have left messages on the broker; only this address's mail counts.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        sent = [message for message in mail.outbox if message.to == ["new@example.com"]]
        if sent:
            break
        time.sleep(0.05)
    assert len(sent) == 1
    assert sent[0].subject == "You're invited to join Acme Repairs on csportal"
    # The token carries its signing time, so read it from the email rather than remake it.
    [token] = re.findall(r"http://127\.0\.0\.1:8000/invitation/([^/\s]+)/", sent[0].body)
    assert read_invitation_token(token) == membership.user


def test_inviting_someone_already_on_the_staff_is_refused(
    organization, manager, agent, enqueued_invitations
):
    with pytest.raises(ValidationError) as caught:
        services.membership_invite(
            organization=organization, invited_by=manager, email="ALEX@acme.example", role="agent"
        )

    assert list(caught.value.message_dict) == ["email"]
    assert Membership.objects.filter(user=agent).count() == 1
    assert events("staff.changed") == []
    enqueued_invitations.assert_not_called()


def test_inviting_with_an_unknown_role_is_refused(organization, manager, enqueued_invitations):
    with pytest.raises(ValidationError) as caught:
        services.membership_invite(
            organization=organization, invited_by=manager, email="new@example.com", role="owner"
        )

    assert list(caught.value.message_dict) == ["role"]
    assert User.objects.filter(email="new@example.com").exists() is False


def test_inviting_an_existing_customer_makes_them_staff_at_once(
    organization, manager, customer, enqueued_invitations
):
    membership = services.membership_invite(
        organization=organization, invited_by=manager, email="chris@example.com", role="agent"
    )

    assert membership.user == customer
    assert membership.is_pending is False
    customer.refresh_from_db()
    assert customer.has_usable_password() is True


def test_an_invitation_token_reads_back_the_invited_user(db):
    invited = MembershipFactory(user=UserFactory(password=None), accepted_at=None).user

    assert read_invitation_token(make_invitation_token(invited)) == invited


def test_an_invitation_token_stops_working_once_the_password_is_set(organization):
    membership = MembershipFactory(
        organization=organization, user=UserFactory(password=None), accepted_at=None
    )
    token = make_invitation_token(membership.user)

    services.invitation_accept(user=membership.user, password=STRONG_PASSWORD, full_name="Nia")

    assert read_invitation_token(token) is None
    membership.refresh_from_db()
    assert membership.is_pending is False
    assert membership.user.check_password(STRONG_PASSWORD)
    assert [data["pending"] for _group, data in events("staff.changed")] == [False]


def test_an_invitation_token_past_its_lifetime_is_refused(db):
    invited = UserFactory(password=None)
    token = make_invitation_token(invited)

    with override_settings(INVITATION_TIMEOUT=-1):
        assert read_invitation_token(token) is None


def test_a_tampered_invitation_token_is_refused(db):
    invited = UserFactory(password=None)
    token = make_invitation_token(invited)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert read_invitation_token(tampered) is None
    assert read_invitation_token("not-a-token") is None


def test_accepting_with_a_weak_password_changes_nothing(organization):
    membership = MembershipFactory(
        organization=organization, user=UserFactory(password=None), accepted_at=None
    )

    with pytest.raises(ValidationError):
        services.invitation_accept(user=membership.user, password="12345678")

    membership.refresh_from_db()
    assert membership.is_pending is True
    assert membership.user.has_usable_password() is False


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
def test_two_managers_inviting_the_same_new_person_at_once_make_one_membership():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (CI runs it)")
    organization = OrganizationFactory()
    managers = [staff(organization, Role.MANAGER) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def invite(manager):
        barrier.wait()
        try:
            services.membership_invite(
                organization=organization,
                invited_by=manager,
                email="new@example.com",
                role=Role.AGENT,
            )
            outcomes.append("invited")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["email"][0])
        finally:
            connection.close()

    with mock.patch("accounts.tasks.send_invitation_email.delay"):
        threads = [threading.Thread(target=invite, args=(m,)) for m in managers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(outcomes) == ["This person is already on the staff.", "invited"]
    assert Membership.objects.filter(user__email="new@example.com").count() == 1


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
