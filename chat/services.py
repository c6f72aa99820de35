"""A conversation's life: a customer asks, an agent takes it, either side closes it.

Messages, transfers, the widget and visitors build on these. Every change is told at once to
the customer, the agent and the organization's staff.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Role, User
from accounts.selectors import works_for
from csportal.realtime import org_staff_group, publish, user_group

from .models import Conversation, ConversationStatus

ANSWERING_ROLES = (Role.MANAGER, Role.AGENT)


def _publish(conversation: Conversation) -> None:
    groups = [org_staff_group(conversation.organization_id)]
    groups += [
        user_group(person_id)
        for person_id in (conversation.customer_id, conversation.agent_id)
        if person_id
    ]
    publish(
        "conversation.updated",
        {
            "id": conversation.pk,
            "organization": conversation.organization_id,
            "status": conversation.status,
            "agent": str(conversation.agent) if conversation.agent_id else None,
            "closed_at": conversation.closed_at,
        },
        groups=groups,
    )


def conversation_start(
    *, customer: User, organization: Organization, subject: str = ""
) -> Conversation:
    """A signed-in customer asks the provider to chat; it waits for an agent."""
    with transaction.atomic():
        conversation = Conversation.objects.create(
            organization=organization, customer=customer, subject=(subject or "").strip()[:200]
        )
        _publish(conversation)
    return conversation


def conversation_take(*, conversation: Conversation, agent: User) -> Conversation:
    """An agent answers a waiting conversation; only one agent gets it."""
    if not works_for(agent, conversation.organization_id, ANSWERING_ROLES):
        raise ValidationError(_("Only the provider's agents can answer its chats."))
    with transaction.atomic():
        # A conditional update claims it: of two agents clicking at once, one wins.
        claimed = Conversation.objects.filter(
            pk=conversation.pk, status=ConversationStatus.WAITING
        ).update(status=ConversationStatus.ACTIVE, agent=agent, answered_at=timezone.now())
        if not claimed:
            raise ValidationError(_("This chat is already answered or closed."))
        conversation = Conversation.objects.select_related("agent").get(pk=conversation.pk)
        _publish(conversation)
    return conversation


def conversation_close(*, conversation: Conversation, by: User) -> Conversation:
    """The customer or an agent of the provider ends the chat."""
    if by.pk != conversation.customer_id and not works_for(
        by, conversation.organization_id, ANSWERING_ROLES
    ):
        raise ValidationError(_("Only the customer or the provider's agents can end this chat."))
    with transaction.atomic():
        closed = (
            Conversation.objects.filter(pk=conversation.pk)
            .exclude(status=ConversationStatus.CLOSED)
            .update(status=ConversationStatus.CLOSED, closed_at=timezone.now())
        )
        if not closed:
            raise ValidationError(_("This chat is already closed."))
        conversation = Conversation.objects.select_related("agent").get(pk=conversation.pk)
        _publish(conversation)
    return conversation
