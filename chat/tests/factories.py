from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import CustomerFactory, OrganizationFactory, staff
from chat.models import Conversation, ConversationStatus


class ConversationFactory(factory.django.DjangoModelFactory):
    """A conversation as stored, skipping the services: waiting for an agent."""

    class Meta:
        model = Conversation

    organization = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Sequence(lambda n: f"Where is my order? ({n})")


def answered_chat(organization, *, customer=None, agent=None, **fields) -> Conversation:
    """A chat an agent answered and that has ended."""
    now = timezone.now()
    return ConversationFactory(
        organization=organization,
        customer=customer or CustomerFactory(),
        agent=agent or staff(organization, Role.AGENT),
        status=ConversationStatus.CLOSED,
        started_at=now - timedelta(minutes=30),
        answered_at=now - timedelta(minutes=29),
        closed_at=now - timedelta(minutes=10),
        **fields,
    )
