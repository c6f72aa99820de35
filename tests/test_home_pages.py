"""Start pages and the top bar list what the installed apps really offer, each added by its
own app, and each person sees there what their role may use."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import MembershipFactory


def page(client, person, url_name, *args) -> str:
    client.force_login(person)
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_my_account_offers_requests_visits_and_reviews_and_promises_nothing_else(client, customer):
    html = page(client, customer, "accounts:customer-home")

    assert reverse("tickets:new") in html
    assert reverse("technicians:providers") in html
    assert reverse("ratings:my-reviews") in html
    for promise in ("Chats", "surveys"):
        assert promise not in html


def test_the_reception_desk_shows_the_tickets_it_can_work_not_a_classification_to_come(
    client, receptionist
):
    html = page(client, receptionist, "accounts:reception-desk", "acme")

    assert 'id="ticket-overview"' in html
    assert reverse("notifications:deliveries", args=["acme"]) in html
    assert "classify" not in html
    assert "Nothing to show here yet" not in html


def test_the_technicians_day_shows_their_visits_hours_and_ratings_not_tickets(client, technician):
    html = page(client, technician, "accounts:technician-today", "acme")

    assert 'id="agenda"' in html
    assert reverse("technicians:working-hours", args=["acme"]) in html
    assert 'id="ticket-overview"' not in html
    assert reverse("ratings:agent-profile", args=["acme", technician.pk]) in html


def test_staff_tools_follow_the_role(client, agent, manager):
    agents = page(client, agent, "accounts:agent-dashboard", "acme")
    managers = page(client, manager, "accounts:manager-console", "acme")

    assert reverse("ratings:dashboard", args=["acme"]) in agents
    assert reverse("ratings:scores", args=["acme"]) not in agents
    assert reverse("notifications:organization-defaults", args=["acme"]) not in agents
    assert reverse("ratings:scores", args=["acme"]) in managers
    assert reverse("notifications:organization-defaults", args=["acme"]) in managers
    assert 'id="ticket-overview"' in agents
    assert 'id="ticket-overview"' in managers


def test_a_customers_ticket_page_has_the_feedback_slot_ratings_adds(client, customer):
    from tickets.tests.factories import TicketFactory

    ticket = TicketFactory(customer=customer)

    html = page(client, customer, "tickets:detail", ticket.pk)

    assert reverse("ratings:ticket-feedback", args=[ticket.pk]) in html


def links_in(html: str, start: str, end: str) -> list[str]:
    part = html[html.index(start) :]
    return re.findall(r'href="([^"]+)"', part[: part.index(end)])


def bar_links(html: str) -> list[str]:
    return links_in(html, '<nav class="mainnav"', "</nav>")


def menu_links(html: str) -> list[str]:
    """The menu's own links: not the bar's, which it repeats for narrow screens."""
    return links_in(html, '<nav class="menu__pages"', '<div class="menu__footer">')[
        len(bar_links(html)) :
    ]


def test_the_nav_gives_customers_their_own_pages_and_staff_their_organization(
    client, customer, agent
):
    customers = page(client, customer, "accounts:customer-home")
    agents = page(client, agent, "accounts:customer-home")

    assert bar_links(customers) == [
        reverse("accounts:customer-home"),
        reverse("tickets:list"),
        reverse("technicians:mine"),
        reverse("ratings:my-reviews"),
    ]
    assert menu_links(customers) == [reverse("accounts:account-settings")]
    assert reverse("accounts:agent-dashboard", args=["acme"]) in bar_links(agents)
    assert reverse("ratings:my-reviews") not in bar_links(agents)
    assert menu_links(agents)[-5:] == [
        reverse("accounts:customer-home"),
        reverse("tickets:list"),
        reverse("technicians:mine"),
        reverse("ratings:my-reviews"),
        reverse("accounts:account-settings"),
    ]


def org_page(name: str, person) -> str:
    """One of the organization's pages, as its link reads for `person`."""
    url_name, own = {
        "inbox": ("tickets:inbox", False),
        "reviews": ("ratings:dashboard", False),
        "scores": ("ratings:scores", False),
        "service levels": ("tickets:service-levels", False),
        "messages sent": ("notifications:deliveries", False),
        "defaults": ("notifications:organization-defaults", False),
        "my ratings": ("ratings:agent-profile", True),
        "book a visit": ("technicians:desk", False),
    }[name]
    return reverse(url_name, args=["acme", *([person.pk] if own else [])])


@pytest.mark.parametrize(
    ("role", "in_the_bar", "in_the_menu"),
    [
        ("agent", ["inbox", "reviews"], ["messages sent", "my ratings"]),
        ("receptionist", ["inbox"], ["messages sent", "book a visit"]),
        ("technician", [], ["my ratings"]),
        (
            "manager",
            ["inbox", "reviews", "scores"],
            ["service levels", "messages sent", "defaults", "book a visit", "my ratings"],
        ),
    ],
)
def test_each_role_has_the_organizations_pages_it_may_use_on_every_page(
    request, client, role, in_the_bar, in_the_menu
):
    person = request.getfixturevalue(role)
    client.force_login(person)
    start = client.get(reverse("accounts:home"), follow=True).content.decode()
    # A page of no organization: the bar still knows the person's only one.
    elsewhere = page(client, person, "notifications:inbox")

    for html in (start, elsewhere):
        bar = bar_links(html)
        assert bar[1:] == [org_page(name, person) for name in in_the_bar]
        assert menu_links(html)[: len(in_the_menu)] == [
            org_page(name, person) for name in in_the_menu
        ]
    for url in bar_links(start) + menu_links(start):
        assert client.get(url).status_code == 200, url


def test_staff_of_two_organizations_see_the_pages_of_the_one_they_are_in(
    client, agent, other_organization
):
    MembershipFactory(user=agent, organization=other_organization, role=Role.MANAGER)
    client.force_login(agent)

    at_acme = page(client, agent, "tickets:inbox", "acme")
    at_globex = page(client, agent, "tickets:inbox", "globex")
    elsewhere = page(client, agent, "notifications:inbox")

    assert reverse("ratings:scores", args=["globex"]) in bar_links(at_globex)
    assert reverse("ratings:dashboard", args=["acme"]) in bar_links(at_acme)
    assert not [url for url in bar_links(at_acme) if "globex/tickets" in url]
    assert bar_links(elsewhere) == [
        reverse("accounts:agent-dashboard", args=["acme"]),
        reverse("accounts:manager-console", args=["globex"]),
    ]
