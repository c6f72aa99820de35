"""Demo chats for `manage.py seed_demo`: one answered and closed, one waiting for an agent."""

from accounts.models import Organization, User

from . import services
from .models import Conversation


def seed_conversations(
    organization: Organization, staff: dict[str, User], customers: list[User]
) -> int:
    """Create the demo conversations once; later runs create nothing."""
    if Conversation.objects.filter(organization=organization).exists():
        return 0
    chris, casey = customers
    answered = services.conversation_start(
        customer=casey, organization=organization, subject="When is my oven visit?"
    )
    services.conversation_take(conversation=answered, agent=staff["agent2@example.com"])
    services.conversation_close(conversation=answered, by=casey)
    services.conversation_start(
        customer=chris, organization=organization, subject="Can you service a heat pump?"
    )
    return Conversation.objects.filter(organization=organization).count()
