"""Reviews live on both sides: the customer's review reaches the provider's dashboard and the
provider's answer reaches the customer, each without a reload; and rating a ticket once it is
resolved, thanking its agent, and changing the review."""

import pytest
from playwright.sync_api import expect

from ratings import services as ratings_services
from ratings.models import Gift, Review
from ratings.selectors import PUBLIC_REVIEWS
from ratings.tests.factories import posted_review
from tests.browser import (
    in_another_thread,
    mark_as_not_reloaded,
    new_page,
    open_page_at,
    wait_for_realtime,
    was_not_reloaded,
    watch_realtime,
)
from tickets import services as ticket_services
from tickets.models import Status
from tickets.tests.factories import TicketFactory, answered_ticket

pytestmark = pytest.mark.browser


def test_a_review_reaches_the_dashboard_and_its_answer_the_customer_live(
    browser, live_asgi_server, organization, customer, agent
):
    ticket = answered_ticket(
        organization, customer=customer, assignee=agent, status=Status.RESOLVED
    )
    dashboard = open_page_at(browser, live_asgi_server, agent, "/o/acme/reviews/")
    expect(dashboard.get_by_text("No reviews yet")).to_be_visible()
    mark_as_not_reloaded(dashboard)
    watch_realtime(dashboard)
    provider = open_page_at(browser, live_asgi_server, customer, "/providers/acme/")

    form = provider.locator("#review-form")
    form.get_by_label("4 stars", exact=True).check()
    form.get_by_label("Your review").fill("Fixed in a day, thank you.")
    form.get_by_label("About").select_option(value=f"ticket-{ticket.pk}")
    form.get_by_role("button", name="Publish my review").click()
    expect(provider.get_by_text("Thank you, your review is published.")).to_be_visible()
    expect(provider.locator("[data-realtime-status]")).to_have_attribute("data-state", "connected")
    mark_as_not_reloaded(provider)
    watch_realtime(provider)
    review = Review.objects.get()
    assert (review.ticket, review.agent, review.stars) == (ticket, agent, 4)

    wait_for_realtime(dashboard, "review.posted")
    on_dashboard = dashboard.locator(f'#dashboard-reviews [data-review-id="{review.pk}"]')
    expect(on_dashboard).to_contain_text("Fixed in a day, thank you.")
    assert was_not_reloaded(dashboard)

    on_dashboard.get_by_label("Your public answer").fill("Glad the boiler is dry again!")
    on_dashboard.get_by_role("button", name="Answer").click()
    expect(dashboard.get_by_text("Your answer is published.")).to_be_visible()

    wait_for_realtime(provider, "review.responded")
    answer = provider.locator(f'[data-review-id="{review.pk}"] [data-response-slot]')
    expect(answer).to_contain_text("Glad the boiler is dry again!")
    expect(answer).to_contain_text("Acme Repairs answered")
    assert was_not_reloaded(provider)


def test_a_customer_rates_and_thanks_once_resolved_then_changes_the_review(
    browser, live_asgi_server, organization, customer, agent
):
    ticket = TicketFactory(
        organization=organization,
        customer=customer,
        assignee=agent,
        status=Status.OPEN,
        subject="The boiler leaks",
    )
    page = open_page_at(browser, live_asgi_server, customer, f"/tickets/{ticket.pk}/")
    mark_as_not_reloaded(page)
    watch_realtime(page)
    feedback = page.locator("#ticket-feedback")
    expect(feedback.get_by_role("heading", name="Rate this service")).to_have_count(0)

    in_another_thread(
        ticket_services.ticket_resolve, ticket=ticket, result="Replaced the pump.", by=agent
    )

    wait_for_realtime(page, "ticket.updated")
    expect(feedback.get_by_role("heading", name="Rate this service")).to_be_visible()
    assert was_not_reloaded(page)
    feedback.get_by_label("A coffee").check()
    feedback.get_by_label("A note").fill("Thanks for coming so early.")
    feedback.get_by_role("button", name="Send my thanks").click()
    expect(page.get_by_text("Your thank-you is on its way to Alex Agent.")).to_be_visible()
    gift = Gift.objects.get()
    assert (gift.recipient, gift.kind, gift.note) == (
        agent,
        "coffee",
        "Thanks for coming so early.",
    )

    feedback.get_by_label("3 stars", exact=True).check()
    feedback.get_by_label("Your review").fill("Took a while, but it works.")
    feedback.get_by_role("button", name="Publish my rating").click()
    expect(page.get_by_text("Thank you for rating our service.")).to_be_visible()
    expect(feedback).to_contain_text("You gave it 3 stars.")
    review = Review.objects.get()
    assert (review.ticket, review.agent, review.stars) == (ticket, agent, 3)

    feedback.get_by_role("link", name="See it in My reviews").click()
    expect(page.locator("h1")).to_have_text("My reviews")
    expect(page.locator("[data-realtime-status]")).to_have_attribute("data-state", "connected")
    mark_as_not_reloaded(page)
    watch_realtime(page)
    mine = page.locator(f'[data-review-id="{review.pk}"]')

    in_another_thread(
        ratings_services.review_respond, review=review, author=agent, body="Sorry for the wait!"
    )

    wait_for_realtime(page, "review.responded")
    slot = mine.locator("[data-response-slot]")
    expect(slot).to_contain_text("Sorry for the wait!")
    expect(slot).to_contain_text("Acme Repairs answered")
    assert was_not_reloaded(page)

    mine.get_by_text("Change or delete").click()
    mine.get_by_label("5 stars", exact=True).check()
    mine.get_by_label("Your review").fill("It works, and they said sorry.")
    mine.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your review is updated.")).to_be_visible()
    expect(page.locator(f'[data-review-id="{review.pk}"]')).to_contain_text(
        "It works, and they said sorry."
    )
    review.refresh_from_db()
    assert (review.stars, review.comment) == (5, "It works, and they said sorry.")


def test_a_visitor_reads_the_providers_reviews_back_to_the_first_with_show_more(
    browser, live_asgi_server, organization
):
    def post_reviews():
        for number in range(2 * PUBLIC_REVIEWS + 3):
            posted_review(organization, stars=1 + number % 5, comment=f"Visit {number}")

    in_another_thread(post_reviews)
    page = new_page(browser, live_asgi_server)
    page.goto(f"/providers/{organization.slug}/")
    reviews = page.locator("[data-reviews] > li.review")
    expect(reviews).to_have_count(PUBLIC_REVIEWS)
    expect(reviews.first).to_contain_text(f"Visit {2 * PUBLIC_REVIEWS + 2}")

    more = page.get_by_role("button", name="Show more reviews")
    while more.count():
        shown = reviews.count()
        more.click()
        expect(reviews).not_to_have_count(shown)

    expect(reviews).to_have_count(Review.objects.filter(organization=organization).count())
    expect(reviews.last).to_contain_text("Visit 0")


def test_a_review_naming_an_agent_shows_on_their_start_page_live(
    browser, live_asgi_server, organization, customer, agent
):
    ticket = answered_ticket(
        organization, customer=customer, assignee=agent, by=agent, status=Status.RESOLVED
    )
    dashboard = open_page_at(browser, live_asgi_server, agent, "/o/acme/agent/")
    card = dashboard.locator("#reviews-about-me")
    expect(card.get_by_text("No reviews about you yet")).to_be_visible()
    mark_as_not_reloaded(dashboard)
    watch_realtime(dashboard)

    in_another_thread(
        ratings_services.review_post,
        customer=customer,
        organization=organization,
        stars=2,
        comment="It leaked again the next day.",
        ticket=ticket,
    )

    wait_for_realtime(dashboard, "review.posted")
    review = Review.objects.get()
    assert review.agent == agent
    row = card.locator(f'[data-review-id="{review.pk}"]')
    expect(row).to_contain_text("It leaked again the next day.")
    expect(row).to_contain_text("2★")
    assert was_not_reloaded(dashboard)
