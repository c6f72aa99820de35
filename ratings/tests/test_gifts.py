"""A customer's thank-yous (from the ticket page and the API) and the customer's own review
over the API: who may thank whom, who may change which review and until when, and what a bad
request is told."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import CustomerFactory, staff
from csportal.models import Event
from notifications.models import Notification
from ratings import services
from ratings.models import Gift, Review, Score
from ratings.tests.factories import WINDOW_PASSED, posted_review
from tickets.models import Status
from tickets.tests.factories import TicketFactory, TicketUpdateFactory, answered_ticket

GIFTS = "/api/v1/gifts/"


pytestmark = pytest.mark.usefixtures("edit_window_72h")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def review_url(review) -> str:
    return f"/api/v1/reviews/{review.pk}/"


def thank_url(ticket) -> str:
    return reverse("ratings:ticket-feedback-action", args=[ticket.pk, "gift"])


# From the ticket page --------------------------------------------------------------------


def test_a_customer_thanks_the_agent_of_their_ticket(
    client, organization, customer, agent, resolved_ticket, after_commit
):
    client.force_login(customer)

    with after_commit():
        response = client.post(
            thank_url(resolved_ticket),
            {"thank-kind": "flowers", "thank-note": "You saved my day."},
        )

    gift = Gift.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("tickets:detail", args=[resolved_ticket.pk]))
    assert (gift.organization, gift.sender, gift.recipient, gift.kind, gift.note) == (
        organization,
        customer,
        agent,
        "flowers",
        "You saved my day.",
    )
    assert gift.ticket == resolved_ticket
    assert Notification.objects.filter(recipient=agent, kind="gift.received").exists()
    arrived = Event.objects.filter(type="gift.received")
    assert set(arrived.values_list("group", flat=True)) == {
        f"user.{agent.pk}",
        f"org.{organization.pk}.role.manager",
    }
    followed = client.get(response["Location"])
    assert b"Your thank-you is on its way to Alex Agent." in followed.content


def test_a_gift_not_on_the_list_is_refused_on_its_field(client, customer, resolved_ticket):
    client.force_login(customer)

    response = client.post(thank_url(resolved_ticket), {"thank-kind": "car"})

    assert response.status_code == 400
    assert list(response.context["gift_form"].errors) == ["kind"]
    assert not Gift.objects.exists()


def test_a_ticket_nobody_handled_offers_no_thank_you_and_refuses_one(
    client, organization, customer, manager
):
    # Answered and closed by a manager, but never anyone's to handle.
    ticket = answered_ticket(organization, customer=customer, by=manager, status=Status.CLOSED)
    client.force_login(customer)

    page = client.get(reverse("ratings:ticket-feedback", args=[ticket.pk]))
    response = client.post(thank_url(ticket), {"thank-kind": "coffee"})

    assert "gift_form" not in page.context
    assert "rating_form" in page.context
    assert response.status_code == 400
    assert response.context["gift_form"].non_field_errors() == [
        "Nobody has handled this request yet."
    ]
    assert b"Nobody has handled this request yet." in response.content
    assert not Gift.objects.exists()


def test_thanking_through_someone_elses_ticket_is_404(client, other_customer, resolved_ticket):
    client.force_login(other_customer)

    response = client.post(thank_url(resolved_ticket), {"thank-kind": "coffee"})

    assert response.status_code == 404
    assert not Gift.objects.exists()


# Over the API ----------------------------------------------------------------------------


def test_a_customer_thanks_an_agent_who_served_them(organization, customer, agent, resolved_ticket):
    response = client_for(customer).post(
        GIFTS,
        {"organization": "acme", "recipient": agent.pk, "kind": "cake", "note": "Thanks!"},
        format="json",
    )

    gift = Gift.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": gift.pk,
        "organization": "acme",
        "sender": "Chris Customer",
        "recipient": {"id": agent.pk, "name": "Alex Agent"},
        "kind": "cake",
        "note": "Thanks!",
        "ticket": None,
        "visit": None,
        "conversation": None,
        "created_at": response.json()["created_at"],
    }
    assert (gift.sender, gift.recipient) == (customer, agent)


def test_a_gift_for_one_ticket_is_tied_to_it(customer, agent, resolved_ticket):
    response = client_for(customer).post(
        GIFTS,
        {
            "organization": "acme",
            "recipient": agent.pk,
            "kind": "star",
            "ticket": resolved_ticket.pk,
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["ticket"] == resolved_ticket.pk
    assert Gift.objects.get().ticket == resolved_ticket


def test_a_gift_for_someone_elses_ticket_names_the_ticket(
    organization, customer, other_customer, agent, resolved_ticket
):
    TicketFactory(organization=organization, customer=other_customer, assignee=agent)

    response = client_for(other_customer).post(
        GIFTS,
        {
            "organization": "acme",
            "recipient": agent.pk,
            "kind": "star",
            "ticket": resolved_ticket.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["ticket"]
    assert not Gift.objects.exists()


def test_someone_who_wrote_on_the_ticket_may_be_thanked_too(organization, customer, technician):
    ticket = TicketFactory(organization=organization, customer=customer)
    TicketUpdateFactory(ticket=ticket, author=technician)

    response = client_for(customer).post(
        GIFTS, {"organization": "acme", "recipient": technician.pk, "kind": "star"}, format="json"
    )

    assert response.status_code == 201
    assert Gift.objects.get().recipient == technician


def test_nobody_can_thank_staff_who_never_served_them(
    organization, customer, other_customer, agent, resolved_ticket
):
    colleague = staff(organization, Role.AGENT, full_name="Never Met")
    TicketFactory(organization=organization, customer=other_customer)

    stranger = client_for(other_customer).post(
        GIFTS, {"organization": "acme", "recipient": agent.pk, "kind": "coffee"}, format="json"
    )
    unmet = client_for(customer).post(
        GIFTS, {"organization": "acme", "recipient": colleague.pk, "kind": "coffee"}, format="json"
    )

    assert (stranger.status_code, unmet.status_code) == (400, 400)
    assert stranger.json()["fields"] == {"recipient": ["You can thank someone who has served you."]}
    assert list(unmet.json()["fields"]) == ["recipient"]
    assert not Gift.objects.exists()


def test_a_gift_to_someone_not_of_that_provider_is_refused(
    organization, other_organization, customer, other_agent, resolved_ticket
):
    response = client_for(customer).post(
        GIFTS,
        {"organization": "acme", "recipient": other_agent.pk, "kind": "coffee"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"recipient": ["Choose someone of this provider's staff."]}
    assert not Gift.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipient": "AGENT", "kind": "pony"}, "kind"),
        ({"recipient": 999999, "kind": "coffee"}, "recipient"),
        ({"recipient": "AGENT", "kind": "coffee", "note": "x" * 301}, "note"),
        ({"recipient": "AGENT", "kind": "coffee", "ticket": 999999}, "ticket"),
        ({"recipient": "AGENT"}, "kind"),
    ],
)
def test_a_bad_gift_names_the_field(organization, customer, agent, resolved_ticket, body, field):
    body = {"organization": "acme", **body}
    if body["recipient"] == "AGENT":
        body["recipient"] = agent.pk

    response = client_for(customer).post(GIFTS, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert not Gift.objects.exists()


def test_gifts_list_what_the_agent_received_and_the_customer_sent(
    organization, customer, other_customer, agent, resolved_ticket
):
    answered_ticket(organization, customer=other_customer, assignee=agent)
    first = services.gift_send(
        sender=customer, organization=organization, recipient=agent, kind="coffee"
    )
    second = services.gift_send(
        sender=other_customer, organization=organization, recipient=agent, kind="cake"
    )

    received = client_for(agent).get(GIFTS, {"direction": "received"})
    sent = client_for(customer).get(GIFTS, {"direction": "sent"})
    others_sent = client_for(other_customer).get(GIFTS)
    agent_sent = client_for(agent).get(GIFTS, {"direction": "sent"})

    assert [row["id"] for row in received.json()["results"]] == [second.pk, first.pk]
    assert [row["id"] for row in sent.json()["results"]] == [first.pk]
    assert [row["id"] for row in others_sent.json()["results"]] == [second.pk]
    assert agent_sent.json()["results"] == []


def test_an_unknown_direction_names_the_field(customer):
    response = client_for(customer).get(GIFTS, {"direction": "sideways"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["direction"]


def test_the_gift_list_query_count_does_not_grow_with_its_gifts(
    organization, agent, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            sender = CustomerFactory()
            answered_ticket(organization, customer=sender, assignee=agent)
            services.gift_send(
                sender=sender, organization=organization, recipient=agent, kind="coffee"
            )

    client = client_for(agent)
    add(2)
    with django_assert_max_num_queries(10) as captured:
        client.get(GIFTS)
    few = len(captured)
    add(10)

    with django_assert_max_num_queries(few):
        response = client.get(GIFTS)
    assert response.json()["count"] == 12


def test_the_gift_api_asks_for_credentials():
    assert APIClient().get(GIFTS).status_code == 401


# The customer's own review over the API --------------------------------------------------


def test_a_customer_changes_the_stars_of_their_review_and_keeps_the_comment(organization, customer):
    review = posted_review(organization, customer=customer, stars=2, comment="Slow")

    response = client_for(customer).patch(review_url(review), {"stars": 4}, format="json")

    review.refresh_from_db()
    assert response.status_code == 200
    assert (response.json()["stars"], response.json()["comment"]) == (4, "Slow")
    assert response.json()["edited_at"] is not None
    assert (review.stars, review.comment) == (4, "Slow")
    score = Score.objects.get(organization=organization, kind="organization")
    assert (score.count, score.stars_2, score.stars_4) == (1, 0, 1)


def test_a_customer_reads_one_of_their_reviews(organization, customer):
    review = posted_review(organization, customer=customer, stars=3, comment="Fine")

    response = client_for(customer).get(review_url(review))

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["comment"]) == (review.pk, "Fine")


def test_nobody_changes_deletes_or_reads_someone_elses_review(
    organization, customer, other_customer, agent
):
    review = posted_review(organization, customer=customer, stars=5, comment="Mine")

    for user in (other_customer, agent):
        client = client_for(user)
        patch = client.patch(review_url(review), {"stars": 1}, format="json")
        delete = client.delete(review_url(review))
        read = client.get(review_url(review))
        assert (patch.status_code, delete.status_code, read.status_code) == (404, 404, 404)

    review.refresh_from_db()
    assert (review.stars, review.comment, review.edited_at) == (5, "Mine", None)


def test_after_its_window_a_review_is_neither_changed_nor_deleted(organization, customer):
    review = posted_review(organization, customer=customer, stars=2, comment="Slow")
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(hours=73))
    client = client_for(customer)

    patch = client.patch(review_url(review), {"comment": "Better now"}, format="json")
    delete = client.delete(review_url(review))

    assert (patch.status_code, delete.status_code) == (400, 400)
    assert patch.json()["detail"] == f"non_field_errors: {WINDOW_PASSED}"
    assert delete.json()["fields"] == {"non_field_errors": [WINDOW_PASSED]}
    review.refresh_from_db()
    assert (review.stars, review.comment, review.edited_at) == (2, "Slow", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stars": 0}, "stars"),
        ({"stars": "many"}, "stars"),
        ({"comment": "x" * 4001}, "comment"),
        ({"stars": 3, "organization": "globex"}, "organization"),
        ({}, "non_field_errors"),
    ],
)
def test_a_bad_change_names_the_field(organization, customer, body, field):
    review = posted_review(organization, customer=customer, stars=2, comment="Slow")

    response = client_for(customer).patch(review_url(review), body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    review.refresh_from_db()
    assert (review.stars, review.comment) == (2, "Slow")


def test_a_customer_deletes_their_review(organization, customer):
    review = posted_review(organization, customer=customer, stars=1)

    response = client_for(customer).delete(review_url(review))

    assert response.status_code == 204
    assert not Review.objects.exists()
    assert Score.objects.get(organization=organization, kind="organization").count == 0
