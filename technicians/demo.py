"""Demo field service for `manage.py seed_demo`: one branch office with two areas, three
product lines, the technicians' profiles, skills and hours, and three visits (one completed,
one booked, one waiting for a time)."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from accounts.models import Membership, Organization, User
from tickets.models import Ticket

from . import services
from .models import ServiceRequest

AREAS = {"Leeds": ["LS1", "LS2", "LS6"], "Whitby": ["YO21", "YO22"]}
PRODUCTS = {"boilers": "Boilers", "ovens": "Ovens and hobs", "electrics": "Electrics"}
# email -> (areas, skills, introduction, years, weekdays worked)
TECHNICIANS = {
    "tech1@example.com": (
        ["Leeds"],
        ["boilers", "electrics"],
        "Gas Safe registered; twenty years of boilers, and patient with old ones.",
        20,
        range(5),
    ),
    "tech2@example.com": (
        ["Leeds", "Whitby"],
        ["ovens", "electrics"],
        "Ovens, hobs and the wiring behind them. I explain what I do as I go.",
        8,
        range(6),
    ),
    "tech3@example.com": (
        ["Whitby"],
        ["boilers", "ovens"],
        "New to the team, trained on every boiler we service.",
        2,
        range(1, 6),
    ),
}


def seed_visits(organization: Organization, staff: dict[str, User], customers: list[User]) -> int:
    """Create the demo set-up and visits once; later runs create nothing."""
    if ServiceRequest.objects.filter(organization=organization).exists():
        return 0
    products = _seed_setup(organization, staff["manager@example.com"], staff)
    reception, tom, tess = (
        staff["reception@example.com"],
        staff["tech1@example.com"],
        staff["tech2@example.com"],
    )
    chris, casey = customers
    zone = zoneinfo.ZoneInfo(organization.timezone)
    today = timezone.now().astimezone(zone).date()

    def local(day_offset: int, hour: int) -> datetime:
        return datetime.combine(today + timedelta(days=day_offset), time(hour), tzinfo=zone)

    boiler = services.visit_request(
        customer=chris,
        organization=organization,
        summary="Replace the boiler's expansion valve",
        address="14 Mill Lane, Leeds",
        postal_code="LS2 7QT",
        product=products["boilers"],
        symptoms="Pressure drops overnight; the valve hisses.",
        ticket=Ticket.objects.filter(organization=organization, customer=chris)
        .order_by("-resolved_at")
        .first(),
    )
    services.visit_schedule(
        visit=boiler, technician=tom, start=local(-1, 9), end=local(-1, 11), by=reception
    )
    for step in ("on_the_way", "arrived", "in_progress"):
        services.visit_step(visit=boiler, step=step, by=tom)
    services.visit_complete(
        visit=boiler,
        by=tom,
        report="Valve replaced, system refilled to 1.5 bar, no leaks.",
        parts_used="Expansion valve 3/4in",
        time_spent_minutes=95,
    )

    oven = services.visit_request(
        customer=casey,
        organization=organization,
        summary="Oven trips the fuse when it heats up",
        address="3 Harbour Street, Whitby",
        postal_code="YO21 3PX",
        product=products["ovens"],
        symptoms="The fuse trips about ten minutes after the oven is switched on.",
        customer_notes="Ring twice; the bell is quiet.",
    )
    services.visit_schedule(
        visit=oven, technician=tess, start=local(1, 9), end=local(1, 11), by=reception
    )

    services.visit_request(
        customer=casey,
        organization=organization,
        summary="Fit two sockets in the garage",
        address="3 Harbour Street, Whitby",
        postal_code="YO21 3PX",
        product=products["electrics"],
    )
    return ServiceRequest.objects.filter(organization=organization).count()


def _seed_setup(organization: Organization, manager: User, staff: dict[str, User]) -> dict:
    office = services.branch_office_save(
        organization=organization,
        by=manager,
        name="Yorkshire",
        address="1 Park Row, Leeds",
        phone="+441134960000",
    )
    areas = {
        name: services.service_area_save(
            organization=organization, by=manager, name=name, branch_office=office, prefixes=codes
        )
        for name, codes in AREAS.items()
    }
    products = {
        skill: services.product_line_save(
            organization=organization, by=manager, name=name, skill=skill
        )
        for skill, name in PRODUCTS.items()
    }
    for email, (area_names, skills, introduction, years, weekdays) in TECHNICIANS.items():
        membership = Membership.objects.get(user=staff[email], organization=organization)
        profile = services.technician_profile_save(
            membership=membership,
            by=manager,
            areas=[areas[name] for name in area_names],
            introduction=introduction,
            years_of_experience=years,
        )
        services.technician_skills_set(
            profile=profile, product_lines=[products[skill] for skill in skills], by=manager
        )
        services.working_hours_set(
            profile=profile,
            hours=[
                (day, time(8), time(12)) if day == 5 else (day, time(8), time(17))
                for day in weekdays
            ],
            by=manager,
        )
    return products
