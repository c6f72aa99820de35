"""A ticket's times read in its organization's zone, unless the reader chose their own."""

import datetime

import pytest
from django.urls import reverse

from tickets.tests.factories import TicketFactory

# 23:30 UTC on 9 July: 00:30 on the 10th in London, 08:30 on the 10th in Seoul.
OPENED = datetime.datetime(2026, 7, 9, 23, 30, tzinfo=datetime.UTC)


@pytest.fixture
def ticket(organization, customer):
    return TicketFactory(organization=organization, customer=customer, created_at=OPENED)


def opened_on(client, person, url) -> str:
    client.force_login(person)
    client.cookies["django_language"] = "en"
    html = client.get(url).content.decode()
    start = html.index('<time datetime="2026-07-')
    return html[html.index(">", start) + 1 : html.index("</time>", start)]


def test_a_customer_without_a_zone_reads_their_ticket_in_the_organizations(
    client, customer, ticket
):
    assert customer.timezone == ""
    url = reverse("tickets:detail", args=[ticket.pk])

    assert opened_on(client, customer, url) == "10 Jul 2026, 00:30"


def test_a_customer_who_chose_a_zone_reads_every_time_in_it(client, customer, ticket):
    customer.timezone = "Asia/Seoul"
    customer.save(update_fields=["timezone"])
    url = reverse("tickets:detail", args=[ticket.pk])

    assert opened_on(client, customer, url) == "10 Jul 2026, 08:30"


def test_staff_read_the_ticket_in_their_organizations_zone(client, agent, ticket):
    url = reverse("tickets:staff-detail", args=[ticket.organization.slug, ticket.pk])

    assert opened_on(client, agent, url) == "10 Jul 2026, 00:30"
