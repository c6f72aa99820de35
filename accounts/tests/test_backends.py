"""The session's user is read from the database on every request: whatever changes them (a
new password, a deactivation, a new name, by a service or not) shows on the next request,
and nothing of theirs, least of all the password's hash, goes to the cache. Their staff
memberships are read through the cache, dropped by the services that change them."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import selectors, services
from accounts.models import User

HOME = reverse("accounts:customer-home")
LOGIN = reverse("accounts:login")
NEW_PASSWORD = "violet-harbour-lantern-42"


def user_loads(captured) -> list[str]:
    """Queries that read a whole user (the password column comes only with those)."""
    column = f'"{User._meta.db_table}"."password"'
    return [q["sql"] for q in captured.captured_queries if column in q["sql"]]


def cached_values() -> list[bytes]:
    """Every value in the cache, as stored (pickled)."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client()
        prefix = settings.CACHES["default"]["KEY_PREFIX"]
        return [client.get(key) for key in client.scan_iter(f"{prefix}:*", count=1000)]
    return list(cache._cache.values())


def signed_out(response) -> bool:
    return response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_signed_in_page_reads_its_user_once_from_the_database(client, customer):
    client.force_login(customer)
    client.get(HOME)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(HOME)

    assert response.status_code == 200
    assert response.context["user"] == customer
    assert len(user_loads(captured)) == 1


def test_no_cached_value_holds_a_password_hash_after_customer_and_staff_pages(
    client, customer, agent, organization
):
    client.force_login(customer)
    assert client.get(HOME).status_code == 200
    client.force_login(agent)
    assert client.get(reverse("accounts:agent-dashboard", args=[organization.slug])).status_code
    selectors.assignable_people(organization.pk)  # as the staff ticket page does

    values = cached_values()
    assert len(values) >= 2  # the memberships and the assignable people at least
    for person in (customer, agent):
        assert not [value for value in values if person.password.encode() in value]


@pytest.mark.parametrize("through_the_service", [True, False])
def test_a_new_password_signs_out_every_session_of_that_person(
    client, customer, through_the_service
):
    other = Client()
    client.force_login(customer)
    other.force_login(customer)
    assert client.get(HOME).status_code == 200
    assert other.get(HOME).status_code == 200

    person = User.objects.get(pk=customer.pk)
    if through_the_service:
        services.user_set_password(user=person, password=NEW_PASSWORD)
    else:  # as `manage.py changepassword` does
        person.set_password(NEW_PASSWORD)
        person.save()

    assert signed_out(client.get(HOME))
    assert signed_out(other.get(HOME))


def test_a_session_signed_in_by_the_old_cached_backend_stays_and_a_new_password_ends_it(
    client, customer
):
    client.force_login(customer, backend="accounts.backends.CachedModelBackend")
    assert client.get(HOME).status_code == 200

    services.user_set_password(user=customer, password=NEW_PASSWORD)

    assert signed_out(client.get(HOME))


def test_a_renamed_user_sees_the_new_name_on_the_next_page(client, customer):
    client.force_login(customer)
    client.get(HOME)

    User.objects.filter(pk=customer.pk).update(full_name="Renamed Person")

    assert "Renamed Person" in client.get(HOME).content.decode()


def test_a_deactivated_user_is_signed_out_at_the_next_request(client, customer):
    client.force_login(customer)
    client.get(HOME)

    User.objects.filter(pk=customer.pk).update(is_active=False)

    assert signed_out(client.get(HOME))


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
        services.membership_set_active(
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
        services.organization_update(
            organization=organization, name="Renamed Desk", timezone_name="Europe/Paris"
        )

    assert "Renamed Desk" in client.get(dashboard).content.decode()
