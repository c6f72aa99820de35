"""Who may rate a provider and thank its people: customers it served, never its own staff.

Served means served: a ticket its staff replied to where the customer sees it, a completed
visit, an answered chat. Opening a ticket and writing on it oneself is not being served.
Through the service, the API and the pages alike."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from accounts.tests.factories import staff
from ratings import services
from ratings.models import Gift, Review, Score, TargetKind
from ratings.tests.factories import posted_review
from technicians.models import VisitStatus
from technicians.tests.factories import VisitFactory
from tickets import services as ticket_services
from tickets.models import Status
from tickets.tests.factories import answered_ticket

STAFF_REFUSAL = "You are on this provider's staff, so you can't rate it or thank its people."
NOT_SERVED = "You can review a provider once it has served you."
NOT_ANSWERED = "You can rate a request once the provider has answered it."


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def scores(organization) -> dict:
    """Every score of the organization, as the pages show them."""
    return {
        (score.kind, score.person_id): (score.count, score.stars_total, score.points)
        for score in Score.objects.filter(organization=organization)
    }


def provider_url(slug="acme") -> str:
    return reverse("ratings:provider", args=[slug])


def feedback_url(ticket, action=None) -> str:
    if action is None:
        return reverse("ratings:ticket-feedback", args=[ticket.pk])
    return reverse("ratings:ticket-feedback-action", args=[ticket.pk, action])


@pytest.fixture
def rated(organization, agent):
    """The provider's score before anyone tries anything: one real customer's review."""
    posted_review(organization, stars=3, agent=agent)
    return scores(organization)


@pytest.fixture
def own_ticket(organization, agent):
    """A ticket the agent opened at their own organization as a customer, answered and
    resolved by themselves: served, on the face of it, in every way."""
    ticket = ticket_services.ticket_open(
        organization=organization, customer=agent, subject="Test", body="Testing the portal."
    )
    ticket_services.ticket_assign(ticket=ticket, assignee=agent, by=agent)
    ticket_services.ticket_add_progress(ticket=ticket, author=agent, body="On it.")
    return ticket_services.ticket_resolve(ticket=ticket, result="Done.", by=agent)


# Staff of the provider --------------------------------------------------------------------


def test_an_agents_review_of_their_own_organization_naming_themselves_is_a_400_on_the_api(
    organization, agent, rated, own_ticket
):
    response = client_for(agent).post(
        "/api/v1/reviews/",
        {"organization": "acme", "stars": 5, "ticket": own_ticket.pk, "agent": agent.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"organization": [STAFF_REFUSAL]}
    assert not Review.objects.filter(customer=agent).exists()
    assert scores(organization) == rated


def test_an_agents_gift_to_themselves_is_a_400_on_the_api(organization, agent, own_ticket):
    response = client_for(agent).post(
        "/api/v1/gifts/",
        {"organization": "acme", "recipient": agent.pk, "kind": "cake", "ticket": own_ticket.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"organization": [STAFF_REFUSAL]}
    assert not Gift.objects.exists()


def test_the_provider_page_offers_its_own_agent_no_review_form_and_refuses_their_post(
    client, organization, agent, rated, own_ticket
):
    client.force_login(agent)

    page = client.get(provider_url())
    in_general = client.post(provider_url(), {"stars": "5"})
    about_the_ticket = client.post(
        provider_url(), {"stars": "5", "about": f"ticket-{own_ticket.pk}"}
    )

    assert "review_form" not in page.context
    assert in_general.status_code == 400
    assert in_general.context["review_form"].non_field_errors() == [STAFF_REFUSAL]
    assert STAFF_REFUSAL.replace("'", "&#x27;").encode() in in_general.content
    assert about_the_ticket.status_code == 400
    assert "about" in about_the_ticket.context["review_form"].errors
    assert not Review.objects.filter(customer=agent).exists()
    assert scores(organization) == rated


def test_the_feedback_page_offers_its_own_agent_nothing_and_refuses_a_rating_and_a_gift(
    client, organization, agent, rated, own_ticket
):
    client.force_login(agent)

    page = client.get(feedback_url(own_ticket))
    rating = client.post(feedback_url(own_ticket, "review"), {"rate-stars": "5"})
    gift = client.post(feedback_url(own_ticket, "gift"), {"thank-kind": "flowers"})

    assert "rating_form" not in page.context
    assert "gift_form" not in page.context
    assert STAFF_REFUSAL.replace("'", "&#x27;").encode() in page.content
    assert rating.status_code == 400
    assert rating.context["rating_form"].non_field_errors() == [STAFF_REFUSAL]
    assert gift.status_code == 400
    assert gift.context["gift_form"].non_field_errors() == [STAFF_REFUSAL]
    assert not Review.objects.filter(customer=agent).exists()
    assert not Gift.objects.exists()
    assert scores(organization) == rated


def test_what_an_agent_opened_at_their_own_organization_never_waits_for_their_rating(
    client, agent, own_ticket
):
    client.force_login(agent)

    response = client.get(reverse("ratings:my-reviews"))

    assert response.context["awaiting"] == []


@pytest.mark.parametrize("role", [Role.MANAGER, Role.RECEPTIONIST, Role.TECHNICIAN])
def test_staff_in_any_role_neither_review_nor_thank_their_organization(organization, agent, role):
    colleague = staff(organization, role)
    ticket = answered_ticket(organization, customer=colleague, assignee=agent, status=Status.CLOSED)

    with pytest.raises(ValidationError) as review:
        services.review_post(customer=colleague, organization=organization, stars=5, ticket=ticket)
    with pytest.raises(ValidationError) as gift:
        services.gift_send(
            sender=colleague, organization=organization, recipient=agent, kind="cake"
        )

    assert review.value.message_dict == gift.value.message_dict == {"organization": [STAFF_REFUSAL]}
    assert not Review.objects.exists()
    assert not Gift.objects.exists()


def test_someone_switched_off_the_staff_is_still_refused(organization, agent, own_ticket):
    Membership.objects.filter(user=agent, organization=organization).update(is_active=False)

    with pytest.raises(ValidationError) as refused:
        services.review_post(customer=agent, organization=organization, stars=5, ticket=own_ticket)

    assert refused.value.message_dict == {"organization": [STAFF_REFUSAL]}
    assert not Review.objects.exists()


def test_an_agent_of_one_provider_reviews_and_thanks_another_that_served_them(
    client, organization, other_organization, agent, other_agent
):
    # The rule is per provider: at Globex, Acme's agent is a customer like any other.
    ticket = answered_ticket(
        other_organization,
        customer=agent,
        assignee=other_agent,
        status=Status.RESOLVED,
        resolved_at=timezone.now(),
    )
    client.force_login(agent)

    awaiting = client.get(reverse("ratings:my-reviews")).context["awaiting"]
    offered = client.get(provider_url("globex")).context["review_form"].subjects
    review = services.review_post(
        customer=agent, organization=other_organization, stars=4, ticket=ticket
    )
    gift = services.gift_send(
        sender=agent, organization=other_organization, recipient=other_agent, kind="star"
    )

    assert [(subject.field, subject.pk) for subject in awaiting] == [("ticket", ticket.pk)]
    assert list(offered) == [f"ticket-{ticket.pk}"]
    assert (review.organization, review.agent) == (other_organization, other_agent)
    assert (gift.organization, gift.recipient) == (other_organization, other_agent)
    score = Score.objects.get(organization=other_organization, kind=TargetKind.ORGANIZATION)
    assert score.count == 1


# Served means served ------------------------------------------------------------------------


@pytest.fixture
def unanswered(organization, customer, agent):
    """A ticket with the customer's own words only, where the staff wrote an internal note,
    assigned it and closed it, all of which the customer either never sees or is no reply."""
    ticket = ticket_services.ticket_open(
        organization=organization, customer=customer, subject="Noisy fan", body="It rattles."
    )
    ticket_services.ticket_follow_up(ticket=ticket, customer=customer, body="Still rattling.")
    ticket_services.ticket_assign(ticket=ticket, assignee=agent, by=agent)
    ticket_services.ticket_add_internal_note(ticket=ticket, author=agent, body="Spam?")
    return ticket_services.ticket_change_status(ticket=ticket, status=Status.CLOSED, by=agent)


def test_a_ticket_with_only_the_customers_own_words_is_not_being_served(
    organization, customer, agent, unanswered
):
    with pytest.raises(ValidationError) as about_it:
        services.review_post(
            customer=customer, organization=organization, stars=1, ticket=unanswered
        )
    with pytest.raises(ValidationError) as in_general:
        services.review_post(customer=customer, organization=organization, stars=1)
    with pytest.raises(ValidationError) as naming_its_agent:
        services.review_post(customer=customer, organization=organization, stars=1, agent=agent)
    with pytest.raises(ValidationError) as thanks:
        services.gift_send(
            sender=customer, organization=organization, recipient=agent, kind="coffee"
        )

    assert about_it.value.message_dict == {"ticket": [NOT_ANSWERED]}
    assert in_general.value.messages == naming_its_agent.value.messages == [NOT_SERVED]
    assert thanks.value.message_dict == {"recipient": ["You can thank someone who has served you."]}
    assert not Review.objects.exists()
    assert not Score.objects.exists()
    assert not Gift.objects.exists()


def test_an_unanswered_ticket_is_neither_offered_nor_waiting_for_a_rating(
    client, customer, unanswered
):
    client.force_login(customer)

    provider = client.get(provider_url())
    my_reviews = client.get(reverse("ratings:my-reviews"))
    feedback = client.get(feedback_url(unanswered))
    refused = client.post(feedback_url(unanswered, "review"), {"rate-stars": "5"})

    assert "review_form" not in provider.context
    assert my_reviews.context["awaiting"] == []
    assert "rating_form" not in feedback.context
    assert b"once your request is answered and resolved" in feedback.content
    assert refused.status_code == 400
    assert refused.context["rating_form"].non_field_errors() == [NOT_ANSWERED]
    assert not Review.objects.exists()


def test_an_unanswered_ticket_is_a_400_naming_it_on_the_api(customer, unanswered):
    response = client_for(customer).post(
        "/api/v1/reviews/",
        {"organization": "acme", "stars": 5, "ticket": unanswered.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"ticket": [NOT_ANSWERED]}
    assert not Review.objects.exists()


def test_a_staff_reply_makes_the_ticket_one_to_rate(
    client, organization, customer, agent, unanswered
):
    ticket_services.ticket_change_status(ticket=unanswered, status=Status.OPEN, by=agent)
    ticket_services.ticket_add_progress(ticket=unanswered, author=agent, body="New fan Monday.")
    client.force_login(customer)

    offered = client.get(provider_url()).context["review_form"].subjects
    review = services.review_post(
        customer=customer, organization=organization, stars=5, ticket=unanswered
    )

    assert list(offered) == [f"ticket-{unanswered.pk}"]
    assert (review.ticket, review.agent) == (unanswered, agent)
    assert Score.objects.get(organization=organization, kind=TargetKind.ORGANIZATION).count == 1


def test_a_visit_not_yet_completed_is_not_being_served(organization, customer, technician):
    VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        status=VisitStatus.SCHEDULED,
    )

    with pytest.raises(ValidationError) as refused:
        services.review_post(customer=customer, organization=organization, stars=5)

    assert refused.value.messages == [NOT_SERVED]
    assert not Review.objects.exists()
