"""What a service changes, the accounts app's cached reads show at once (accounts.cache):
each test reads the value first, so it is cached, then changes the rows through a service
and reads again."""

from types import SimpleNamespace

from accounts import selectors, services
from accounts.models import Role
from accounts.tests.factories import StaffInvitationFactory


def memberships(user) -> list[tuple[str, str]]:
    """What a new request of `user` finds: their staff memberships, through the cache."""
    request = SimpleNamespace(user=user)
    return [(m.organization.name, m.role) for m in selectors.request_memberships(request)]


def names(organization) -> list[str]:
    return [name for _user_id, name in selectors.assignable_people(organization.pk)]


def test_a_new_organization_is_in_its_managers_memberships_at_once(customer, after_commit):
    assert memberships(customer) == []

    with after_commit():
        created = services.organization_create(name="New Desk", manager=customer)

    assert memberships(customer) == [("New Desk", Role.MANAGER)]
    assert names(created) == ["Chris Customer"]


def test_an_accepted_invitation_is_in_the_memberships_and_assignable_at_once(
    organization, manager, customer, after_commit
):
    invitation = StaffInvitationFactory(
        organization=organization, email=customer.email, role=Role.AGENT, invited_by=manager
    )
    assert memberships(customer) == []
    assert names(organization) == ["Maria Manager"]

    with after_commit():
        services.invitation_accept(invitation=invitation, user=customer)

    assert memberships(customer) == [("Acme Repairs", Role.AGENT)]
    assert names(organization) == ["Chris Customer", "Maria Manager"]


def test_a_suspension_and_a_restore_show_in_memberships_and_assignable_at_once(
    organization, manager, agent, after_commit
):
    membership = agent.memberships.get(organization=organization)
    assert memberships(agent) == [("Acme Repairs", Role.AGENT)]
    assert names(organization) == ["Alex Agent", "Maria Manager"]

    with after_commit():
        services.membership_set_active(membership=membership, is_active=False, by=manager)

    assert memberships(agent) == []
    assert names(organization) == ["Maria Manager"]

    with after_commit():
        services.membership_set_active(membership=membership, is_active=True, by=manager)

    assert memberships(agent) == [("Acme Repairs", Role.AGENT)]
    assert names(organization) == ["Alex Agent", "Maria Manager"]


def test_a_new_role_shows_in_memberships_and_assignable_at_once(
    organization, manager, agent, after_commit
):
    membership = agent.memberships.get(organization=organization)
    assert memberships(agent) == [("Acme Repairs", Role.AGENT)]
    assert names(organization) == ["Alex Agent", "Maria Manager"]

    with after_commit():
        services.membership_change_role(membership=membership, role=Role.TECHNICIAN, by=manager)

    assert memberships(agent) == [("Acme Repairs", Role.TECHNICIAN)]
    assert names(organization) == ["Maria Manager"]


def test_a_renamed_organization_shows_in_every_members_memberships_at_once(
    organization, manager, agent, after_commit
):
    assert memberships(agent) == [("Acme Repairs", Role.AGENT)]
    assert memberships(manager) == [("Acme Repairs", Role.MANAGER)]

    with after_commit():
        services.organization_update(
            organization=organization, name="Renamed Desk", timezone_name="Europe/Paris"
        )

    assert memberships(agent) == [("Renamed Desk", Role.AGENT)]
    assert memberships(manager) == [("Renamed Desk", Role.MANAGER)]
    (cached,) = selectors.request_memberships(SimpleNamespace(user=agent))
    assert cached.organization.timezone == "Europe/Paris"


def test_a_new_name_shows_in_the_assignable_people_of_each_organization_at_once(
    organization, other_organization, manager, agent, after_commit
):
    services.organization_create(name="Side Desk", manager=agent)
    side = agent.memberships.get(organization__name="Side Desk").organization
    assert names(organization) == ["Alex Agent", "Maria Manager"]
    assert names(side) == ["Alex Agent"]

    with after_commit():
        services.customer_profile_update(user=agent, full_name="Zed Agent")

    assert names(organization) == ["Maria Manager", "Zed Agent"]
    assert names(side) == ["Zed Agent"]
