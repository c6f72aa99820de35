"""The kinds of notification the installed apps register reach only the people they concern:
a customer's settings never offer what only staff receive."""

import pytest
from rest_framework.test import APIClient

from notifications import selectors

# Customer kinds: staff are customers of other providers too.
FOR_EVERYONE = {
    "general",
    "ticket.updated",
    "review.responded",
    "visit.booked",
    "visit.on_the_way",
    "visit.reminder",
    "visit.changed",
}
FOR_AGENTS = {
    "ticket.assigned",
    "ticket.follow_up",
    "ticket.reminder",
    "review.posted",
    "gift.received",
}
FOR_MANAGERS_ONLY = {"ticket.escalated"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("customer", FOR_EVERYONE),
        ("agent", FOR_EVERYONE | FOR_AGENTS),
        ("manager", FOR_EVERYONE | FOR_AGENTS | FOR_MANAGERS_ONLY),
        ("receptionist", FOR_EVERYONE),
        ("technician", FOR_EVERYONE | {"review.posted", "gift.received"}),
    ],
)
def test_each_role_is_offered_the_kinds_it_receives(request, persona, expected):
    person = request.getfixturevalue(persona)

    assert {kind.name for kind in selectors.kinds_for(person)} == expected


def test_a_customers_settings_page_offers_no_staff_kinds(client, customer):
    client.force_login(customer)

    page = client.get("/notifications/preferences/").content.decode()

    assert "Progress and results of my requests" in page
    assert "A ticket is assigned to me" not in page
    assert "Overdue tickets escalated to managers" not in page


def test_an_agents_settings_page_offers_assignments_but_not_escalations(client, agent):
    client.force_login(agent)

    page = client.get("/notifications/preferences/").content.decode()

    assert "A ticket is assigned to me" in page
    assert "Overdue tickets escalated to managers" not in page


def test_a_managers_settings_page_offers_escalations(client, manager):
    client.force_login(manager)

    page = client.get("/notifications/preferences/").content.decode()

    assert "A ticket is assigned to me" in page
    assert "Overdue tickets escalated to managers" in page


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("customer", FOR_EVERYONE),
        ("agent", FOR_EVERYONE | FOR_AGENTS),
        ("manager", FOR_EVERYONE | FOR_AGENTS | FOR_MANAGERS_ONLY),
    ],
)
def test_the_api_lists_the_same_kinds_as_the_page(request, persona, expected):
    api = APIClient()
    api.force_authenticate(request.getfixturevalue(persona))

    response = api.get("/api/v1/notifications/preferences/")

    assert {row["kind"] for row in response.json()} == expected


def test_a_customer_cannot_choose_channels_for_assignments(customer):
    api = APIClient()
    api.force_authenticate(customer)

    response = api.put(
        "/api/v1/notifications/preferences/",
        {"kind": "ticket.assigned", "channels": ["sms"]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["kind"]
