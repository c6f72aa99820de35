"""A provider's public page follows the provider live, for a visitor who is not signed in, on
a laptop and on a phone: a review posted elsewhere and the provider's answer to it appear,
with the score and the chart, without a reload."""

import json

import pytest
from playwright.sync_api import expect

from ratings import services as ratings_services
from ratings.models import Review
from ratings.tests.factories import posted_review
from tests.browser import (
    DESKTOP,
    PHONE,
    in_another_thread,
    mark_as_not_reloaded,
    new_page,
    open_page_at,
    wait_for_realtime,
    was_not_reloaded,
    watch_realtime,
)
from tickets.models import Status
from tickets.tests.factories import answered_ticket

pytestmark = pytest.mark.browser


# Made before `browser`: posting publishes through async_to_sync, which can't run in this
# thread once Playwright's event loop does.
@pytest.fixture
def served(organization, customer, agent):
    posted_review(organization, stars=3, comment="Fine, if slow.")
    return answered_ticket(organization, customer=customer, assignee=agent, status=Status.RESOLVED)


def trend_counts(page) -> list[int]:
    data = json.loads(page.locator("#score-trend").get_attribute("data-trend-history"))
    return [point["count"] for point in data["history"]]


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_visitor_sees_a_review_posted_elsewhere_and_its_answer_arrive(
    served, browser, live_asgi_server, organization, customer, agent, screen
):
    visitor = new_page(browser, live_asgi_server, **screen)
    visitor.goto("/providers/acme/")
    reviews = visitor.locator("#provider-reviews li.review")
    expect(reviews).to_have_count(1)
    expect(visitor.locator(".rating-summary")).to_contain_text("1")
    assert trend_counts(visitor) == [1]
    mark_as_not_reloaded(visitor)
    watch_realtime(visitor)

    author = open_page_at(browser, live_asgi_server, customer, "/providers/acme/")
    form = author.locator("#review-form")
    form.get_by_label("5 stars", exact=True).check()
    form.get_by_label("Your review").fill("The boiler is dry at last. Thank you!")
    form.get_by_label("About").select_option(value=f"ticket-{served.pk}")
    form.get_by_role("button", name="Publish my review").click()
    expect(author.get_by_text("Thank you, your review is published.")).to_be_visible()
    review = Review.objects.get(customer=customer)

    wait_for_realtime(visitor, "provider.changed")
    arrived = visitor.locator(f'#provider-reviews [data-review-id="{review.pk}"]')
    expect(arrived).to_contain_text("The boiler is dry at last. Thank you!")
    expect(reviews).to_have_count(2)
    expect(visitor.locator(".rating-summary dd").nth(1)).to_have_text("2")
    expect(visitor.locator("#score-trend canvas")).to_be_visible()
    assert trend_counts(visitor) == [2]
    assert was_not_reloaded(visitor)

    in_another_thread(
        ratings_services.review_respond, review=review, author=agent, body="Glad it's dry!"
    )

    expect(arrived.locator("[data-response-slot]")).to_contain_text("Glad it's dry!")
    expect(arrived.locator("[data-response-slot]")).to_contain_text("Acme Repairs answered")
    assert was_not_reloaded(visitor)
    assert visitor.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
