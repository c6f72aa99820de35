"""Switching to 中文 or 한국어 in the top bar translates the pages a new user meets first, at
desktop and phone sizes: the customer's home, their ticket, the provider page and the
technician's Today. No English is left but names and data (the check of
tests/test_pages_translated.py, run on the page as the browser shows it)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from technicians.tests.factories import booked_visit
from tests.browser import DESKTOP, PHONE, log_in, new_page
from tests.test_pages_translated import data_of, english_left, ticket_with_updates

pytestmark = pytest.mark.browser

SCREENS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def ticket(organization, customer, agent):
    return ticket_with_updates(organization, customer, agent)


def switch_language(page, language: str) -> None:
    """Through the menu behind the person's name, as a new user would find it."""
    page.locator("details[data-menu] > summary").click()
    page.locator("#language-select").select_option(language)
    page.locator(".language-form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def english_on(page, data: set[str]) -> list[str]:
    return english_left(page.content(), data)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", ["zh-hans", "ko"])
def test_a_customer_reads_home_ticket_and_provider_page_in_their_language(
    browser, live_asgi_server, ticket, customer, agent, screen, language
):
    page = new_page(browser, live_asgi_server, **SCREENS[screen])
    log_in(page, customer.email)
    switch_language(page, language)
    data = data_of(ticket, customer, agent) | {ticket.organization.slug}

    for path in ("/me/", f"/tickets/{ticket.pk}/", f"/providers/{ticket.organization.slug}/"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert english_on(page, data) == [], path


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("language", ["zh-hans", "ko"])
def test_a_technician_reads_today_in_their_language(
    browser, live_asgi_server, organization, customer, technician, screen, language
):
    visit = booked_visit(
        technician,
        timezone.now() + timedelta(days=1),
        customer=customer,
        summary="Boiler service",
        address="14 Mill Lane, Leeds",
        symptoms="Pressure drops",
    )
    page = new_page(browser, live_asgi_server, **SCREENS[screen])
    log_in(page, technician.email, next_path=f"/o/{organization.slug}/today/")
    switch_language(page, language)
    data = {
        visit.summary,
        visit.address,
        visit.symptoms,
        organization.name,
        organization.timezone,
        customer.full_name,
        customer.email,
        str(customer),
        technician.full_name,
        technician.email,
        technician.get_short_name(),
        str(technician),
    }

    expect(page.get_by_text(visit.summary).first).to_be_visible()
    assert english_on(page, data) == []
