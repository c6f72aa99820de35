"""Demo sensitivity codes for `manage.py seed_demo`, after the provider's visits: its own copy
of the code table, intake codes on the customers who log in, and a few finished visits of
past customers, each coded at the desk and re-coded by its technician, so the desk, the visit
pages and the call list (some calls made, satisfied or not; some still to make) all show
something. The visits the field-service demo finished are re-coded and wait for their call."""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.demo import Cast, Provider
from accounts.models import AgentSkill, Role, User
from notifications.demo import untold
from technicians import services as visit_services
from technicians.models import ProductLine, ServiceRequest, VisitStatus

from . import services
from .models import Assessment, CallOutcome, ConfirmationCall, SensitivityCode, Stage


@dataclass(frozen=True)
class PastVisit:
    summary: str
    report: str
    intake: tuple[str, ...]  # what reception noted when the customer asked
    recode: tuple[str, ...]  # what the technician made of them
    outcome: str = ""  # of the confirmation call; "" while it is still to make
    reason: str = ""
    final: tuple[str, ...] = ()  # the codes after the call


PAST_VISITS = {
    "acme": [
        PastVisit(
            "The boiler won't fire again",
            "Ignition electrode replaced; fired and ran for 30 minutes.",
            ("N2", "E1"),
            ("N2", "N3"),
            CallOutcome.DISSATISFIED,
            "Third visit this winter; wants a new boiler quoted.",
            ("N2", "N9"),
        ),
        PastVisit(
            "Hob ring doesn't heat",
            "Ring element and its switch replaced.",
            ("E6",),
            ("P2",),
            CallOutcome.SATISFIED,
            "",
            ("P2", "P4"),
        ),
        PastVisit(
            "Sockets in the kitchen are dead",
            "Tripped RCD traced to the kettle; reset and tested.",
            ("E7", "E8"),
            ("E8",),
        ),
    ],
    "northside": [
        PastVisit(
            "Kitchen tap drips",
            "Washer and O-rings replaced.",
            ("E6",),
            ("P1",),
            CallOutcome.SATISFIED,
            "",
            ("P1",),
        ),
        PastVisit(
            "Low pressure in the shower",
            "Shower head descaled; pressure from the mains is low.",
            ("N1",),
            ("N3", "N1"),
            CallOutcome.DISSATISFIED,
            "Still weak in the mornings.",
            ("N3",),
        ),
    ],
}
# The customers who log in, as reception coded them when they last called.
INTAKE = {"acme": [("E1", "E6"), ("N6",)], "northside": [("P3",), ("E7",)]}


def seed_sensitivity(provider: Provider, cast: Cast, *, now: datetime) -> int:
    """Code the provider's customers once; later runs create nothing."""
    organization = provider.organization
    if Assessment.objects.filter(organization=organization).exists():
        return 0
    services.table_for(organization)
    desk = (provider.with_role(Role.RECEPTIONIST) or provider.with_role(Role.MANAGER))[0]
    table = {c.code: c for c in SensitivityCode.objects.filter(organization=organization)}

    def code(*texts: str) -> list[SensitivityCode]:
        return [table[text] for text in texts]

    for customer, codes in zip(cast.customers, INTAKE[organization.slug], strict=True):
        services.assessment_record(
            organization=organization,
            customer=customer,
            codes=code(*codes),
            stage=Stage.INTAKE,
            by=desk,
            now=now - timedelta(days=2),
        )
    for visit in ServiceRequest.objects.filter(
        organization=organization, status=VisitStatus.COMPLETED
    ).select_related("technician", "customer"):
        _recode_and_open_call(visit, code("E1", "P2"))
    past_customers = cast.neighbours[: len(PAST_VISITS[organization.slug])]
    for days_ago, (past, customer) in enumerate(
        zip(PAST_VISITS[organization.slug], past_customers, strict=True), start=2
    ):
        # Days ago: whoever these visits concerned heard of them then.
        with untold():
            visit = _finished_visit(provider, desk, customer, past, now - timedelta(days=days_ago))
        services.assessment_record(
            organization=organization,
            customer=customer,
            codes=code(*past.intake),
            stage=Stage.INTAKE,
            by=desk,
            visit=visit,
            now=visit.created_at,
        )
        call = _recode_and_open_call(visit, code(*past.recode))
        if past.outcome:
            services.call_record(
                call=call,
                by=desk,
                outcome=past.outcome,
                codes=code(*past.final),
                reason=past.reason,
                now=visit.completed_at + timedelta(hours=20),
            )
    return (
        Assessment.objects.filter(organization=organization).count()
        + ConfirmationCall.objects.filter(organization=organization).count()
    )


def _recode_and_open_call(visit: ServiceRequest, codes: list[SensitivityCode]):
    """The technician's re-code as they finished, and the visit on the call list since."""
    services.assessment_record(
        organization=visit.organization,
        customer=visit.customer,
        codes=codes,
        stage=Stage.VISIT,
        by=visit.technician,
        visit=visit,
        now=visit.completed_at,
    )
    call = services.call_open(visit)
    ConfirmationCall.objects.filter(pk=call.pk).update(created_at=visit.completed_at)
    return call


def _finished_visit(
    provider: Provider, desk: User, customer: User, past: PastVisit, day: datetime
) -> ServiceRequest:
    """A past customer's visit, booked, worked and reported, dated that afternoon."""
    organization = provider.organization
    technicians = provider.with_role(Role.TECHNICIAN)
    technician = technicians[len(past.summary) % len(technicians)]
    skills = AgentSkill.objects.filter(
        membership__user=technician, membership__organization=organization
    ).values_list("skill", flat=True)
    product = ProductLine.objects.filter(organization=organization, skill__in=skills).first()
    start = day.astimezone(zoneinfo.ZoneInfo(organization.timezone)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    visit = visit_services.visit_request(
        customer=customer,
        organization=organization,
        summary=past.summary,
        address="7 Church Street, Leeds",
        postal_code="LS2 8AB",
        product=product,
        symptoms=past.summary,
    )
    end = start + timedelta(hours=1)
    visit_services.visit_schedule(visit=visit, technician=technician, start=start, end=end, by=desk)
    for step in ("on_the_way", "arrived", "in_progress"):
        visit_services.visit_step(visit=visit, step=step, by=technician)
    visit_services.visit_complete(
        visit=visit, by=technician, report=past.report, time_spent_minutes=50
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
