"""Reviews and thank-yous about a technician's visit or a live chat, as about a ticket."""

import threading
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet

from accounts.models import Role
from accounts.tests.factories import staff
from chat.tests.factories import ConversationFactory, answered_chat
from ratings import services
from ratings.models import Gift, Review, Score, TargetKind
from technicians.models import VisitStatus
from technicians.tests.factories import VisitFactory, completed_visit
from tickets.tests.factories import TicketFactory, answered_ticket

pytestmark = pytest.mark.django_db


def score_of(person, kind) -> Score:
    return Score.objects.get(kind=kind, person=person)


def test_rating_a_completed_visit_rates_its_technician(organization, customer, technician):
    visit = completed_visit(organization, customer=customer, technician=technician)

    review = services.review_post(
        customer=customer, organization=organization, stars=5, comment="Tidy work.", visit=visit
    )

    assert (review.visit, review.technician, review.agent) == (visit, technician, None)
    assert score_of(technician, TargetKind.TECHNICIAN).count == 1
    assert Score.objects.get(organization=organization, kind=TargetKind.ORGANIZATION).count == 1


def test_a_visit_not_completed_yet_cant_be_rated(organization, customer, technician):
    visit = VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        status=VisitStatus.SCHEDULED,
    )

    with pytest.raises(ValidationError) as refused:
        services.review_post(customer=customer, organization=organization, stars=1, visit=visit)

    assert refused.value.message_dict == {"visit": ["You can rate a visit once it is completed."]}
    assert not Review.objects.exists()


def test_a_visit_is_rated_once_and_the_first_rating_is_kept(organization, customer):
    visit = completed_visit(organization, customer=customer)
    services.review_post(customer=customer, organization=organization, stars=2, visit=visit)

    with pytest.raises(ValidationError) as refused:
        services.review_post(customer=customer, organization=organization, stars=5, visit=visit)

    assert refused.value.message_dict == {"visit": ["You have already reviewed this visit."]}
    assert list(Review.objects.values_list("stars", flat=True)) == [2]


def test_someone_elses_visit_or_chat_cant_be_rated(organization, customer, other_customer):
    visit = completed_visit(organization, customer=other_customer)
    chat = answered_chat(organization, customer=other_customer)

    with pytest.raises(ValidationError) as visit_refused:
        services.review_post(customer=customer, organization=organization, stars=1, visit=visit)
    with pytest.raises(ValidationError) as chat_refused:
        services.review_post(
            customer=customer, organization=organization, stars=1, conversation=chat
        )

    assert visit_refused.value.message_dict == {
        "visit": ["Choose one of your visits with this provider."]
    }
    assert chat_refused.value.message_dict == {
        "conversation": ["Choose one of your chats with this provider."]
    }
    assert not Review.objects.exists()


def test_a_visit_with_another_provider_cant_be_rated_as_this_ones(
    organization, other_organization, customer
):
    visit = completed_visit(other_organization, customer=customer)

    with pytest.raises(ValidationError) as refused:
        services.review_post(customer=customer, organization=organization, stars=4, visit=visit)

    assert "visit" in refused.value.message_dict
    assert not Review.objects.exists()


def test_rating_a_chat_rates_the_agent_who_answered_it(organization, customer, agent):
    chat = answered_chat(organization, customer=customer, agent=agent)

    review = services.review_post(
        customer=customer, organization=organization, stars=4, conversation=chat
    )

    assert (review.conversation, review.agent, review.technician) == (chat, agent, None)
    assert score_of(agent, TargetKind.AGENT).count == 1


def test_a_chat_nobody_answered_cant_be_rated_nor_counts_as_being_served(organization, customer):
    chat = ConversationFactory(organization=organization, customer=customer)

    with pytest.raises(ValidationError) as about_the_chat:
        services.review_post(
            customer=customer, organization=organization, stars=1, conversation=chat
        )
    with pytest.raises(ValidationError) as in_general:
        services.review_post(customer=customer, organization=organization, stars=1)

    assert about_the_chat.value.message_dict == {
        "conversation": ["You can rate a chat once an agent has answered it."]
    }
    assert in_general.value.messages == ["You can review a provider once it has served you."]
    assert not Review.objects.exists()


def test_a_chat_is_rated_once(organization, customer):
    chat = answered_chat(organization, customer=customer)
    services.review_post(customer=customer, organization=organization, stars=3, conversation=chat)

    with pytest.raises(ValidationError) as refused:
        services.review_post(
            customer=customer, organization=organization, stars=5, conversation=chat
        )

    assert refused.value.message_dict == {"conversation": ["You have already rated this chat."]}
    assert Review.objects.count() == 1


@pytest.mark.parametrize("served_by", ["visit", "chat"])
def test_a_customer_served_only_by_a_visit_or_a_chat_may_review_the_provider(
    organization, customer, served_by
):
    if served_by == "visit":
        completed_visit(organization, customer=customer)
    else:
        answered_chat(organization, customer=customer)

    review = services.review_post(customer=customer, organization=organization, stars=4)

    assert (review.ticket, review.visit, review.conversation) == (None, None, None)


def test_a_review_is_about_one_thing_at_most(organization, customer):
    ticket = TicketFactory(organization=organization, customer=customer)
    visit = completed_visit(organization, customer=customer)

    with pytest.raises(ValidationError) as refused:
        services.review_post(
            customer=customer, organization=organization, stars=4, ticket=ticket, visit=visit
        )

    assert refused.value.message_dict == {
        "visit": ["Choose one request, visit or chat, not several."]
    }
    assert not Review.objects.exists()


def test_the_technician_of_a_visit_and_the_agent_of_a_chat_can_be_thanked(
    organization, customer, technician, agent
):
    visit = completed_visit(organization, customer=customer, technician=technician)
    chat = answered_chat(organization, customer=customer, agent=agent)

    for_visit = services.gift_send(
        sender=customer,
        organization=organization,
        recipient=technician,
        kind="flowers",
        visit=visit,
    )
    for_chat = services.gift_send(
        sender=customer, organization=organization, recipient=agent, kind="coffee"
    )

    assert (for_visit.visit, for_visit.recipient) == (visit, technician)
    assert (for_chat.conversation, for_chat.recipient) == (None, agent)
    assert chat.agent == agent


def test_only_who_served_in_that_visit_can_be_thanked_for_it(organization, customer, agent):
    visit = completed_visit(organization, customer=customer)
    colleague = staff(organization, Role.TECHNICIAN)

    with pytest.raises(ValidationError) as wrong_person:
        services.gift_send(
            sender=customer,
            organization=organization,
            recipient=colleague,
            kind="cake",
            visit=visit,
        )
    with pytest.raises(ValidationError) as never_met:
        services.gift_send(sender=customer, organization=organization, recipient=agent, kind="cake")

    assert wrong_person.value.message_dict == {
        "recipient": ["You can thank someone who has served you."]
    }
    assert "recipient" in never_met.value.message_dict
    assert not Gift.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_visit_rated_twice_at_the_same_moment_keeps_one_review(organization, customer):
    """The second check runs while the first review is written but not committed: it sees
    nothing, and the unique constraint stops its INSERT, which the service reports as a
    field error, not a crash."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (CI runs it)")
    visit = completed_visit(organization, customer=customer)
    first_written, second_checked = threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                services.review_post(
                    customer=customer, organization=organization, stars=2, visit=visit
                )
                first_written.set()
                second_checked.wait(timeout=10)
        finally:
            connection.close()

    real_exists = QuerySet.exists

    def exists_then_signal(queryset):
        found = real_exists(queryset)
        if queryset.model is Review:
            second_checked.set()
        return found

    with mock.patch("notifications.services.delivery._enqueue"):
        writer = threading.Thread(target=first)
        writer.start()
        assert first_written.wait(timeout=10)
        with (
            mock.patch.object(QuerySet, "exists", exists_then_signal),
            pytest.raises(ValidationError) as refused,
        ):
            services.review_post(customer=customer, organization=organization, stars=5, visit=visit)
        writer.join()

    assert refused.value.message_dict == {"visit": ["You have already reviewed this visit."]}
    assert list(Review.objects.values_list("stars", flat=True)) == [2]


def test_a_customer_names_only_someone_who_served_them_and_there_if_the_review_is_about_it(
    organization, customer, agent, technician
):
    colleague = staff(organization, Role.AGENT)
    visit = completed_visit(organization, customer=customer, technician=technician)
    ticket = answered_ticket(organization, customer=customer, assignee=agent)

    with pytest.raises(ValidationError) as never_served:
        services.review_post(customer=customer, organization=organization, stars=1, agent=colleague)
    with pytest.raises(ValidationError) as not_there:
        services.review_post(
            customer=customer, organization=organization, stars=1, visit=visit, agent=agent
        )
    about_the_ticket = services.review_post(
        customer=customer, organization=organization, stars=4, ticket=ticket, agent=agent
    )
    in_general = services.review_post(
        customer=customer, organization=organization, stars=5, technician=technician
    )

    assert never_served.value.message_dict == {"agent": ["Choose someone who served you."]}
    assert not_there.value.message_dict == {"agent": ["Choose someone who served you."]}
    assert (about_the_ticket.agent, in_general.technician) == (agent, technician)
    assert Review.objects.count() == 2


def test_a_gift_for_a_visit_waits_until_it_is_completed_whichever_way_it_is_sent(
    organization, customer, technician
):
    visit = VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        status=VisitStatus.IN_PROGRESS,
    )

    with pytest.raises(ValidationError) as refused:
        services.gift_send(
            sender=customer,
            organization=organization,
            recipient=technician,
            kind="cake",
            visit=visit,
        )

    assert refused.value.messages == [
        "You can rate the visit and send thanks once the technician has completed it."
    ]
    assert not Gift.objects.exists()
