"""Key pages read entirely in Chinese or Korean: no English word is left in their text.

Every text node and every attribute a person reads or hears (title, aria-label, placeholder,
alt, and the data-* texts scripts show) is checked, less the data the test made (names,
ticket text), numbers, and what stays as it is in every language (below).
"""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from tickets.models import Priority, UpdateKind
from tickets.tests.factories import CategoryFactory, TicketFactory, TicketUpdateFactory

# Names and terms that Chinese and Korean product text writes in Latin letters too.
KEPT = {
    "csportal",
    "cs",
    "API",
    "SMS",
    "PDF",
    "ZIP",
    "UTC",
    "ID",
    "SLA",
    "E.164",
    "multipart",
    "Zapier",
}
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’.-]*[A-Za-z]")


class Reader(HTMLParser):
    """Collects what a person reads on a page, skipping the options that are names, not words:
    time zones (IANA ids) and the language switcher (each language in its own)."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in {"script", "style"} or (
            tag == "select" and attributes.get("name") in {"timezone", "language"}
        ):
            self._skip.append(tag)
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or name.startswith(("data-msg", "data-label"))):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def english_left(html: str, data: set[str]) -> list[str]:
    reader = Reader()
    reader.feed(html)
    left = []
    for text in reader.texts:
        rest = text
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        if [word for word in ENGLISH_WORD.findall(rest) if word not in KEPT]:
            left.append(text)
    return left


@pytest.fixture
def ticket(organization, customer, agent):
    return ticket_with_updates(organization, customer, agent)


def ticket_with_updates(organization, customer, agent):
    """A categorized ticket with a public progress note and an internal one."""
    category = CategoryFactory(organization=organization, name="Boilers")
    ticket = TicketFactory(
        organization=organization,
        customer=customer,
        category=category,
        assignee=agent,
        priority=Priority.HIGH,
        subject="Radiator stays cold",
        body="The one in the hall.",
    )
    TicketUpdateFactory(ticket=ticket, author=agent, body="A technician comes on Thursday.")
    TicketUpdateFactory(
        ticket=ticket, author=agent, kind=UpdateKind.INTERNAL, is_public=False, body="Warranty?"
    )
    return ticket


def data_of(ticket, *people) -> set[str]:
    values = {ticket.subject, ticket.body, ticket.category.name, ticket.organization.name}
    values |= {update.body for update in ticket.updates.all()}
    for person in people:
        values |= {person.email, person.full_name, person.get_short_name(), str(person)}
    return values


@pytest.mark.parametrize("language", ["zh-hans", "ko"])
@pytest.mark.parametrize("page", ["customer home", "customer ticket", "staff ticket"])
def test_a_key_page_has_no_english_left(client, ticket, customer, agent, page, language):
    person, url = {
        "customer home": (customer, reverse("accounts:customer-home")),
        "customer ticket": (customer, reverse("tickets:detail", args=[ticket.pk])),
        "staff ticket": (
            agent,
            reverse("tickets:staff-detail", args=[ticket.organization.slug, ticket.pk]),
        ),
    }[page]
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get(url)

    assert response.status_code == 200
    assert english_left(response.content.decode(), data_of(ticket, customer, agent)) == []


def test_the_check_finds_english_on_a_page_shown_in_english(client, ticket, customer):
    client.force_login(customer)

    response = client.get(reverse("tickets:detail", args=[ticket.pk]))

    assert "Skip to content" in english_left(response.content.decode(), data_of(ticket, customer))
