"""Rating a visit or a chat from the pages and the API: the feedback pages, the provider
page's choice of what a review is about, and My reviews' list of what waits for a rating."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from chat.tests.factories import ConversationFactory, answered_chat
from ratings.models import Gift, Review
from ratings.tests.factories import posted_review
from technicians.models import VisitStatus
from technicians.tests.factories import VisitFactory, completed_visit
from tickets.models import Status
from tickets.tests.factories import TicketFactory, answered_ticket

MY_REVIEWS = reverse("ratings:my-reviews")
PROVIDER = reverse("ratings:provider", args=["acme"])


def visit_page(visit, action=None):
    if action is None:
        return reverse("ratings:visit-feedback", args=[visit.pk])
    return reverse("ratings:visit-feedback-action", args=[visit.pk, action])


def chat_page(chat, action=None):
    if action is None:
        return reverse("ratings:chat-feedback", args=[chat.pk])
    return reverse("ratings:chat-feedback-action", args=[chat.pk, action])


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# The feedback pages -----------------------------------------------------------------------


def test_a_completed_visit_offers_a_rating_and_a_thank_you_for_its_technician(
    client, organization, customer, technician
):
    visit = completed_visit(organization, customer=customer, technician=technician)
    client.force_login(customer)

    page = client.get(visit_page(visit))

    assert page.status_code == 200
    assert "rating_form" in page.context
    assert "gift_form" in page.context
    assert f"A small gift and a note for {technician}, who came to you." in page.content.decode()


def test_the_customer_rates_a_visit_from_its_page_and_sees_the_rating_there(
    client, organization, customer, technician
):
    visit = completed_visit(organization, customer=customer, technician=technician)
    client.force_login(customer)

    response = client.post(
        visit_page(visit, "review"), {"rate-stars": "5", "rate-comment": "On time, tidy."}
    )
    page = client.get(visit_page(visit))

    review = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == visit_page(visit)
    assert (review.visit, review.technician, review.stars) == (visit, technician, 5)
    assert page.context["review"] == review
    assert "rating_form" not in page.context


def test_a_visit_not_completed_yet_says_so_and_refuses_a_rating(
    client, organization, customer, technician
):
    visit = VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        status=VisitStatus.SCHEDULED,
    )
    client.force_login(customer)

    page = client.get(visit_page(visit))
    response = client.post(visit_page(visit, "review"), {"rate-stars": "3"})

    assert "rating_form" not in page.context
    assert (
        b"You can rate the visit and send thanks once the technician has completed it."
        in page.content
    )
    assert response.status_code == 400
    assert response.context["rating_form"].errors["__all__"] == [
        "You can rate a visit once it is completed."
    ]
    assert not Review.objects.exists()


def test_someone_elses_visit_or_chat_page_is_not_found(client, organization, other_customer):
    visit = completed_visit(organization)
    chat = answered_chat(organization)
    client.force_login(other_customer)

    assert client.get(visit_page(visit)).status_code == 404
    assert client.get(chat_page(chat)).status_code == 404
    assert client.post(visit_page(visit, "review"), {"rate-stars": "1"}).status_code == 404
    assert not Review.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, organization):
    visit = completed_visit(organization)

    response = client.get(visit_page(visit))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_customer_thanks_the_agent_of_a_chat_from_its_page(
    client, organization, customer, agent
):
    chat = answered_chat(organization, customer=customer, agent=agent)
    client.force_login(customer)

    response = client.post(chat_page(chat, "gift"), {"thank-kind": "coffee", "thank-note": "Ta!"})

    gift = Gift.objects.get()
    assert response.status_code == 302
    assert (gift.recipient, gift.conversation, gift.note) == (agent, chat, "Ta!")


def test_a_chat_nobody_answered_has_nothing_to_rate_or_thank(client, organization, customer):
    chat = ConversationFactory(organization=organization, customer=customer)
    client.force_login(customer)

    page = client.get(chat_page(chat))
    response = client.post(chat_page(chat, "gift"), {"thank-kind": "coffee"})

    assert "rating_form" not in page.context
    assert "gift_form" not in page.context
    assert b"You can rate the chat and send thanks once an agent has answered it." in page.content
    assert response.status_code == 400
    assert not Gift.objects.exists()


def test_the_feedback_actions_take_no_get(client, organization, customer):
    visit = completed_visit(organization, customer=customer)
    client.force_login(customer)

    assert client.get(visit_page(visit, "review")).status_code == 405


# The provider page ------------------------------------------------------------------------


def test_the_provider_page_offers_visits_and_chats_to_review_in_their_groups(
    client, organization, customer
):
    ticket = answered_ticket(organization, customer=customer)
    visit = completed_visit(organization, customer=customer)
    chat = answered_chat(organization, customer=customer)
    TicketFactory(organization=organization, customer=customer, subject="Not answered yet")
    VisitFactory(organization=organization, customer=customer, summary="Not done yet")
    client.force_login(customer)

    choices = client.get(PROVIDER).context["review_form"].fields["about"].choices

    assert choices[0] == ("", "The provider in general")
    groups = {str(label): [value for value, _ in options] for label, options in choices[1:]}
    assert groups == {
        "Requests": [f"ticket-{ticket.pk}"],
        "Visits": [f"visit-{visit.pk}"],
        "Chats": [f"conversation-{chat.pk}"],
    }


def test_a_review_posted_on_the_provider_page_about_a_chat_rates_its_agent(
    client, organization, customer, agent
):
    chat = answered_chat(organization, customer=customer, agent=agent)
    client.force_login(customer)

    response = client.post(PROVIDER, {"stars": "4", "about": f"conversation-{chat.pk}"})

    review = Review.objects.get()
    assert response.status_code == 302
    assert (review.conversation, review.agent) == (chat, agent)


def test_a_visit_that_is_not_offered_cannot_be_posted(client, organization, customer):
    answered_ticket(organization, customer=customer)
    pending = VisitFactory(organization=organization, customer=customer)
    client.force_login(customer)

    response = client.post(PROVIDER, {"stars": "4", "about": f"visit-{pending.pk}"})

    assert response.status_code == 400
    assert "about" in response.context["review_form"].errors
    assert not Review.objects.exists()


# My reviews -------------------------------------------------------------------------------


def test_my_reviews_lists_what_waits_for_a_rating_latest_first_and_drops_what_is_rated(
    client, organization, customer
):
    now = timezone.now()
    rated = answered_ticket(
        organization, customer=customer, status=Status.RESOLVED, resolved_at=now
    )
    long_open_just_resolved = answered_ticket(
        organization,
        customer=customer,
        status=Status.RESOLVED,
        created_at=now - timedelta(days=90),
        resolved_at=now - timedelta(days=2),
    )
    answered_ticket(
        organization,
        customer=customer,
        status=Status.CLOSED,
        closed_at=now - timedelta(days=31),
    )
    answered_ticket(organization, customer=customer, status=Status.OPEN)
    # Closed yesterday without a word from the provider: nothing to rate.
    TicketFactory(
        organization=organization,
        customer=customer,
        status=Status.CLOSED,
        closed_at=now - timedelta(days=1),
    )
    visit = completed_visit(organization, customer=customer)  # an hour ago
    chat = answered_chat(organization, customer=customer)  # half an hour ago
    ConversationFactory(organization=organization, customer=customer)  # never answered
    posted_review(organization, customer=customer, ticket=rated)
    client.force_login(customer)

    awaiting = client.get(MY_REVIEWS).context["awaiting"]

    assert [(subject.field, subject.pk) for subject in awaiting] == [
        ("conversation", chat.pk),
        ("visit", visit.pk),
        ("ticket", long_open_just_resolved.pk),
    ]
    assert [subject.feedback_url for subject in awaiting[:2]] == [
        chat_page(chat),
        visit_page(visit),
    ]


def test_my_reviews_links_a_review_to_the_visit_it_is_about(client, organization, customer):
    visit = completed_visit(organization, customer=customer)
    posted_review(organization, customer=customer, visit=visit)
    client.force_login(customer)

    page = client.get(MY_REVIEWS).content.decode()

    assert f'href="{visit_page(visit)}"' in page
    assert "Waiting for your rating" not in page


# The API ----------------------------------------------------------------------------------


def test_the_api_posts_a_review_about_a_visit(organization, customer, technician):
    visit = completed_visit(organization, customer=customer, technician=technician)

    response = api_client(customer).post(
        "/api/v1/reviews/",
        {"organization": "acme", "stars": 5, "visit": visit.pk},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["visit"], body["conversation"], body["technician"]["id"]) == (
        visit.pk,
        None,
        technician.pk,
    )


def test_the_api_names_the_field_when_a_review_is_about_two_things(organization, customer):
    visit = completed_visit(organization, customer=customer)
    chat = answered_chat(organization, customer=customer)

    response = api_client(customer).post(
        "/api/v1/reviews/",
        {"organization": "acme", "stars": 5, "visit": visit.pk, "conversation": chat.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "conversation" in response.json()["fields"]
    assert not Review.objects.exists()


def test_the_api_treats_someone_elses_chat_as_missing(organization, customer):
    chat = answered_chat(organization)

    response = api_client(customer).post(
        "/api/v1/reviews/",
        {"organization": "acme", "stars": 5, "conversation": chat.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "conversation" in response.json()["fields"]


def test_the_api_sends_a_thank_you_for_a_chat(organization, customer, agent):
    chat = answered_chat(organization, customer=customer, agent=agent)

    response = api_client(customer).post(
        "/api/v1/gifts/",
        {"organization": "acme", "recipient": agent.pk, "kind": "star", "conversation": chat.pk},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["conversation"] == chat.pk


def test_the_api_names_the_technician_who_served_the_customer(
    organization, customer, technician, agent
):
    completed_visit(organization, customer=customer, technician=technician)

    refused = api_client(customer).post(
        "/api/v1/reviews/",
        {"organization": "acme", "stars": 5, "agent": agent.pk},
        format="json",
    )
    posted = api_client(customer).post(
        "/api/v1/reviews/",
        {"organization": "acme", "stars": 5, "technician": technician.pk},
        format="json",
    )

    assert refused.status_code == 400
    assert refused.json()["fields"] == {"agent": ["Choose someone who served you."]}
    assert posted.status_code == 201
    assert posted.json()["technician"]["id"] == technician.pk
    assert Review.objects.count() == 1


def test_a_thank_you_for_a_visit_waits_until_it_is_completed(
    client, organization, customer, technician
):
    visit = VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        status=VisitStatus.SCHEDULED,
    )
    client.force_login(customer)

    response = client.post(visit_page(visit, "gift"), {"thank-kind": "cake"})

    assert response.status_code == 400
    assert response.context["gift_form"].errors["__all__"] == [
        "You can rate the visit and send thanks once the technician has completed it."
    ]
    assert not Gift.objects.exists()


def test_every_signed_in_page_links_to_my_reviews_where_ratings_wait(client, customer):
    client.force_login(customer)

    page = client.get(reverse("tickets:list")).content.decode()

    assert f'<a href="{MY_REVIEWS}">My reviews</a>' in page


def test_the_waiting_list_alone_is_the_customers_own_and_needs_a_login(
    client, organization, customer, other_customer
):
    completed_visit(organization, customer=customer, summary="Fix the tap")
    url = reverse("ratings:awaiting-rating")

    anonymous = client.get(url)
    client.force_login(other_customer)
    someone_else = client.get(url)
    client.force_login(customer)
    mine = client.get(url)

    assert anonymous.status_code == 302
    assert b"Fix the tap" not in someone_else.content
    assert mine.status_code == 200
    assert b"Visit: Fix the tap" in mine.content
