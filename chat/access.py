"""Every conversation id from a user comes through here: the same 404 for missing and
forbidden."""

from django.http import Http404

from .models import Conversation


def access_customer_conversation(user, conversation_id) -> Conversation:
    """One of the signed-in customer's own chats."""
    if not user.is_authenticated:
        raise Http404
    conversations = Conversation.objects.select_related("organization", "agent")
    try:
        return conversations.get(pk=int(conversation_id), customer=user)
    except (Conversation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
