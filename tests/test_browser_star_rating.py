"""The star control, by keyboard alone: on a desktop and on a phone a customer reaches the stars
with Tab, picks four with the arrow keys, sees four filled and where the focus is, and
publishes the rating."""

import pytest
from playwright.sync_api import expect

from ratings.models import Review
from tests.browser import TIMEOUT_MS, log_in
from tickets.models import Status
from tickets.tests.factories import answered_ticket

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1366, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# Far more than the links and buttons above the stars on either layout.
MOST_TABS = 80


def tab_to_the_stars(page):
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('.stars') !== null"):
            return
    raise AssertionError("Tab never reached the stars")


def filled_stars(page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('.stars .stars__shape')]
              .filter((shape) => getComputedStyle(shape).fill !== 'rgba(0, 0, 0, 0)').length"""
    )


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_customer_rates_a_resolved_ticket_four_stars_by_keyboard_alone(
    browser, live_asgi_server, organization, customer, agent, device
):
    ticket = answered_ticket(
        organization, customer=customer, assignee=agent, by=agent, status=Status.RESOLVED
    )
    context = browser.new_context(base_url=live_asgi_server, **device)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, customer.email, next_path=f"/tickets/{ticket.pk}/")
    stars = page.locator("#ticket-feedback fieldset").filter(has=page.locator(".stars"))
    expect(stars.locator("legend")).to_have_text("Stars")
    for box in [star.bounding_box() for star in stars.locator(".stars__star").all()]:
        assert box["width"] >= 44
        assert box["height"] >= 44
    assert filled_stars(page) == 0

    tab_to_the_stars(page)
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")

    expect(stars.get_by_role("radio", name="4 stars")).to_be_checked()
    expect(stars.get_by_role("radio", name="4 stars")).to_be_focused()
    assert filled_stars(page) == 4
    focus_ring = stars.locator("input:focus + .stars__star").evaluate(
        "(star) => getComputedStyle(star).boxShadow"
    )
    assert focus_ring != "none"
    page.keyboard.press("Tab")
    expect(page.get_by_label("Your review")).to_be_focused()
    page.keyboard.type("Quick and tidy.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Publish my rating")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Thank you for rating our service.")).to_be_visible()
    review = Review.objects.get()
    assert (review.ticket, review.stars, review.comment) == (ticket, 4, "Quick and tidy.")
    context.close()
