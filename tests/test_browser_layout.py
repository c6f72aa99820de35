"""How pages hold together at the sizes people use: the top bar in one row on a laptop and
behind a menu on a phone, long unbroken words kept inside the screen, cards apart."""

import pytest
from playwright.sync_api import expect

from ratings.tests.factories import posted_review
from tests.browser import TIMEOUT_MS, log_in
from tickets.models import Status
from tickets.tests.factories import TicketUpdateFactory, answered_ticket

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# The bar's one row: its 44 px controls and padding. Two rows are well over 90.
ONE_ROW = 64
LONG_WORD = "Supercalifragilistic" * 10


def open_as(browser, base_url, device, person, path):
    context = browser.new_context(base_url=base_url, **device)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, person.email, next_path=path)
    return page


def bar_height(page) -> float:
    return page.locator(".topbar").bounding_box()["height"]


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_a_managers_top_bar_holds_all_their_links_in_one_row_at_1366(
    browser, live_asgi_server, manager
):
    page = open_as(browser, live_asgi_server, LAPTOP, manager, "/o/acme/console/")
    bar = page.get_by_role("navigation", name="Your pages")

    for name in ("Acme Repairs", "Inbox", "Reviews", "Scores"):
        expect(bar.get_by_role("link", name=name)).to_be_visible()
    assert bar_height(page) <= ONE_ROW
    assert fits_the_screen(page)

    page.get_by_text("Maria Manager", exact=True).first.click()
    menu = page.locator("details[data-menu]")
    for name in ("Service levels", "Messages sent", "Notification defaults", "My account"):
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu.get_by_role("link", name="My account")).to_be_hidden()


def test_on_a_phone_the_bar_is_one_row_and_its_links_are_in_the_menu(
    browser, live_asgi_server, manager
):
    page = open_as(browser, live_asgi_server, PHONE, manager, "/o/acme/console/")

    expect(page.locator(".mainnav")).to_be_hidden()
    assert bar_height(page) <= ONE_ROW
    assert fits_the_screen(page)
    button = page.locator("details[data-menu] > summary")
    box = button.bounding_box()
    assert box["height"] >= 44

    button.click()
    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Inbox").click()

    expect(page.locator("h1")).to_have_text("Tickets")
    expect(page).to_have_url(f"{live_asgi_server}/o/acme/tickets/")


@pytest.mark.parametrize("device", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_one_long_unbroken_word_wraps_inside_the_screen_on_every_page_it_shows(
    browser, live_asgi_server, organization, customer, agent, device
):
    ticket = answered_ticket(
        organization,
        customer=customer,
        assignee=agent,
        by=agent,
        status=Status.RESOLVED,
        subject=LONG_WORD,
        body=LONG_WORD * 5,
    )
    TicketUpdateFactory(ticket=ticket, author=agent, body=LONG_WORD * 3)
    posted_review(organization, customer=customer, ticket=ticket, comment=LONG_WORD * 2)
    pages = [
        (customer, f"/tickets/{ticket.pk}/"),
        (customer, "/tickets/"),
        (customer, "/me/reviews/"),
        (agent, "/o/acme/tickets/?view=all"),
        (agent, f"/o/acme/tickets/{ticket.pk}/"),
        (agent, "/o/acme/reviews/"),
        (agent, "/o/acme/agent/"),
    ]

    people = {}
    for person, path in pages:
        if person not in people:
            people[person] = open_as(browser, live_asgi_server, device, person, path)
        page = people[person]
        page.goto(path)
        expect(page.get_by_text(LONG_WORD[:40]).first).to_be_visible()
        assert fits_the_screen(page), path


def test_the_thank_you_card_stands_apart_from_the_reply_card_below_it(
    browser, live_asgi_server, organization, customer, agent
):
    ticket = answered_ticket(
        organization, customer=customer, assignee=agent, by=agent, status=Status.RESOLVED
    )
    page = open_as(browser, live_asgi_server, LAPTOP, customer, f"/tickets/{ticket.pk}/")
    thanks = page.locator("#ticket-feedback > .card").last
    expect(thanks.get_by_role("heading", name="Send a thank-you")).to_be_visible()

    above = thanks.bounding_box()
    below = page.locator("#follow-up").bounding_box()

    assert below["y"] - (above["y"] + above["height"]) >= 16
