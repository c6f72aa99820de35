"""Demo tickets for `manage.py seed_demo`: a few in every state, one of them overdue."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import AgentSkill, Membership, Organization, User

from . import services
from .models import Category, Priority, Ticket

CATEGORIES = [
    ("Boilers and heating", "heating"),
    ("Electrics", "electrics"),
    ("Appliances", "appliances"),
]
SKILLS = {
    "agent1@example.com": ["heating", "electrics"],
    "agent2@example.com": ["appliances", "heating"],
}


def seed_tickets(organization: Organization, staff: dict[str, User], customers: list[User]) -> int:
    """Create the demo categories, skills and tickets once; later runs create nothing."""
    if Category.objects.filter(organization=organization).exists():
        return 0
    categories = {
        skill: Category.objects.create(organization=organization, name=name, skill=skill)
        for name, skill in CATEGORIES
    }
    for email, skills in SKILLS.items():
        membership = Membership.objects.get(user=staff[email], organization=organization)
        for skill in skills:
            AgentSkill.objects.create(membership=membership, skill=skill)
    manager, alex, ana = (
        staff["manager@example.com"],
        staff["agent1@example.com"],
        staff["agent2@example.com"],
    )
    chris, casey = customers

    def open_(customer, subject, body, skill, priority=Priority.NORMAL):
        return services.ticket_open(
            organization=organization,
            customer=customer,
            subject=subject,
            body=body,
            category=categories[skill],
            priority=priority,
        )

    queued = open_(chris, "Radiator in the hall stays cold", "The others are warm.", "heating")
    services.ticket_change_priority(ticket=queued, priority=Priority.HIGH, by=manager)

    working = open_(casey, "Oven trips the fuse", "Every time it heats up.", "appliances")
    services.ticket_assign(ticket=working, assignee=ana, by=manager)
    services.ticket_add_progress(
        ticket=working, author=ana, body="A technician can come on Thursday morning."
    )
    services.ticket_add_internal_note(
        ticket=working, author=ana, body="Second oven complaint this year; check the warranty."
    )

    resolved = open_(chris, "Boiler pressure keeps dropping", "Down to 0.5 bar daily.", "heating")
    services.ticket_assign(ticket=resolved, assignee=alex, by=manager)
    services.ticket_add_progress(ticket=resolved, author=alex, body="We'll replace the valve.")
    services.ticket_resolve(
        ticket=resolved, result="Replaced the expansion valve; pressure holds at 1.5 bar.", by=alex
    )

    overdue = open_(
        casey, "Sockets in the kitchen dead", "Since the storm.", "electrics", Priority.URGENT
    )
    services.ticket_assign(ticket=overdue, assignee=alex, by=manager)
    # Opened yesterday and never answered, so the overdue views and reminders show something.
    yesterday = timezone.now() - timedelta(days=1)
    Ticket.objects.filter(pk=overdue.pk).update(
        created_at=yesterday,
        first_response_due=yesterday + timedelta(minutes=15),
        resolution_due=yesterday + timedelta(hours=4),
    )
    return Ticket.objects.filter(organization=organization).count()
