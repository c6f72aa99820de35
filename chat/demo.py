"""Demo chats for `manage.py seed_demo`: at Acme one answered and closed and one waiting
for an agent; at Northside one answered and closed a few days ago."""

from datetime import datetime, timedelta

from accounts.demo import Cast, Provider

from . import services
from .models import Conversation


def seed_conversations(provider: Provider, cast: Cast, *, now: datetime) -> int:
    """Create the provider's demo conversations once; later runs create nothing."""
    organization = provider.organization
    if Conversation.objects.filter(organization=organization).exists():
        return 0
    chris, casey = cast.customers
    if organization.slug == "acme":
        answered = services.conversation_start(
            customer=casey, organization=organization, subject="When is my oven visit?"
        )
        services.conversation_take(
            conversation=answered, agent=provider.staff["agent2@example.com"]
        )
        services.conversation_close(conversation=answered, by=casey)
        _date(answered, now - timedelta(hours=5))
        services.conversation_start(
            customer=chris, organization=organization, subject="Can you service a heat pump?"
        )
    else:
        answered = services.conversation_start(
            customer=chris, organization=organization, subject="Do you fit water softeners?"
        )
        services.conversation_take(
            conversation=answered, agent=provider.staff["agent@northside.example.com"]
        )
        services.conversation_close(conversation=answered, by=chris)
        _date(answered, now - timedelta(days=3, hours=2))
    return Conversation.objects.filter(organization=organization).count()


def _date(conversation: Conversation, started: datetime) -> None:
    """An answered, closed chat moved to when it happened: answered within two minutes,
    closed a quarter of an hour later."""
    Conversation.objects.filter(pk=conversation.pk).update(
        started_at=started,
        answered_at=started + timedelta(minutes=2),
        closed_at=started + timedelta(minutes=17),
    )
