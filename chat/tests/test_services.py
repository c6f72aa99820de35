"""A conversation's life through its services: taken by one agent, closed by either side."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from accounts.tests.factories import staff
from chat import services
from chat.models import Conversation, ConversationStatus
from csportal.models import Event
from csportal.realtime import user_group

pytestmark = pytest.mark.django_db


def test_a_customer_starts_a_chat_that_waits_for_an_agent(organization, customer):
    conversation = services.conversation_start(
        customer=customer, organization=organization, subject="My order"
    )

    assert (conversation.status, conversation.agent) == (ConversationStatus.WAITING, None)
    assert Event.objects.filter(type="conversation.updated", group=user_group(customer.pk))


def test_the_first_agent_to_take_a_chat_gets_it_and_the_second_is_refused(
    organization, customer, agent
):
    colleague = staff(organization, Role.AGENT)
    conversation = services.conversation_start(customer=customer, organization=organization)

    services.conversation_take(conversation=conversation, agent=agent)
    with pytest.raises(ValidationError):
        services.conversation_take(conversation=conversation, agent=colleague)

    conversation.refresh_from_db()
    assert (conversation.status, conversation.agent) == (ConversationStatus.ACTIVE, agent)
    assert conversation.answered_at is not None


def test_only_the_providers_agents_take_its_chats(organization, customer, technician, other_agent):
    conversation = services.conversation_start(customer=customer, organization=organization)

    for outsider in (technician, other_agent, customer):
        with pytest.raises(ValidationError):
            services.conversation_take(conversation=conversation, agent=outsider)

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.WAITING


def test_the_customer_ends_the_chat_once_and_the_agent_is_told(organization, customer, agent):
    conversation = services.conversation_start(customer=customer, organization=organization)
    services.conversation_take(conversation=conversation, agent=agent)

    closed = services.conversation_close(conversation=conversation, by=customer)
    with pytest.raises(ValidationError):
        services.conversation_close(conversation=conversation, by=agent)

    assert closed.status == ConversationStatus.CLOSED
    assert closed.closed_at is not None
    assert Event.objects.filter(
        type="conversation.updated", group=user_group(agent.pk), data__status="closed"
    ).exists()


def test_another_customer_cant_end_someone_elses_chat(organization, customer, other_customer):
    conversation = services.conversation_start(customer=customer, organization=organization)

    with pytest.raises(ValidationError):
        services.conversation_close(conversation=conversation, by=other_customer)

    assert Conversation.objects.get().status == ConversationStatus.WAITING
