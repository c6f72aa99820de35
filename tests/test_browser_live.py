"""Two people, two browsers: what one does shows on the other's page without a reload."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Presence, PresenceConnection, Role, StaffInvitation
from accounts.tests.factories import staff
from csportal import realtime
from csportal.models import Event
from tests.browser import mark_as_not_reloaded, open_page_at, wait_until, was_not_reloaded

pytestmark = pytest.mark.browser


def test_the_console_shows_an_agent_come_online_step_away_and_leave_without_a_reload(
    open_page, manager, agent
):
    console = open_page(manager)
    assert console.url.endswith("/o/acme/console/")
    mark_as_not_reloaded(console)
    badge = console.locator(f'#staff-table [data-presence-user="{agent.pk}"]')
    in_online_list = console.locator(f'[data-online-list] [data-online-user="{agent.pk}"]')
    expect(badge).to_have_attribute("data-status", "offline")
    expect(in_online_list).to_be_hidden()

    dashboard = open_page(agent)
    expect(badge).to_have_attribute("data-status", "online")
    expect(in_online_list).to_be_visible()

    dashboard.get_by_role("button", name="Away", exact=True).click()
    expect(dashboard.get_by_role("button", name="Away", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(badge).to_have_attribute("data-status", "away")

    dashboard.close()
    expect(badge).to_have_attribute("data-status", "offline")
    expect(in_online_list).to_be_hidden()
    assert was_not_reloaded(console)


def test_an_invitation_sent_by_one_manager_appears_on_another_managers_console_without_a_reload(
    open_page, organization, manager
):
    deputy = staff(organization, Role.MANAGER, email="dora@acme.example", full_name="Dora Deputy")
    inviting = open_page(manager)
    watching = open_page(deputy)
    mark_as_not_reloaded(watching)
    rows = watching.locator("#staff-rows > tr")
    expect(rows).to_have_count(2)

    inviting.get_by_label("Email", exact=True).fill("nora@acme.example")
    inviting.get_by_label("Role", exact=True).select_option(Role.TECHNICIAN)
    inviting.get_by_role("button", name="Send invitation").click()
    expect(
        inviting.get_by_text("We've emailed nora@acme.example about joining as Technician.")
    ).to_be_visible()

    new_row = watching.locator("#staff-rows > tr", has_text="nora@acme.example")
    expect(new_row).to_be_visible()
    expect(new_row).to_contain_text("Invited")
    expect(rows).to_have_count(3)
    assert was_not_reloaded(watching)
    assert StaffInvitation.objects.filter(
        organization=organization, email="nora@acme.example", role=Role.TECHNICIAN
    ).exists()
    assert not Membership.objects.filter(user__email="nora@acme.example").exists()


def test_a_change_whose_live_message_was_lost_still_reaches_the_other_console(
    open_page, organization, manager, monkeypatch
):
    deputy = staff(organization, Role.MANAGER, email="dora@acme.example", full_name="Dora Deputy")
    inviting = open_page(manager)
    watching = open_page(deputy)
    mark_as_not_reloaded(watching)
    # The channel layer is at-most-once: drop every live send, as a full Redis channel would.
    monkeypatch.setattr(realtime, "_send", lambda messages: None)

    inviting.get_by_label("Email", exact=True).fill("nora@acme.example")
    inviting.get_by_label("Role", exact=True).select_option(Role.AGENT)
    inviting.get_by_role("button", name="Send invitation").click()

    # The next heartbeat carries a newer event id; the page fetches what it missed over REST.
    expect(watching.locator("#staff-rows > tr", has_text="nora@acme.example")).to_be_visible()
    assert was_not_reloaded(watching)


def test_an_agent_moving_through_ten_pages_holds_one_connection_and_is_announced_once(
    browser, live_asgi_server, organization, agent, settings
):
    # Production's grace: a page load here can take longer than the tests' short one.
    settings.PRESENCE_GRACE_SECONDS = 3
    # Ends on the agent dashboard, which shows their own status.
    pages = ["/me/", "/o/acme/tickets/", "/o/acme/agent/", "/o/acme/reviews/"]
    page = open_page_at(browser, live_asgi_server, agent, pages[0])

    for n in range(1, 11):
        page.goto(pages[n % len(pages)])
        expect(page.locator("[data-realtime-status]")).to_have_attribute("data-state", "connected")

    # The last page's socket is the one left; the ones before it closed as their pages went.
    expect(page.locator(".my-presence [data-presence-user]")).to_have_attribute(
        "data-status", "online"
    )
    assert wait_until(lambda: PresenceConnection.objects.filter(user=agent).count() == 1)
    assert Presence.objects.get(user=agent).status == "online"
    announced = [
        [person["status"] for person in event.data["people"] if person["user"] == agent.pk]
        for event in Event.objects.filter(type="presence.changed").order_by("id")
    ]
    assert [statuses for statuses in announced if statuses] == [["online"]]
