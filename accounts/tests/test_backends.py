"""The signed-in user and their memberships are read from the cache, and a save of either
makes the next request read them anew."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import selectors
from accounts.models import User
from accounts.services import membership_set_active, organization_update

HOME = reverse("accounts:customer-home")


def user_loads(captured) -> list[str]:
    """Queries that read a whole user (the password column comes only with those)."""
    column = f'"{User._meta.db_table}"."password"'
    return [q["sql"] for q in captured.captured_queries if column in q["sql"]]


def test_a_signed_in_page_reads_its_user_from_the_cache_after_the_first(client, customer):
    client.force_login(customer)
    client.get(HOME)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)

    assert response.status_code == 200
    assert response.context["user"] == customer
    assert user_loads(captured) == []


def test_a_renamed_user_sees_the_new_name_on_the_next_page(client, customer, after_commit):
    client.force_login(customer)
    client.get(HOME)

    with after_commit():
        customer.full_name = "Renamed Person"
        customer.save()

    assert "Renamed Person" in client.get(HOME).content.decode()


def test_a_deactivated_user_is_signed_out_at_the_next_request(client, customer, after_commit):
    client.force_login(customer)
    client.get(HOME)

    with after_commit():
        customer.is_active = False
        customer.save()

    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_staff_page_reads_the_memberships_from_the_cache_after_the_first(
    client, agent, organization, monkeypatch
):
    dashboard = reverse("accounts:agent-dashboard", args=[organization.slug])
    client.force_login(agent)
    client.get(dashboard)
    reads = []
    read = selectors.staff_memberships_of

    def reading(user):
        reads.append(user)
        return read(user)

    monkeypatch.setattr(selectors, "staff_memberships_of", reading)

    response = client.get(dashboard)

    assert response.status_code == 200
    assert reads == []


def test_a_suspended_agent_loses_the_staff_pages_at_the_next_request(
    client, agent, manager, organization, after_commit
):
    dashboard = reverse("accounts:agent-dashboard", args=[organization.slug])
    client.force_login(agent)
    assert client.get(dashboard).status_code == 200

    with after_commit():
        membership_set_active(
            membership=agent.memberships.get(organization=organization), is_active=False, by=manager
        )

    assert client.get(dashboard).status_code == 404


def test_a_renamed_organization_shows_on_its_staff_pages_at_once(
    client, agent, organization, after_commit
):
    dashboard = reverse("accounts:agent-dashboard", args=[organization.slug])
    client.force_login(agent)
    client.get(dashboard)

    with after_commit():
        organization_update(
            organization=organization, name="Renamed Desk", timezone_name="Europe/Paris"
        )

    assert "Renamed Desk" in client.get(dashboard).content.decode()
