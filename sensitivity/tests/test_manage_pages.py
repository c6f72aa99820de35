import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_smoke(client, manager, organization):
    client.force_login(manager)
    for name in ("codes", "stats", "log"):
        r = client.get(reverse(f"sensitivity:{name}", args=[organization.slug]))
        assert r.status_code == 200, name
    r = client.get(reverse("accounts:manager-console", args=[organization.slug]))
    assert b"/sensitivity/stats/" in r.content
