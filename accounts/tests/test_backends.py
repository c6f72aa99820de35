"""The signed-in user is read from the cache, and a save makes the next request read it anew."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User

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
