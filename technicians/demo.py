"""Demo field service for `manage.py seed_demo`: at each provider a branch office, areas,
product lines and its technicians' profiles, skills and hours; and visits: one completed
(dated when it was done), one booked and, at Acme, one waiting for a time."""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from accounts.demo import Cast, Provider
from accounts.models import Membership, User
from tickets.models import Ticket

from . import services
from .models import ProductLine, ServiceRequest


@dataclass(frozen=True)
class Technician:
    areas: list[str]
    skills: list[str]
    introduction: str
    years: int
    weekdays: range


@dataclass(frozen=True)
class FieldService:
    office: tuple[str, str, str]  # name, address, phone
    areas: dict[str, list[str]]  # name -> postal-code prefixes
    products: dict[str, str]  # skill -> name
    technicians: dict[str, Technician]  # email -> what they do


SETUPS = {
    "acme": FieldService(
        office=("Yorkshire", "1 Park Row, Leeds", "+441134960000"),
        areas={"Leeds": ["LS1", "LS2", "LS6"], "Whitby": ["YO21", "YO22"]},
        products={"boilers": "Boilers", "ovens": "Ovens and hobs", "electrics": "Electrics"},
        technicians={
            "tech1@example.com": Technician(
                ["Leeds"],
                ["boilers", "electrics"],
                "Gas Safe registered; twenty years of boilers, and patient with old ones.",
                20,
                range(5),
            ),
            "tech2@example.com": Technician(
                ["Leeds", "Whitby"],
                ["ovens", "electrics"],
                "Ovens, hobs and the wiring behind them. I explain what I do as I go.",
                8,
                range(6),
            ),
            "tech3@example.com": Technician(
                ["Whitby"],
                ["boilers", "ovens"],
                "New to the team, trained on every boiler we service.",
                2,
                range(1, 6),
            ),
        },
    ),
    "northside": FieldService(
        office=("Northside", "22 Kirkgate, Leeds", "+441134960111"),
        areas={"Leeds and Whitby": ["LS", "YO21"]},
        products={"plumbing": "Taps, pipes and showers"},
        technicians={
            "tech@northside.example.com": Technician(
                ["Leeds and Whitby"],
                ["plumbing"],
                "Plumber for fifteen years; I leave a bathroom as I found it.",
                15,
                range(5),
            ),
        },
    ),
}


def seed_visits(provider: Provider, cast: Cast, *, now: datetime) -> int:
    """Create the provider's demo set-up and visits once; later runs create nothing."""
    organization = provider.organization
    if ServiceRequest.objects.filter(organization=organization).exists():
        return 0
    manager = provider.with_role("manager")[0]
    products = _seed_setup(provider, manager, SETUPS[organization.slug])
    zone = zoneinfo.ZoneInfo(organization.timezone)
    today = now.astimezone(zone).date()

    def local(day_offset: int, hour: int) -> datetime:
        return datetime.combine(today + timedelta(days=day_offset), time(hour), tzinfo=zone)

    SCENARIOS[organization.slug](provider, cast, products, local)
    return ServiceRequest.objects.filter(organization=organization).count()


def _completed(
    provider: Provider,
    *,
    technician: User,
    by: User,
    start: datetime,
    end: datetime,
    report: str,
    parts_used: str,
    **request,
) -> ServiceRequest:
    """A visit booked, worked step by step and reported, dated when that happened."""
    visit = services.visit_request(organization=provider.organization, **request)
    services.visit_schedule(visit=visit, technician=technician, start=start, end=end, by=by)
    for step in ("on_the_way", "arrived", "in_progress"):
        services.visit_step(visit=visit, step=step, by=technician)
    services.visit_complete(
        visit=visit,
        by=technician,
        report=report,
        parts_used=parts_used,
        time_spent_minutes=int((end - start).total_seconds() // 60) - 10,
    )
    ServiceRequest.objects.filter(pk=visit.pk).update(
        created_at=start - timedelta(days=1),
        on_the_way_at=start - timedelta(minutes=20),
        arrived_at=start,
        started_at=start + timedelta(minutes=5),
        completed_at=end - timedelta(minutes=10),
    )
    visit.refresh_from_db()
    return visit


def _acme(provider: Provider, cast: Cast, products: dict, local) -> None:
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
        technician=tom,
        by=reception,
        start=local(-1, 9),
        end=local(-1, 11),
        report="Valve replaced, system refilled to 1.5 bar, no leaks.",
        parts_used="Expansion valve 3/4in",
        customer=chris,
        summary="Replace the boiler's expansion valve",
        address="14 Mill Lane, Leeds",
        postal_code="LS2 7QT",
        product=products["boilers"],
        symptoms="Pressure drops overnight; the valve hisses.",
        ticket=Ticket.objects.filter(
            organization=organization, customer=chris, subject="Boiler pressure keeps dropping"
        ).first(),
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
    # Tom's next visit, so his day and the visit page he works from have something on them.
    radiator = services.visit_request(
        customer=chris,
        organization=organization,
        summary="The radiator in the hall stays cold",
        address="14 Mill Lane, Leeds",
        postal_code="LS2 7QT",
        product=products["boilers"],
        symptoms="The hall radiator is cold at the top; the others are warm.",
        customer_notes="Parking is behind the house.",
    )
    services.visit_schedule(
        visit=radiator, technician=tom, start=local(1, 14), end=local(1, 15), by=reception
    )
    services.visit_request(
        customer=casey,
        organization=organization,
        summary="Fit two sockets in the garage",
        address="3 Harbour Street, Whitby",
        postal_code="YO21 3PX",
        product=products["electrics"],
    )


def _northside(provider: Provider, cast: Cast, products: dict, local) -> None:
    nadia, pete = (
        provider.staff["manager@northside.example.com"],
        provider.staff["tech@northside.example.com"],
    )
    chris, casey = cast.customers
    _completed(
        provider,
        technician=pete,
        by=nadia,
        start=local(-5, 13),
        end=local(-5, 14),
        report="New cartridge fitted; hot and cold mix evenly again.",
        parts_used="Thermostatic cartridge",
        customer=casey,
        summary="Replace the shower mixer cartridge",
        address="3 Harbour Street, Whitby",
        postal_code="YO21 3PX",
        product=products["plumbing"],
    )
    basin = services.visit_request(
        customer=chris,
        organization=provider.organization,
        summary="Replace the leaking joint under the bathroom basin",
        address="14 Mill Lane, Leeds",
        postal_code="LS2 7QT",
        product=products["plumbing"],
        ticket=Ticket.objects.filter(
            organization=provider.organization,
            customer=chris,
            subject="Leak under the bathroom basin",
        ).first(),
    )
    services.visit_schedule(
        visit=basin, technician=pete, start=local(1, 8), end=local(1, 9), by=nadia
    )


SCENARIOS = {"acme": _acme, "northside": _northside}


def _seed_setup(provider: Provider, manager: User, setup: FieldService) -> dict[str, ProductLine]:
    organization = provider.organization
    name, address, phone = setup.office
    office = services.branch_office_save(
        organization=organization, by=manager, name=name, address=address, phone=phone
    )
    areas = {
        name: services.service_area_save(
            organization=organization, by=manager, name=name, branch_office=office, prefixes=codes
        )
        for name, codes in setup.areas.items()
    }
    products = {
        skill: services.product_line_save(
            organization=organization, by=manager, name=name, skill=skill
        )
        for skill, name in setup.products.items()
    }
    for email, technician in setup.technicians.items():
        membership = Membership.objects.get(user=provider.staff[email], organization=organization)
        profile = services.technician_profile_save(
            membership=membership,
            by=manager,
            areas=[areas[name] for name in technician.areas],
            introduction=technician.introduction,
            years_of_experience=technician.years,
        )
        services.technician_skills_set(
            profile=profile,
            product_lines=[products[skill] for skill in technician.skills],
            by=manager,
        )
        services.working_hours_set(
            profile=profile,
            hours=[
                (day, time(8), time(12)) if day == 5 else (day, time(8), time(17))
                for day in technician.weekdays
            ],
            by=manager,
        )
    return products
