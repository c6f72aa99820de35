"""The public provider page follows its provider live, for visitors signed in or not: what
goes to the provider's public group, and what the page gives the tab to follow it."""

import json
import re

from django.urls import reverse

from csportal.models import Event
from ratings import live, services
from ratings.tests.factories import posted_review


def provider_url(slug="acme"):
    return reverse("ratings:provider", args=[slug])


def public_events():
    return Event.objects.filter(group__startswith="public.").order_by("pk")


def test_every_change_a_visitor_sees_tells_the_providers_public_group_its_id_and_nothing_more(
    organization, agent, manager, edit_window_72h
):
    review = posted_review(organization, stars=4, comment="Sorted in a day.", agent=agent)
    services.review_respond(review=review, author=manager, body="Thank you!")
    services.review_edit(review=review, customer=review.customer, stars=5, comment="Great.")
    services.review_delete(review=review, customer=review.customer)

    events = list(public_events().values_list("group", "type", "data"))

    change = (
        live.provider_group(organization.pk),
        "provider.changed",
        {"organization": organization.pk},
    )
    assert events == [change] * 4


def test_nothing_of_a_reviewer_or_the_staff_reaches_a_public_group(organization, agent, manager):
    review = posted_review(organization, stars=2, comment="Nobody called back.", agent=agent)
    services.review_respond(review=review, author=manager, body="Maria will call you today.")

    sent = json.dumps(list(public_events().values_list("data", flat=True)))

    for private in (
        review.customer.email,
        str(review.customer),
        "Nobody called back.",
        "Maria will call you today.",
        str(agent),
        str(manager),
    ):
        assert private not in sent


def test_an_anonymous_visitor_gets_a_socket_that_follows_only_the_providers_public_group(
    client, organization
):
    response = client.get(provider_url())

    html = response.content.decode()
    config = response.context["realtime_config"]
    assert (config["user"], config["staff"]) == (None, False)
    assert config["follow"] == [f"public.provider.{organization.pk}"]
    assert config["socket"] == "/ws/events/?visitor=1"
    assert response.context["provider_page"] == {"organization": organization.pk, "pageSize": 10}
    assert 'id="realtime-config"' in html
    assert "ratings/provider.js" in html


def test_a_signed_in_visitor_follows_the_public_group_from_their_own_frame(
    client, organization, customer
):
    client.force_login(customer)

    response = client.get(provider_url())

    config = response.context["realtime_config"]
    assert (config["user"], config["socket"]) == (customer.pk, "/ws/events/")
    assert config["follow"] == [live.provider_group(organization.pk)]


def test_what_the_page_shows_already_is_not_announced_to_it_again(client, organization):
    posted_review(organization, stars=4)  # within the settle time: above the cursor
    change = Event.objects.get(group=live.provider_group(organization.pk))

    config = client.get(provider_url()).context["realtime_config"]

    assert config["cursor"] < change.pk
    assert config["shown"] == [change.pk]


def test_other_pages_give_a_visitor_no_socket(client, organization):
    response = client.get(reverse("ratings:providers"))

    assert "realtime_config" not in response.context
    assert 'id="realtime-config"' not in response.content.decode()


def test_the_page_fetches_its_score_and_its_reviews_again_on_their_own(client, organization):
    posted_review(organization, stars=5, comment="Spotless work.")

    score = client.get(provider_url(), {"part": "score"})
    reviews = client.get(provider_url(), {"part": "reviews"})

    score_html, reviews_html = score.content.decode(), reviews.content.decode()
    assert score.status_code == reviews.status_code == 200
    assert "How customers rate us" in score_html
    assert 'id="score-trend"' in score_html
    assert "<html" not in score_html
    assert re.search(r'<section class="card" id="provider-reviews"[^>]*hx-get=', reviews_html)
    assert "Spotless work." in reviews_html
    assert "<html" not in reviews_html


def test_an_unknown_part_is_the_whole_page(client, organization):
    response = client.get(provider_url(), {"part": "everything"})

    assert response.status_code == 200
    assert "<html" in response.content.decode()
