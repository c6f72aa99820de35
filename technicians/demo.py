"""Demo visits for `manage.py seed_demo`: at each provider, one completed (dated when it was
done), one booked and, at Acme, one waiting for a time."""

from datetime import datetime, timedelta

from accounts.demo import Cast, Provider
from tickets.models import Ticket

from . import services
from .models import ServiceRequest


def seed_visits(provider: Provider, cast: Cast, *, now: datetime) -> int:
    """Create the provider's demo visits once; later runs create nothing."""
    organization = provider.organization
    if ServiceRequest.objects.filter(organization=organization).exists():
        return 0
    SCENARIOS[organization.slug](provider, cast, now=now.replace(minute=0, second=0, microsecond=0))
    return ServiceRequest.objects.filter(organization=organization).count()


def _completed(
    provider: Provider,
    *,
    customer,
    technician,
    by,
    summary: str,
    address: str,
    report: str,
    start: datetime,
    ticket: Ticket | None = None,
) -> ServiceRequest:
    """A visit booked, done and reported, dated when that happened."""
    visit = services.visit_request(
        customer=customer,
        organization=provider.organization,
        summary=summary,
        address=address,
        ticket=ticket,
    )
    end = start + timedelta(hours=2)
    services.visit_schedule(visit=visit, technician=technician, start=start, end=end, by=by)
    services.visit_start(visit=visit, by=technician)
    services.visit_complete(visit=visit, by=technician, report=report)
    ServiceRequest.objects.filter(pk=visit.pk).update(
        created_at=start - timedelta(days=1),
        started_at=start + timedelta(minutes=5),
        completed_at=end - timedelta(minutes=10),
    )
    visit.refresh_from_db()
    return visit


def _acme(provider: Provider, cast: Cast, *, now: datetime) -> None:
    staff = provider.staff
    reception, tom, tess = (
        staff["reception@example.com"],
        staff["tech1@example.com"],
        staff["tech2@example.com"],
    )
    chris, casey = cast.customers
    organization = provider.organization
    _completed(
        provider,
        customer=chris,
        technician=tom,
        by=reception,
        summary="Replace the boiler's expansion valve",
        address="14 Mill Lane, Leeds LS2 7QT",
        report="Valve replaced, system refilled to 1.5 bar, no leaks.",
        start=now - timedelta(days=1, hours=3),
        ticket=Ticket.objects.filter(
            organization=organization, customer=chris, subject="Boiler pressure keeps dropping"
        ).first(),
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


def _northside(provider: Provider, cast: Cast, *, now: datetime) -> None:
    nadia, pete = (
        provider.staff["manager@northside.example.com"],
        provider.staff["tech@northside.example.com"],
    )
    chris, casey = cast.customers
    _completed(
        provider,
        customer=casey,
        technician=pete,
        by=nadia,
        summary="Replace the shower mixer cartridge",
        address="3 Harbour Street, Whitby YO21 3PX",
        report="New cartridge fitted; hot and cold mix evenly again.",
        start=(now - timedelta(days=5)).replace(hour=13),
    )
    basin = services.visit_request(
        customer=chris,
        organization=provider.organization,
        summary="Replace the leaking joint under the bathroom basin",
        address="14 Mill Lane, Leeds LS2 7QT",
        ticket=Ticket.objects.filter(
            organization=provider.organization,
            customer=chris,
            subject="Leak under the bathroom basin",
        ).first(),
    )
    tomorrow_morning = (now + timedelta(days=1)).replace(hour=8)
    services.visit_schedule(
        visit=basin,
        technician=pete,
        start=tomorrow_morning,
        end=tomorrow_morning + timedelta(hours=1),
        by=nadia,
    )


SCENARIOS = {"acme": _acme, "northside": _northside}
