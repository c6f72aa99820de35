"""The bell and the inbox update live when a notification is created for the person."""

import pytest
from playwright.sync_api import expect

from notifications import services
from notifications.models import Channel
from tests.browser import in_another_thread

pytestmark = pytest.mark.browser


def test_the_bell_count_and_the_inbox_update_live_when_a_notification_arrives(open_page, customer):
    inbox = open_page(customer)
    inbox.goto("/notifications/")
    expect(inbox.locator("[data-realtime-status]")).to_have_attribute("data-state", "connected")
    inbox.evaluate("() => { window.notReloaded = true; }")
    count = inbox.locator(".bell [data-unread-count]")
    expect(count).to_be_hidden()

    in_another_thread(
        services.notify,
        recipient=customer,
        kind="general",
        title="Your technician is on the way",
        body="Tom arrives at 10:30.",
        dedupe_key="browser-test:1",
        channels=[Channel.IN_APP],
    )

    expect(count).to_have_text("1")
    first = inbox.locator("[data-notification-list] > li").first
    expect(first).to_contain_text("Your technician is on the way")
    expect(first).to_contain_text("Tom arrives at 10:30.")

    in_another_thread(
        services.notify,
        recipient=customer,
        kind="general",
        title="Repair finished",
        dedupe_key="browser-test:2",
        channels=[Channel.IN_APP],
    )
    expect(count).to_have_text("2")

    inbox.get_by_role("button", name="Repair finished").click()
    expect(inbox.locator(".bell [data-unread-count]")).to_have_text("1")
    assert inbox.evaluate("() => window.notReloaded === true") is False  # opening navigated


def test_reading_in_one_tab_clears_the_bell_in_another(
    open_page, customer, browser, live_asgi_server
):
    first_tab = open_page(customer)
    in_another_thread(
        services.notify,
        recipient=customer,
        kind="general",
        title="Hello",
        dedupe_key="tabs:1",
        channels=[Channel.IN_APP],
    )
    count = first_tab.locator(".bell [data-unread-count]")
    expect(count).to_have_text("1")

    second_tab = first_tab.context.new_page()
    second_tab.goto(f"{live_asgi_server}/notifications/")
    second_tab.get_by_role("button", name="Mark all read").click()

    expect(count).to_be_hidden()
