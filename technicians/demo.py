"""Demo visits for `manage.py seed_demo`: one completed, one booked, one waiting for a time."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Organization, User
from tickets.models import Ticket

from . import services
from .models import ServiceRequest


def seed_visits(organization: Organization, staff: dict[str, User], customers: list[User]) -> int:
    """Create the demo visits once; later runs create nothing."""
    if ServiceRequest.objects.filter(organization=organization).exists():
        return 0
    reception, tom, tess = (
        staff["reception@example.com"],
        staff["tech1@example.com"],
        staff["tech2@example.com"],
    )
    chris, casey = customers
    now = timezone.now().replace(minute=0, second=0, microsecond=0)

    boiler = services.visit_request(
        customer=chris,
        organization=organization,
        summary="Replace the boiler's expansion valve",
        address="14 Mill Lane, Leeds LS2 7QT",
        ticket=Ticket.objects.filter(organization=organization, customer=chris)
        .order_by("-resolved_at")
        .first(),
    )
    services.visit_schedule(
        visit=boiler,
        technician=tom,
        start=now - timedelta(days=1, hours=3),
        end=now - timedelta(days=1, hours=1),
        by=reception,
    )
    services.visit_start(visit=boiler, by=tom)
    services.visit_complete(
        visit=boiler, by=tom, report="Valve replaced, system refilled to 1.5 bar, no leaks."
    )

    oven = services.visit_request(
        customer=casey,
        organization=organization,
        summary="Oven trips the fuse when it heats up",
        address="3 Harbour Street, Whitby YO21 3PX",
    )
    tomorrow_morning = (now + timedelta(days=1)).replace(hour=9)
    services.visit_schedule(
        visit=oven,
        technician=tess,
        start=tomorrow_morning,
        end=tomorrow_morning + timedelta(hours=2),
        by=reception,
    )

    services.visit_request(
        customer=casey,
        organization=organization,
        summary="Fit two sockets in the garage",
        address="3 Harbour Street, Whitby YO21 3PX",
    )
    return ServiceRequest.objects.filter(organization=organization).count()
