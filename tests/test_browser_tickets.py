"""A ticket's whole life with the customer and the agent side by side, each page live."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import mark_as_not_reloaded, open_page_at, was_not_reloaded
from tickets import selectors
from tickets.models import Status, Ticket, TicketUpdate, UpdateKind
from tickets.tests.factories import PNG, TicketFactory, TicketUpdateFactory

pytestmark = pytest.mark.browser


def test_a_ticket_from_request_to_result_and_back_shows_live_on_both_sides(
    browser, live_asgi_server, organization, customer, agent, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    # The agent's inbox is open first, so they are online and the new ticket is routed to them.
    agent_page = open_page_at(browser, live_asgi_server, agent, "/o/acme/tickets/")
    expect(agent_page.locator(".my-presence [data-presence-user]")).to_have_attribute(
        "data-status", "online"
    )
    mark_as_not_reloaded(agent_page)
    customer_page = open_page_at(browser, live_asgi_server, customer, "/tickets/new/")

    customer_page.get_by_label("Provider").select_option(label="Acme Repairs")
    customer_page.get_by_label("Subject").fill("The boiler leaks")
    customer_page.get_by_label("What happened?").fill("Water under it since Monday.")
    customer_page.get_by_role("button", name="Send request").click()
    expect(customer_page.locator("h1")).to_have_text("The boiler leaks")
    expect(customer_page.locator("[data-realtime-status]")).to_have_attribute(
        "data-state", "connected"
    )
    mark_as_not_reloaded(customer_page)
    ticket = Ticket.objects.get()
    assert ticket.assignee == agent

    row = agent_page.locator(f'#inbox-results [data-ticket-id="{ticket.pk}"]')
    expect(row).to_contain_text("The boiler leaks")
    expect(agent_page.locator("#inbox-tabs .tabs__count").first).to_have_text("1")
    assert was_not_reloaded(agent_page)

    row.get_by_role("link").click()
    expect(agent_page.locator("[data-realtime-status]")).to_have_attribute(
        "data-state", "connected"
    )
    progress = agent_page.locator(".composer__form--progress")
    progress.get_by_label("Message").fill("We ordered the part.")
    progress.get_by_label("Attachments").set_input_files(
        files=[{"name": "part.png", "mimeType": "image/png", "buffer": PNG}]
    )
    progress.get_by_role("button", name="Send reply").click()
    expect(agent_page.get_by_text("Your reply is on its way to the customer.")).to_be_visible()

    timeline = customer_page.locator("[data-timeline]")
    expect(timeline).to_contain_text("We ordered the part.")
    expect(customer_page.locator('[data-field="status"]')).to_have_text("Open")
    expect(customer_page.locator('[data-field="assignee"]')).to_have_text("Alex Agent")
    expect(timeline.get_by_role("link", name="part.png")).to_have_attribute(
        "href", re.compile(r"^/attachments/[0-9a-f]{32}/$")
    )

    agent_page.get_by_text("Internal note", exact=True).click()
    note = agent_page.locator(".composer__form--note")
    note.get_by_label("Message").fill("Customer sounded worried.")
    note.get_by_role("button", name="Add internal note").click()
    expect(agent_page.get_by_text("Internal note added.")).to_be_visible()
    expect(agent_page.locator('[data-timeline] [data-public="false"]')).to_contain_text(
        "Customer sounded worried."
    )

    agent_page.get_by_text("Record the result", exact=True).click()
    agent_page.locator(".composer__form--resolve").get_by_label("Result").fill("Replaced the pump.")
    agent_page.get_by_role("button", name="Resolve with this result").click()
    expect(agent_page.get_by_text("The result is with the customer.")).to_be_visible()
    mark_as_not_reloaded(agent_page)

    result = customer_page.locator(".result-card")
    expect(result).to_be_visible()
    expect(result).to_contain_text("Replaced the pump.")
    expect(customer_page.locator('[data-field="status"]')).to_have_text("Resolved")
    expect(customer_page.get_by_text("Not satisfied? Write back and we reopen it")).to_be_visible()
    # Updates arrive in order: the note was written before the result, which has arrived.
    expect(timeline.get_by_text("Customer sounded worried.")).to_have_count(0)
    assert "Customer sounded worried." not in customer_page.content()
    assert was_not_reloaded(customer_page)

    customer_page.get_by_label("Message").fill("It leaks again since this morning.")
    customer_page.get_by_role("button", name="Send", exact=True).click()
    expect(customer_page.get_by_text("We've reopened your request and are on it.")).to_be_visible()
    expect(customer_page.locator('[data-field="status"]')).to_have_text("Open")

    expect(agent_page.locator('[data-field="status"]')).to_have_text("Open")
    expect(agent_page.locator("[data-timeline]")).to_contain_text(
        "It leaks again since this morning."
    )
    expect(agent_page.locator('[data-field="assignee"]')).to_have_text("Alex Agent")
    expect(agent_page.get_by_text("Record the result", exact=True)).to_be_visible()
    expect(agent_page.locator('form[action$="/status/"] option')).to_have_text(
        ["Open", "Waiting on customer", "Closed"]
    )
    assert was_not_reloaded(agent_page)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.reopen_count) == (Status.OPEN, agent, 1)


def test_a_long_timeline_opens_on_its_latest_entries_and_reads_back_to_the_first(
    browser, live_asgi_server, organization, customer, agent
):
    # Stored directly: services publish after commit, which this thread (Playwright's
    # event loop) can't do, and nothing here needs to be live.
    ticket = TicketFactory(organization=organization, customer=customer, subject="Noisy fan")
    TicketUpdateFactory(ticket=ticket, kind=UpdateKind.CREATED, author=customer, body="It hums.")
    TicketUpdate.objects.bulk_create(
        TicketUpdate(ticket=ticket, kind=UpdateKind.PROGRESS, author=agent, body=f"Note {n}")
        for n in range(2 * selectors.TIMELINE_TAIL + 5)
    )
    everything = ticket.updates.count()
    page = open_page_at(
        browser, live_asgi_server, agent, f"/o/{organization.slug}/tickets/{ticket.pk}/"
    )
    entries = page.locator("[data-timeline] > li.update")
    expect(entries).to_have_count(selectors.TIMELINE_TAIL)
    expect(entries.last).to_contain_text(f"Note {2 * selectors.TIMELINE_TAIL + 4}")

    earlier = page.get_by_role("button", name="Show earlier entries")
    while earlier.count():
        shown = entries.count()
        earlier.click()
        expect(entries).not_to_have_count(shown)

    expect(entries).to_have_count(everything)
    expect(entries.first).to_contain_text("It hums.")
