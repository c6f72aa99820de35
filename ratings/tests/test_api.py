"""The ratings API: who reviews and answers, what a bad request is told, and query counts."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import CustomerFactory
from ratings import services
from ratings.models import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH, Review, ReviewResponse
from tickets.tests.factories import TicketFactory, answered_ticket

REVIEWS = "/api/v1/reviews/"


@pytest.fixture
def ticket(organization, customer):
    return answered_ticket(organization, customer=customer)


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def response_url(review) -> str:
    return f"/api/v1/reviews/{review.pk}/response/"


def org_reviews(slug="acme") -> str:
    return f"/api/v1/organizations/{slug}/reviews/"


def test_a_served_customer_posts_a_review_about_their_ticket(organization, customer, ticket):
    response = client_for(customer).post(
        REVIEWS,
        {"organization": "acme", "stars": 5, "comment": "Fixed in a day.", "ticket": ticket.pk},
        format="json",
    )

    review = Review.objects.get()
    assert response.status_code == 201
    assert response.json()["id"] == review.pk
    assert (review.customer, review.organization, review.ticket, review.stars) == (
        customer,
        organization,
        ticket,
        5,
    )


def test_a_customer_lists_only_their_own_reviews(organization, customer, other_customer, ticket):
    mine = services.review_post(customer=customer, organization=organization, stars=4)
    answered_ticket(organization, customer=other_customer)
    services.review_post(customer=other_customer, organization=organization, stars=1)

    response = client_for(customer).get(REVIEWS)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_a_customer_never_served_gets_a_400_and_nothing_is_stored(organization, other_customer):
    response = client_for(other_customer).post(
        REVIEWS, {"organization": "acme", "stars": 5}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "non_field_errors: You can review a provider once it has served you."
    )
    assert not Review.objects.exists()


def test_a_bad_review_names_the_field(organization, customer, ticket):
    client = client_for(customer)

    stars = client.post(REVIEWS, {"organization": "acme", "stars": 6}, format="json")
    unknown = client.post(
        REVIEWS, {"organization": "acme", "stars": 3, "mood": "meh"}, format="json"
    )
    provider = client.post(REVIEWS, {"organization": "nope", "stars": 3}, format="json")

    assert (stars.status_code, unknown.status_code, provider.status_code) == (400, 400, 400)
    assert list(stars.json()["fields"]) == ["stars"]
    assert list(unknown.json()["fields"]) == ["mood"]
    assert list(provider.json()["fields"]) == ["organization"]
    assert not Review.objects.exists()


def test_a_comment_over_the_limit_is_a_400_naming_it(organization, customer, ticket):
    response = client_for(customer).post(
        REVIEWS,
        {"organization": "acme", "stars": 2, "comment": "x" * (COMMENT_MAX_LENGTH + 1)},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "comment": [f"Ensure this field has no more than {COMMENT_MAX_LENGTH} characters."]
    }
    assert not Review.objects.exists()


def test_the_api_schema_gives_every_text_a_customer_or_agent_writes_its_limit(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    inputs = schema["components"]["schemas"]

    assert {
        (name, field): inputs[name]["properties"][field].get("maxLength")
        for name, field in [
            ("ReviewPostRequest", "comment"),
            ("PatchedReviewEditRequest", "comment"),
            ("ResponseCreateRequest", "body"),
            ("GiftSendRequest", "note"),
        ]
    } == {
        ("ReviewPostRequest", "comment"): COMMENT_MAX_LENGTH,
        ("PatchedReviewEditRequest", "comment"): COMMENT_MAX_LENGTH,
        ("ResponseCreateRequest", "body"): COMMENT_MAX_LENGTH,
        ("GiftSendRequest", "note"): NOTE_MAX_LENGTH,
    }


def test_reviewing_the_same_ticket_twice_is_refused(organization, customer, ticket):
    client = client_for(customer)
    body = {"organization": "acme", "stars": 4, "ticket": ticket.pk}
    client.post(REVIEWS, body, format="json")

    response = client.post(REVIEWS, {**body, "stars": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"ticket": ["You have already reviewed this ticket."]}
    assert list(Review.objects.values_list("stars", flat=True)) == [4]


def test_someone_elses_ticket_reads_as_missing(organization, customer, other_customer, ticket):
    TicketFactory(organization=organization, customer=other_customer)

    response = client_for(other_customer).post(
        REVIEWS, {"organization": "acme", "stars": 4, "ticket": ticket.pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["ticket"]
    assert not Review.objects.exists()


def test_staff_list_their_organizations_reviews_unanswered_first(
    organization, customer, ticket, agent
):
    answered = services.review_post(customer=customer, organization=organization, stars=5)
    services.review_respond(review=answered, author=agent, body="Thanks!")
    waiting = services.review_post(customer=customer, organization=organization, stars=2)

    response = client_for(agent).get(org_reviews())

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [waiting.pk, answered.pk]
    assert rows[1]["response"]["body"] == "Thanks!"
    assert "sentiment" in rows[0]


def test_an_agent_answers_a_review(organization, customer, ticket, agent):
    review = services.review_post(customer=customer, organization=organization, stars=3)

    response = client_for(agent).post(response_url(review), {"body": "Sorry!"}, format="json")

    assert response.status_code == 201
    assert response.json()["response"]["body"] == "Sorry!"
    assert ReviewResponse.objects.get(review=review).author == agent


def test_a_second_answer_is_refused(organization, customer, ticket, agent, manager):
    review = services.review_post(customer=customer, organization=organization, stars=3)
    services.review_respond(review=review, author=agent, body="First")

    response = client_for(manager).post(response_url(review), {"body": "Second"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["body"]
    assert ReviewResponse.objects.get().body == "First"


def test_a_customer_cannot_answer_as_the_provider(organization, customer, ticket):
    review = services.review_post(customer=customer, organization=organization, stars=1)

    response = client_for(customer).post(response_url(review), {"body": "Me!"}, format="json")
    listing = client_for(customer).get(org_reviews())

    assert response.status_code == 404
    assert listing.status_code == 404
    assert not ReviewResponse.objects.exists()


def test_another_organizations_staff_get_404(organization, customer, ticket, other_manager):
    review = services.review_post(customer=customer, organization=organization, stars=1)
    client = client_for(other_manager)

    respond = client.post(response_url(review), {"body": "Hi"}, format="json")
    listing = client.get(org_reviews())

    assert (respond.status_code, listing.status_code) == (404, 404)
    assert not ReviewResponse.objects.exists()


def test_the_score_is_public(client, organization, customer, ticket):
    services.review_post(customer=customer, organization=organization, stars=5)
    services.review_post(customer=customer, organization=organization, stars=1)

    response = client.get("/api/v1/organizations/acme/score")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert body["points"] is not None
    assert [(row["stars"], row["count"]) for row in body["distribution"]] == [
        (5, 1),
        (4, 0),
        (3, 0),
        (2, 0),
        (1, 1),
    ]


def test_an_unreviewed_provider_has_no_points_and_a_missing_one_is_404(client, organization):
    unrated = client.get("/api/v1/organizations/acme/score")
    missing = client.get("/api/v1/organizations/nope/score")

    assert unrated.status_code == 200
    assert (unrated.json()["points"], unrated.json()["count"]) == (None, 0)
    assert missing.status_code == 404


def test_the_staff_list_query_count_does_not_grow_with_its_reviews(
    organization, agent, technician, manager, django_assert_max_num_queries
):
    def add(count):
        for n in range(count):
            review = Review.objects.create(
                organization=organization,
                customer=CustomerFactory(),
                agent=agent,
                technician=technician,
                stars=n % 5 + 1,
            )
            if n % 2:
                ReviewResponse.objects.create(review=review, author=manager, body="Thanks")

    client = client_for(manager)
    add(3)
    with django_assert_max_num_queries(10) as captured:
        client.get(org_reviews())
    few = len(captured)
    add(27)

    with django_assert_max_num_queries(few):
        response = client.get(org_reviews())
    assert response.json()["count"] == 30
