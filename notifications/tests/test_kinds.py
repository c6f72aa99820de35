"""Kinds of notification name whom they concern; each person's settings list only theirs."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import MembershipFactory, OrganizationFactory
from notifications import kinds, selectors, services
from notifications.models import Channel, NotificationPreference

PREFERENCES_URL = "/notifications/preferences/"
API_URL = "/api/v1/notifications/preferences/"


@pytest.fixture
def extra_kinds(monkeypatch):
    """Three kinds besides the registered ones: for customers, for agents and managers, and
    for managers only; the registry is as before after the test."""
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))
    kinds.register("test.customers", "For customers", audience=[kinds.CUSTOMER])
    kinds.register("test.workers", "For agents", audience=[Role.AGENT, Role.MANAGER])
    kinds.register("test.managers", "For managers", audience=[Role.MANAGER])


def names_for(person) -> set[str]:
    return {kind.name for kind in selectors.kinds_for(person)} & {
        "general",
        "test.customers",
        "test.workers",
        "test.managers",
    }


CUSTOMER_KINDS = {"general", "test.customers"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("customer", CUSTOMER_KINDS),
        ("agent", CUSTOMER_KINDS | {"test.workers"}),
        ("manager", CUSTOMER_KINDS | {"test.workers", "test.managers"}),
        ("receptionist", CUSTOMER_KINDS),
        ("technician", CUSTOMER_KINDS),
    ],
)
def test_each_role_receives_the_customers_kinds_and_its_own(
    request, extra_kinds, persona, expected
):
    person = request.getfixturevalue(persona)

    assert names_for(person) == expected


def test_someone_on_two_staffs_receives_the_kinds_of_both_roles(extra_kinds, agent):
    MembershipFactory(user=agent, organization=OrganizationFactory(), role=Role.MANAGER)

    assert names_for(agent) == CUSTOMER_KINDS | {"test.workers", "test.managers"}


def test_a_suspended_membership_gives_no_kinds(extra_kinds, manager):
    manager.memberships.update(is_active=False)

    assert names_for(manager) == CUSTOMER_KINDS


@pytest.mark.parametrize("audience", [[], ["visitor"], [kinds.CUSTOMER, "owner"]])
def test_a_kind_must_name_whom_it_concerns_from_the_known_audiences(monkeypatch, audience):
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))

    with pytest.raises(ValueError, match="audience"):
        kinds.register("test.nobody", "Nobody", audience=audience)

    with pytest.raises(LookupError):
        kinds.get("test.nobody")


# Choosing channels ------------------------------------------------------------------------


def test_a_preference_for_a_kind_the_person_cannot_receive_is_refused_naming_the_kind(
    extra_kinds, customer, agent
):
    with pytest.raises(ValidationError) as customer_refused:
        services.preference_set(user=customer, kind="test.workers", channels=["email"])
    with pytest.raises(ValidationError) as agent_refused:
        services.preference_set(user=agent, kind="test.managers", channels=["email"])

    assert list(customer_refused.value.message_dict) == ["kind"]
    assert list(agent_refused.value.message_dict) == ["kind"]
    assert not NotificationPreference.objects.exists()


def test_a_preference_for_a_kind_of_ones_role_is_kept(extra_kinds, agent):
    services.preference_set(user=agent, kind="test.workers", channels=["sms"])

    assert NotificationPreference.objects.get(user=agent).channels == ["sms"]


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("customer", ["For customers"], ["For agents", "For managers"]),
        ("agent", ["For customers", "For agents"], ["For managers"]),
        ("manager", ["For customers", "For agents", "For managers"], []),
    ],
)
def test_the_settings_page_lists_only_the_kinds_the_viewer_receives(
    client, request, extra_kinds, persona, shown, hidden
):
    client.force_login(request.getfixturevalue(persona))

    page = client.get(PREFERENCES_URL).content.decode()

    for label in shown:
        assert label in page
    for label in hidden:
        assert label not in page


def test_saving_the_settings_page_stores_only_the_viewers_kinds(client, extra_kinds, customer):
    client.force_login(customer)

    response = client.post(
        PREFERENCES_URL,
        {"general": ["email"], "test.customers": ["sms"], "test.workers": ["sms"]},
    )

    assert response.status_code == 302
    stored = dict(
        NotificationPreference.objects.filter(user=customer).values_list("kind", "channels")
    )
    assert (stored["general"], stored["test.customers"]) == (["email"], ["sms"])
    assert "test.workers" not in stored


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("customer", CUSTOMER_KINDS),
        ("agent", CUSTOMER_KINDS | {"test.workers"}),
        ("manager", CUSTOMER_KINDS | {"test.workers", "test.managers"}),
    ],
)
def test_the_api_lists_only_the_kinds_the_caller_receives(request, extra_kinds, persona, expected):
    api = APIClient()
    api.force_authenticate(request.getfixturevalue(persona))

    listed = {row["kind"] for row in api.get(API_URL).json()}

    assert listed & (CUSTOMER_KINDS | {"test.workers", "test.managers"}) == expected


def test_the_api_refuses_a_kind_the_caller_cannot_receive_with_a_400_naming_the_kind(
    extra_kinds, agent
):
    api = APIClient()
    api.force_authenticate(agent)

    response = api.put(API_URL, {"kind": "test.managers", "channels": [Channel.SMS]}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["kind"]
    assert not NotificationPreference.objects.exists()
