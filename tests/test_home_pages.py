"""Start pages list what the installed apps really offer, each added by its own app."""

from django.urls import reverse


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


def test_the_nav_gives_customers_their_reviews_and_staff_their_pages(client, customer, agent):
    customers = page(client, customer, "accounts:customer-home")
    agents = page(client, agent, "accounts:customer-home")

    nav = customers[customers.index("<nav") : customers.index("</nav>")]
    assert reverse("tickets:list") in nav
    assert reverse("ratings:my-reviews") in nav
    nav = agents[agents.index("<nav") : agents.index("</nav>")]
    assert reverse("accounts:agent-dashboard", args=["acme"]) in nav
    assert reverse("ratings:my-reviews") not in nav
