"""Every conversation id from a user comes through here: the same 404 for missing and
forbidden."""

from django.http import Http404

from accounts.access import Requester, parse_id

from .models import Conversation


def access_customer_conversation(user: Requester, conversation_id: object) -> Conversation:
    """One of the signed-in customer's own chats."""
    if not user.is_authenticated:
        raise Http404
    conversations = Conversation.objects.select_related("organization", "agent")
    try:
        return conversations.get(pk=parse_id(conversation_id), customer=user)
    except Conversation.DoesNotExist:
        raise Http404 from None
