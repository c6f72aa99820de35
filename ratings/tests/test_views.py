"""Rating pages: wiring, who may review and answer, errors on the forms, and query counts."""

from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats

from accounts.tests.factories import CustomerFactory
from ratings import selectors, services, views
from ratings.models import Review, ReviewResponse, Score
from ratings.tests.factories import posted_review
from tickets.tests.factories import TicketFactory, answered_ticket


@pytest.fixture
def ticket(organization, customer):
    return answered_ticket(organization, customer=customer)


def provider_url(slug="acme"):
    return reverse("ratings:provider", args=[slug])


def dashboard_url(slug="acme"):
    return reverse("ratings:dashboard", args=[slug])


def action_url(review, action, slug="acme"):
    return reverse("ratings:dashboard-action", args=[slug, review.pk, action])


def add_reviews(organization, agent, technician, manager, count):
    """`count` reviews by different customers, every other one answered."""
    for n in range(count):
        review = Review.objects.create(
            organization=organization,
            customer=CustomerFactory(),
            agent=agent,
            technician=technician,
            stars=n % 5 + 1,
            comment=f"Review number {n}",
        )
        if n % 2:
            ReviewResponse.objects.create(review=review, author=manager, body=f"Thanks {n}")


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_provider_list_ranks_reviewed_providers_by_points_without_a_login(
    client, organization, other_organization
):
    Score.objects.create(organization=organization, kind="organization", count=2, points=40)
    Score.objects.create(organization=other_organization, kind="organization", count=5, points=80)

    response = client.get(reverse("ratings:providers"))

    assert response.status_code == 200
    assert [score.organization.slug for score in response.context["scores"]] == ["globex", "acme"]
    assert provider_url("globex").encode() in response.content


def test_a_served_customer_posts_a_review_through_the_provider_page(
    client, organization, customer, ticket
):
    client.force_login(customer)
    assert "review_form" in client.get(provider_url()).context

    response = client.post(
        provider_url(), {"stars": "4", "comment": "Quick and tidy.", "about": f"ticket-{ticket.pk}"}
    )

    review = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{provider_url()}#review-{review.pk}"
    assert (review.customer, review.organization, review.ticket, review.stars) == (
        customer,
        organization,
        ticket,
        4,
    )
    page = client.get(provider_url())
    assert page.context["summary"]["count"] == 1
    assert b"Quick and tidy." in page.content


def test_the_review_form_offers_a_newly_answered_ticket_at_once_and_links_the_posted_review(
    client, organization, customer, ticket
):
    client.force_login(customer)
    client.get(provider_url())

    newer = answered_ticket(organization, customer=customer, subject="New boiler")
    page = client.get(provider_url()).content.decode()
    client.post(provider_url(), {"stars": "5", "about": f"ticket-{newer.pk}"})
    after = client.get(provider_url()).content.decode()

    assert f'<option value="ticket-{newer.pk}">{newer}</option>' in page
    assert f'<option value="ticket-{ticket.pk}">{ticket}</option>' in page
    assert f"#my-review-{Review.objects.get().pk}" in after


def test_a_customer_never_served_is_told_why_and_nothing_is_stored(
    client, organization, other_customer
):
    client.force_login(other_customer)
    assert "review_form" not in client.get(provider_url()).context

    response = client.post(provider_url(), {"stars": "5", "comment": "Great!"})

    assert response.status_code == 400
    assert b"You can review a provider once it has served you." in response.content
    assert not Review.objects.exists()
    assert not Score.objects.filter(count__gt=0).exists()


def test_a_reviewed_ticket_is_no_longer_offered_and_a_second_review_is_refused(
    client, customer, ticket
):
    client.force_login(customer)
    client.post(provider_url(), {"stars": "2", "about": f"ticket-{ticket.pk}"})
    offered = client.get(provider_url()).context["review_form"].fields["about"].choices

    response = client.post(provider_url(), {"stars": "5", "about": f"ticket-{ticket.pk}"})

    assert offered == [("", "The provider in general")]
    assert response.status_code == 400
    assert response.context["review_form"].errors["about"] == [
        "Choose one of the listed requests, visits or chats; those you have reviewed are not "
        "listed."
    ]
    assert list(Review.objects.values_list("stars", flat=True)) == [2]


def test_another_customers_ticket_cannot_be_chosen(client, organization, customer, ticket):
    other = TicketFactory(organization=organization, customer=CustomerFactory())
    client.force_login(customer)

    response = client.post(provider_url(), {"stars": "3", "about": f"ticket-{other.pk}"})

    assert response.status_code == 400
    assert "about" in response.context["review_form"].errors
    assert not Review.objects.exists()


def test_an_anonymous_post_is_sent_to_log_in(client, organization):
    response = client.post(provider_url(), {"stars": "5"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Review.objects.exists()


def test_a_comment_with_a_script_is_shown_escaped_on_the_public_page(
    client, organization, customer, ticket
):
    services.review_post(
        customer=customer, organization=organization, stars=1, comment="<script>alert(1)</script>"
    )

    response = client.get(provider_url())

    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
    assert b"<script>alert(1)</script>" not in response.content


def test_the_provider_page_shows_the_distribution_and_responses(
    client, organization, customer, ticket, agent
):
    review = services.review_post(customer=customer, organization=organization, stars=5)
    services.review_post(customer=customer, organization=organization, stars=3)
    services.review_respond(review=review, author=agent, body="Glad we could help.")

    response = client.get(provider_url())

    summary = response.context["summary"]
    assert summary["count"] == 2
    assert [(row["stars"], row["count"], row["percent"]) for row in summary["distribution"]] == [
        (5, 1, 50),
        (4, 0, 0),
        (3, 1, 50),
        (2, 0, 0),
        (1, 0, 0),
    ]
    assert summary["points"] is not None
    assert b'<rect class="rating-bars__bar" width="50"' in response.content
    assert b"Glad we could help." in response.content


def test_the_provider_page_query_count_does_not_grow_with_its_reviews(
    client,
    organization,
    customer,
    ticket,
    agent,
    technician,
    manager,
    django_assert_max_num_queries,
):
    client.force_login(customer)
    services.review_post(customer=customer, organization=organization, stars=4)
    add_reviews(organization, agent, technician, manager, 2)
    few = queries_for(client, provider_url())

    add_reviews(organization, agent, technician, manager, 27)

    with django_assert_max_num_queries(few):
        response = client.get(provider_url())
    assert len(response.context["reviews_page"].reviews) == selectors.PUBLIC_REVIEWS
    assert response.context["reviews_page"].has_more


def test_show_more_reads_the_older_reviews_in_stretches_down_to_the_first(
    client, organization, agent, technician, manager
):
    add_reviews(organization, agent, technician, manager, 2 * selectors.PUBLIC_REVIEWS + 3)
    everything = list(
        Review.objects.filter(organization=organization)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    page = client.get(provider_url()).context["reviews_page"]
    seen = [review.pk for review in page.reviews]

    while page.has_more:
        response = client.get(
            reverse("ratings:provider-reviews", args=["acme"]), {"before": seen[-1]}
        )
        assert response.status_code == 200
        page = response.context["reviews_page"]
        seen += [review.pk for review in page.reviews]

    assert seen == everything
    assert b"Show more reviews" not in response.content


@pytest.mark.parametrize("before", ["", "x", "999999"])
def test_show_more_without_a_review_of_the_provider_is_a_400(client, organization, before):
    response = client.get(reverse("ratings:provider-reviews", args=["acme"]), {"before": before})

    assert response.status_code == 400


def test_show_more_does_not_read_past_another_providers_review(
    client, organization, other_organization, customer
):
    theirs = posted_review(other_organization, stars=2)

    response = client.get(reverse("ratings:provider-reviews", args=["acme"]), {"before": theirs.pk})

    assert response.status_code == 400


def test_the_dashboard_lists_unanswered_reviews_first_then_newest(
    client, organization, customer, ticket, agent
):
    first = services.review_post(customer=customer, organization=organization, stars=2)
    second = services.review_post(customer=customer, organization=organization, stars=5)
    third = services.review_post(customer=customer, organization=organization, stars=4)
    services.review_respond(review=third, author=agent, body="Thank you!")
    client.force_login(agent)

    response = client.get(dashboard_url())

    assert response.status_code == 200
    assert [review.pk for review in response.context["reviews"]] == [
        second.pk,
        first.pk,
        third.pk,
    ]
    assert b'hx-trigger="realtime:review.posted from:document' in response.content


def test_the_dashboard_tags_each_review_with_its_sentiment(
    client, organization, customer, ticket, manager
):
    review = services.review_post(customer=customer, organization=organization, stars=5)
    Review.objects.filter(pk=review.pk).update(sentiment=0.6)
    client.force_login(manager)

    response = client.get(dashboard_url())

    assert b"sentiment--positive" in response.content


def test_the_dashboard_refresh_returns_the_list_only(client, organization, agent):
    client.force_login(agent)

    response = client.get(dashboard_url(), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "ratings/includes/dashboard_reviews.html"


def test_an_agent_answers_a_review_from_the_dashboard(
    client, organization, customer, ticket, agent
):
    review = services.review_post(customer=customer, organization=organization, stars=3)
    client.force_login(agent)

    response = client.post(
        action_url(review, "respond"), {f"respond-{review.pk}-body": "We're on it."}
    )

    answer = ReviewResponse.objects.get(review=review)
    assert response.status_code == 302
    assert (answer.body, answer.author) == ("We're on it.", agent)


def test_a_blank_answer_is_refused_on_the_dashboard(client, organization, customer, ticket, agent):
    review = services.review_post(customer=customer, organization=organization, stars=3)
    client.force_login(agent)

    response = client.post(action_url(review, "respond"), {f"respond-{review.pk}-body": ""})

    assert response.status_code == 400
    assert "body" in response.context["refused_form"].errors
    assert not ReviewResponse.objects.exists()


def test_a_manager_flags_a_review(client, organization, customer, ticket, manager):
    review = services.review_post(customer=customer, organization=organization, stars=1)
    client.force_login(manager)

    response = client.post(action_url(review, "flag"), {f"flag-{review.pk}-reason": "Abusive"})

    review.refresh_from_db()
    assert response.status_code == 302
    assert (review.is_flagged, review.flag_reason) == (True, "Abusive")


def test_a_customer_cannot_answer_as_the_provider(client, organization, customer, ticket):
    review = services.review_post(customer=customer, organization=organization, stars=1)
    client.force_login(customer)

    dashboard = client.get(dashboard_url())
    response = client.post(action_url(review, "respond"), {f"respond-{review.pk}-body": "Me!"})

    assert dashboard.status_code == 404
    assert response.status_code == 404
    assert not ReviewResponse.objects.exists()


def test_another_organizations_staff_get_404_on_the_dashboard_and_its_actions(
    client, organization, customer, ticket, other_manager
):
    review = services.review_post(customer=customer, organization=organization, stars=1)
    client.force_login(other_manager)

    dashboard = client.get(dashboard_url())
    respond = client.post(action_url(review, "respond"), {f"respond-{review.pk}-body": "Hi"})
    # Through their own organization's address, the review is still not theirs.
    via_own = client.post(
        action_url(review, "respond", slug="globex"), {f"respond-{review.pk}-body": "Hi"}
    )

    assert (dashboard.status_code, respond.status_code, via_own.status_code) == (404, 404, 404)
    assert not ReviewResponse.objects.exists()


def test_a_receptionist_does_not_get_the_dashboard(client, organization, receptionist):
    client.force_login(receptionist)

    assert client.get(dashboard_url()).status_code == 404


def test_the_dashboard_query_count_does_not_grow_with_its_reviews(
    client,
    organization,
    customer,
    ticket,
    agent,
    technician,
    manager,
    django_assert_max_num_queries,
):
    client.force_login(manager)
    services.review_post(customer=customer, organization=organization, stars=4)
    add_reviews(organization, agent, technician, manager, 2)
    few = queries_for(client, dashboard_url())

    add_reviews(organization, agent, technician, manager, 27)

    with django_assert_max_num_queries(few):
        response = client.get(dashboard_url())
    assert len(response.context["reviews"]) == 25


def test_the_public_page_shows_a_new_answer_and_review_at_once_though_its_list_is_cached(
    client, organization, customer, agent
):
    first = posted_review(organization, customer=customer, stars=3, comment="Took a while.")
    before = client.get(provider_url())
    assert b"Took a while." in before.content
    with CaptureQueriesContext(connection) as cached:
        client.get(provider_url())

    services.review_respond(review=first, author=agent, body="Sorry, we were short-handed.")
    after_answer = client.get(provider_url())
    posted_review(organization, stars=5, comment="Spotless work.")
    after_review = client.get(provider_url())

    assert not any("ratings_review" in query["sql"] for query in cached.captured_queries)
    assert b"Sorry, we were short-handed." in after_answer.content
    assert b"Spotless work." in after_review.content


def test_the_score_and_trend_come_from_the_cache_until_a_review_changes_them(
    client, organization, customer
):
    posted_review(organization, customer=customer, stars=3)
    client.get(provider_url())

    with mock.patch("ratings.views.render_to_string") as render:
        client.get(provider_url())
    posted_review(organization, stars=5)
    with mock.patch("ratings.views.render_to_string", wraps=views.render_to_string) as rerender:
        after_review = client.get(provider_url())

    assert render.call_count == 0
    # The chart ends at the score shown beside it: a review re-renders both.
    assert [call.args[0] for call in rerender.call_args_list] == [
        "ratings/includes/provider_summary_section.html",
        "ratings/includes/provider_trend_section.html",
    ]
    assert after_review.context["summary"]["count"] == 2
    assert [row["count"] for row in after_review.context["summary"]["distribution"]] == [
        1,
        0,
        1,
        0,
        0,
    ]


def test_the_cached_list_of_reviews_shows_each_visitor_their_own_time_zone(
    client, organization, customer
):
    review = posted_review(organization, customer=customer, stars=4, comment="Fine.")
    in_utc = client.get(provider_url())  # anonymous: UTC, and now cached
    customer.timezone = "Asia/Seoul"
    customer.save(update_fields=["timezone"])
    client.force_login(customer)

    in_seoul = client.get(provider_url())

    seoul_time = formats.date_format(
        review.created_at.astimezone(ZoneInfo("Asia/Seoul")), "DATETIME_FORMAT"
    )
    utc_time = formats.date_format(review.created_at.astimezone(ZoneInfo("UTC")), "DATETIME_FORMAT")
    assert utc_time in in_utc.content.decode()
    assert seoul_time in in_seoul.content.decode()


def test_a_provider_without_reviews_has_a_page_and_an_unknown_one_is_a_404(
    client, organization, django_assert_max_num_queries
):
    # The provider, its score, its reviews, and the visitor's socket: its cursor and the
    # events above it that the page shows already.
    with django_assert_max_num_queries(6):
        empty = client.get(provider_url())
    missing = client.get(provider_url("nobody-here"))

    assert empty.status_code == 200
    assert b"No reviews yet" in empty.content
    assert missing.status_code == 404


# Reviews about an agent on their start page -----------------------------------------------


def test_an_agents_start_page_shows_the_newest_reviews_about_them_and_not_the_others(
    client, organization, agent
):
    other = posted_review(organization, agent=None, stars=5, comment="The company is great.")
    about_them = posted_review(organization, agent=agent, stars=2, comment="Slow to answer.")
    client.force_login(agent)

    page = client.get(reverse("accounts:agent-dashboard", args=["acme"]))
    card = client.get(reverse("ratings:reviews-about-me", args=["acme"]))

    html = page.content.decode()
    assert 'id="reviews-about-me"' in html
    assert "Slow to answer." in html
    assert "The company is great." not in html
    assert 'hx-trigger="realtime:review.posted from:document' in html
    assert card.status_code == 200
    assert [review.pk for review in card.context["reviews_about_me"]] == [about_them.pk]
    assert other.agent is None


def test_a_receptionist_has_no_reviews_about_them_to_fetch(client, organization, receptionist):
    client.force_login(receptionist)

    response = client.get(reverse("ratings:reviews-about-me", args=["acme"]))

    assert response.status_code == 404
