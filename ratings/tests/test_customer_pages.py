"""The customer's side of ratings (My reviews, rating a ticket) and a staff member's ratings
profile: wiring, who may see and change what, errors on the forms, and query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import staff
from ratings import services
from ratings.models import Review, Score
from ratings.tests.factories import WINDOW_PASSED, posted_review
from tickets.models import Status
from tickets.tests.factories import answered_ticket

MY_REVIEWS = reverse("ratings:my-reviews")


pytestmark = pytest.mark.usefixtures("edit_window_72h")


def action_url(review, action):
    return reverse("ratings:my-review-action", args=[review.pk, action])


def feedback_url(ticket, action=None):
    if action is None:
        return reverse("ratings:ticket-feedback", args=[ticket.pk])
    return reverse("ratings:ticket-feedback-action", args=[ticket.pk, action])


def profile_url(person, slug="acme"):
    return reverse("ratings:agent-profile", args=[slug, person.pk])


def age(review, hours):
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    review.refresh_from_db()


def org_score(organization):
    return Score.objects.get(organization=organization, kind="organization")


# My reviews ------------------------------------------------------------------------------


def test_my_reviews_lists_only_my_own_with_their_answers(
    client, organization, customer, other_customer, agent
):
    mine = posted_review(organization, customer=customer, stars=4, comment="Quick and tidy.")
    services.review_respond(review=mine, author=agent, body="Thanks, Chris!")
    posted_review(organization, customer=other_customer, stars=1, comment="Not mine")
    client.force_login(customer)

    response = client.get(MY_REVIEWS)

    assert response.status_code == 200
    assert [row["review"].pk for row in response.context["rows"]] == [mine.pk]
    assert b"Quick and tidy." in response.content
    assert b"Thanks, Chris!" in response.content
    assert b"Not mine" not in response.content
    assert b"ratings/my_reviews.js" in response.content


def test_a_review_in_its_window_offers_change_and_delete_and_an_old_one_does_not(
    client, organization, customer
):
    fresh = posted_review(organization, customer=customer, stars=4)
    old = posted_review(organization, customer=customer, stars=2)
    age(old, 73)
    client.force_login(customer)

    response = client.get(MY_REVIEWS)

    editable = {row["review"].pk: row["editable"] for row in response.context["rows"]}
    assert editable == {fresh.pk: True, old.pk: False}
    assert action_url(fresh, "edit").encode() in response.content
    assert action_url(fresh, "delete").encode() in response.content
    assert action_url(old, "edit").encode() not in response.content
    assert action_url(old, "delete").encode() not in response.content


def test_a_customer_changes_their_review_and_the_score_follows(client, organization, customer):
    review = posted_review(organization, customer=customer, stars=2, comment="Slow")
    client.force_login(customer)

    response = client.post(
        action_url(review, "edit"),
        {f"edit-{review.pk}-stars": "5", f"edit-{review.pk}-comment": "Fixed the next day."},
    )

    review.refresh_from_db()
    score = org_score(organization)
    assert response.status_code == 302
    assert response["Location"] == f"{MY_REVIEWS}#my-review-{review.pk}"
    assert (review.stars, review.comment, review.edited_at is not None) == (
        5,
        "Fixed the next day.",
        True,
    )
    assert (score.count, score.stars_2, score.stars_5) == (1, 0, 1)


def test_changing_a_review_after_its_window_is_a_form_error_and_nothing_changes(
    client, organization, customer
):
    review = posted_review(organization, customer=customer, stars=2, comment="Slow")
    age(review, 73)
    client.force_login(customer)

    response = client.post(
        action_url(review, "edit"),
        {f"edit-{review.pk}-stars": "5", f"edit-{review.pk}-comment": "Changed my mind"},
    )

    review.refresh_from_db()
    assert response.status_code == 400
    assert response.context["refused_form"].non_field_errors() == [WINDOW_PASSED]
    assert WINDOW_PASSED.encode() in response.content
    assert (review.stars, review.comment, review.edited_at) == (2, "Slow", None)
    assert org_score(organization).stars_2 == 1


def test_a_bad_star_count_is_refused_on_its_field(client, organization, customer):
    review = posted_review(organization, customer=customer, stars=3)
    client.force_login(customer)

    response = client.post(action_url(review, "edit"), {f"edit-{review.pk}-stars": "9"})

    review.refresh_from_db()
    assert response.status_code == 400
    assert list(response.context["refused_form"].errors) == ["stars"]
    assert review.stars == 3


def test_a_customer_deletes_their_review_and_the_score_gives_it_back(
    client, organization, customer
):
    review = posted_review(organization, customer=customer, stars=1)
    client.force_login(customer)

    response = client.post(action_url(review, "delete"))

    assert response.status_code == 302
    assert response["Location"] == MY_REVIEWS
    assert not Review.objects.exists()
    assert (org_score(organization).count, org_score(organization).stars_1) == (0, 0)


def test_deleting_a_review_after_its_window_is_a_form_error(client, organization, customer):
    review = posted_review(organization, customer=customer, stars=1)
    age(review, 73)
    client.force_login(customer)

    response = client.post(action_url(review, "delete"))

    assert response.status_code == 400
    assert response.context["refused_form"].non_field_errors() == [WINDOW_PASSED]
    assert Review.objects.filter(pk=review.pk).exists()
    assert org_score(organization).count == 1


def test_someone_elses_review_cannot_be_changed_or_deleted(
    client, organization, customer, other_customer
):
    review = posted_review(organization, customer=customer, stars=4, comment="Mine")
    client.force_login(other_customer)

    edit = client.post(action_url(review, "edit"), {f"edit-{review.pk}-stars": "1"})
    delete = client.post(action_url(review, "delete"))

    review.refresh_from_db()
    assert (edit.status_code, delete.status_code) == (404, 404)
    assert (review.stars, review.comment) == (4, "Mine")


def test_an_unknown_action_is_404(client, organization, customer):
    review = posted_review(organization, customer=customer)
    client.force_login(customer)

    assert client.post(action_url(review, "publish")).status_code == 404


def test_my_reviews_asks_for_a_login(client):
    response = client.get(MY_REVIEWS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_my_reviews_query_count_does_not_grow_with_the_reviews(
    client, organization, customer, agent, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            review = posted_review(organization, customer=customer, agent=agent)
            services.review_respond(review=review, author=agent, body="Thanks")

    client.force_login(customer)
    add(2)
    with django_assert_max_num_queries(30) as captured:
        client.get(MY_REVIEWS)
    few = len(captured)
    add(8)

    with django_assert_max_num_queries(few):
        response = client.get(MY_REVIEWS)
    assert len(response.context["rows"]) == 10


def test_the_provider_page_points_the_author_to_my_reviews(client, organization, customer):
    review = posted_review(organization, customer=customer)
    link = f"{MY_REVIEWS}#my-review-{review.pk}".encode()
    url = reverse("ratings:provider", args=["acme"])

    client.force_login(customer)
    as_author = client.get(url)
    client.logout()
    as_visitor = client.get(url)

    assert link in as_author.content
    assert link not in as_visitor.content


# Rating a ticket -------------------------------------------------------------------------


def test_the_ticket_page_loads_the_feedback_part_and_reloads_it_when_the_ticket_changes(
    client, customer, resolved_ticket
):
    client.force_login(customer)

    response = client.get(reverse("tickets:detail", args=[resolved_ticket.pk]))

    assert f'hx-get="{feedback_url(resolved_ticket)}"'.encode() in response.content
    assert b'hx-trigger="load, realtime:ticket.updated from:document' in response.content


def test_a_resolved_ticket_offers_a_rating_and_a_thank_you(client, customer, resolved_ticket):
    client.force_login(customer)

    response = client.get(feedback_url(resolved_ticket), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.templates[0].name == "ratings/includes/feedback.html"
    assert b"Rate this service" in response.content
    assert b"Send a thank-you" in response.content
    assert b"Alex Agent" in response.content


def test_an_open_ticket_offers_nothing_yet(client, organization, customer, agent):
    ticket = answered_ticket(organization, customer=customer, assignee=agent, status=Status.OPEN)
    client.force_login(customer)

    response = client.get(feedback_url(ticket), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "rating_form" not in response.context
    assert "gift_form" not in response.context
    assert b"<form" not in response.content


def test_rating_a_ticket_reviews_the_provider_and_its_agent(
    client, organization, customer, agent, resolved_ticket
):
    client.force_login(customer)

    response = client.post(
        feedback_url(resolved_ticket, "review"), {"rate-stars": "5", "rate-comment": "Spotless."}
    )

    review = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("tickets:detail", args=[resolved_ticket.pk]) + "#ticket-feedback"
    )
    assert (review.organization, review.customer, review.ticket, review.agent) == (
        organization,
        customer,
        resolved_ticket,
        agent,
    )
    assert (review.stars, review.comment) == (5, "Spotless.")
    assert Score.objects.get(kind="agent", person=agent).count == 1
    again = client.get(feedback_url(resolved_ticket), headers={"HX-Request": "true"})
    assert "rating_form" not in again.context
    assert b"You gave it 5 stars." in again.content


def test_rating_a_ticket_twice_is_refused_on_a_page_of_its_own(
    client, organization, customer, resolved_ticket
):
    posted_review(organization, customer=customer, stars=2, ticket=resolved_ticket)
    client.force_login(customer)

    response = client.post(
        feedback_url(resolved_ticket, "review"),
        {"rate-stars": "5"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    assert response.templates[0].name == "ratings/feedback.html"
    assert response.context["rating_form"].non_field_errors() == [
        "You have already reviewed this ticket."
    ]
    assert b"You have already reviewed this ticket." in response.content
    assert list(Review.objects.values_list("stars", flat=True)) == [2]


def test_a_rating_without_stars_is_refused_on_its_field(client, customer, resolved_ticket):
    client.force_login(customer)

    response = client.post(feedback_url(resolved_ticket, "review"), {"rate-comment": "Hmm"})

    assert response.status_code == 400
    assert list(response.context["rating_form"].errors) == ["stars"]
    assert not Review.objects.exists()


def test_someone_elses_ticket_has_no_feedback_part(client, other_customer, resolved_ticket):
    client.force_login(other_customer)

    page = client.get(feedback_url(resolved_ticket))
    post = client.post(feedback_url(resolved_ticket, "review"), {"rate-stars": "1"})

    assert (page.status_code, post.status_code) == (404, 404)
    assert not Review.objects.exists()


# A staff member's profile ----------------------------------------------------------------


@pytest.fixture
def rated_agent(organization, customer, agent):
    """Alex has two reviews (one answered) and a coffee; someone else has a review too."""
    first = posted_review(organization, customer=customer, stars=5, agent=agent, comment="Great")
    services.review_respond(review=first, author=agent, body="Glad to help!")
    posted_review(organization, stars=3, agent=agent, comment="Okay")
    posted_review(
        organization,
        stars=1,
        agent=staff(organization, Role.AGENT, full_name="Other Agent"),
        comment="About someone else",
    )
    services.gift_send(
        sender=customer, organization=organization, recipient=agent, kind="coffee", note="Cheers!"
    )
    return agent


def test_an_agent_sees_their_score_reviews_and_thank_yous(client, rated_agent):
    client.force_login(rated_agent)

    response = client.get(profile_url(rated_agent))

    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["count"] == 2
    assert summary["points"] is not None
    assert [(row["stars"], row["count"]) for row in summary["distribution"]] == [
        (5, 1),
        (4, 0),
        (3, 1),
        (2, 0),
        (1, 0),
    ]
    assert [review.comment for review in response.context["reviews"]] == ["Okay", "Great"]
    assert b"Glad to help!" in response.content
    assert b"About someone else" not in response.content
    assert [(gift.kind, gift.note) for gift in response.context["gifts"]] == [("coffee", "Cheers!")]
    assert [(row["kind"], row["count"]) for row in response.context["gift_counts"]] == [
        ("coffee", 1)
    ]
    assert b"My ratings and thanks" in response.content


def test_a_manager_sees_an_agents_profile(client, manager, rated_agent):
    client.force_login(manager)

    response = client.get(profile_url(rated_agent))

    assert response.status_code == 200
    assert response.context["person"].user == rated_agent
    assert b"Ratings and thanks of Alex Agent" in response.content


def test_the_profile_refresh_returns_the_body_only(client, rated_agent):
    client.force_login(rated_agent)

    response = client.get(profile_url(rated_agent), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.templates[0].name == "ratings/includes/agent_profile_body.html"


@pytest.mark.parametrize(
    "viewer", ["other_agent_same_org", "receptionist", "customer", "other_manager"]
)
def test_nobody_else_sees_an_agents_profile(client, request, organization, rated_agent, viewer):
    if viewer == "other_agent_same_org":
        user = staff(organization, Role.AGENT, full_name="Nosy Colleague")
    else:
        user = request.getfixturevalue(viewer)
    client.force_login(user)

    assert client.get(profile_url(rated_agent)).status_code == 404
    # Not through the viewer's own organization's address either.
    assert client.get(profile_url(rated_agent, slug="globex")).status_code == 404


def test_a_receptionist_has_no_ratings_profile(client, manager, receptionist):
    client.force_login(manager)

    assert client.get(profile_url(receptionist)).status_code == 404


def test_the_agents_start_page_links_to_their_profile(client, agent):
    client.force_login(agent)

    response = client.get(reverse("accounts:agent-dashboard", args=["acme"]))

    assert profile_url(agent).encode() in response.content


def test_a_profile_with_nothing_yet_says_so(client, agent):
    client.force_login(agent)

    response = client.get(profile_url(agent))

    assert response.status_code == 200
    assert response.context["summary"]["count"] == 0
    assert b"No reviews yet" in response.content
    assert b"No thank-yous yet" in response.content
