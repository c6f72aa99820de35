"""Rating a technician's visit end to end: the customer finds it waiting in My reviews (the
moment the technician completes it), rates it and thanks the technician, whose ratings
profile, open on another device, shows both without a reload."""

import pytest
from playwright.sync_api import expect

from chat.tests.factories import answered_chat
from ratings.models import Gift, Review
from technicians import services as visit_services
from technicians.models import VisitStatus
from technicians.tests.factories import VisitFactory, completed_visit
from tests.browser import (
    in_another_thread,
    mark_as_not_reloaded,
    open_page_at,
    wait_for_realtime,
    was_not_reloaded,
    watch_realtime,
)

pytestmark = pytest.mark.browser


def test_a_customer_rates_a_visit_and_thanks_the_technician_who_sees_both_live(
    browser, live_asgi_server, organization, customer, technician
):
    visit = completed_visit(
        organization, customer=customer, technician=technician, summary="Service the boiler"
    )
    answered_chat(organization, customer=customer, subject="Opening hours")
    profile = open_page_at(
        browser, live_asgi_server, technician, f"/o/acme/agents/{technician.pk}/"
    )
    expect(profile.locator("[data-realtime-status]")).to_have_attribute("data-state", "connected")
    mark_as_not_reloaded(profile)
    watch_realtime(profile)
    page = open_page_at(browser, live_asgi_server, customer, "/me/reviews/")

    waiting = page.locator("#awaiting-rating")
    expect(waiting.get_by_role("link")).to_have_count(2)
    waiting.get_by_role("link", name="Visit: Service the boiler", exact=False).click()
    expect(page.locator("h1")).to_have_text("Your feedback")
    page.get_by_label("5 stars", exact=True).check()
    page.get_by_label("Your review").fill("Tom was on time and left it spotless.")
    page.get_by_role("button", name="Publish my rating").click()
    expect(page.get_by_text("Thank you for rating our service.")).to_be_visible()
    page.get_by_label("Flowers").check()
    page.get_by_label("A note").fill("For the early start.")
    page.get_by_role("button", name="Send my thanks").click()
    expect(page.get_by_text(f"Your thank-you is on its way to {technician}.")).to_be_visible()

    review, gift = Review.objects.get(), Gift.objects.get()
    assert (review.visit, review.technician, review.stars) == (visit, technician, 5)
    assert (gift.visit, gift.recipient, gift.kind) == (visit, technician, "flowers")
    wait_for_realtime(profile, "review.posted")
    wait_for_realtime(profile, "gift.received")
    expect(profile.locator("#agent-profile")).to_contain_text(
        "Tom was on time and left it spotless."
    )
    expect(profile.locator("#agent-profile")).to_contain_text("For the early start.")
    assert was_not_reloaded(profile)

    page.goto("/me/reviews/")
    expect(page.locator("#awaiting-rating").get_by_role("link")).to_have_count(1)
    expect(page.locator("#awaiting-rating")).to_contain_text("Chat: Opening hours")


def test_a_visit_appears_in_my_reviews_the_moment_its_technician_completes_it(
    browser, live_asgi_server, organization, customer, technician
):
    visit = VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        summary="Bleed the radiators",
        status=VisitStatus.IN_PROGRESS,
    )
    page = open_page_at(browser, live_asgi_server, customer, "/me/reviews/")
    expect(page.locator("[data-realtime-status]")).to_have_attribute("data-state", "connected")
    expect(page.locator("#awaiting-rating")).to_have_count(0)
    mark_as_not_reloaded(page)
    watch_realtime(page)

    in_another_thread(
        visit_services.visit_complete, visit=visit, by=technician, report="All radiators bled."
    )

    wait_for_realtime(page, "visit.updated")
    waiting = page.locator("#awaiting-rating")
    expect(waiting).to_contain_text("Visit: Bleed the radiators")
    assert was_not_reloaded(page)
