"""Demo reviews for `manage.py seed_demo`: of a ticket (answered), a visit and a chat, a
thank-you for the technician, and today's score snapshots for the trend charts."""

from accounts.models import Organization, User
from chat.models import Conversation
from technicians.models import ServiceRequest, VisitStatus
from tickets.models import Status, Ticket

from . import services
from .models import Review


def seed_reviews(organization: Organization, staff: dict[str, User], customers: list[User]) -> int:
    """Create the demo reviews once; later runs create nothing."""
    if Review.objects.filter(organization=organization).exists():
        return 0
    chris, casey = customers
    ticket = Ticket.objects.get(organization=organization, customer=chris, status=Status.RESOLVED)
    answered = services.review_post(
        customer=chris,
        organization=organization,
        stars=4,
        comment="Alex explained everything and the pressure holds now. Took two days though.",
        ticket=ticket,
    )
    services.review_respond(
        review=answered,
        author=staff["agent1@example.com"],
        body="Thank you, Chris! We're working on getting parts to you faster.",
    )
    visit = ServiceRequest.objects.get(
        organization=organization, customer=chris, status=VisitStatus.COMPLETED
    )
    services.review_post(
        customer=chris,
        organization=organization,
        stars=5,
        comment="Tom was on time, careful and left everything clean.",
        visit=visit,
    )
    services.gift_send(
        sender=chris,
        organization=organization,
        recipient=visit.technician,
        kind="coffee",
        note="For the early start!",
        visit=visit,
    )
    chat = Conversation.objects.get(organization=organization, customer=casey, agent__isnull=False)
    services.review_post(
        customer=casey,
        organization=organization,
        stars=3,
        comment="Ana answered quickly, but I still have no exact time for the visit.",
        conversation=chat,
    )
    services.scores_snapshot()
    return Review.objects.filter(organization=organization).count()
