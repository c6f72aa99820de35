import itertools
from datetime import time, timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AgentSkill, Membership, Role
from accounts.tests.factories import CustomerFactory, OrganizationFactory, staff
from technicians.models import (
    BranchOffice,
    PostalPrefix,
    ProductLine,
    ServiceArea,
    ServiceRequest,
    TechnicianProfile,
    TimeOff,
    VisitStatus,
    WorkingHours,
)


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit as stored, skipping the services: requested, with nobody booked yet."""

    class Meta:
        model = ServiceRequest

    organization = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(CustomerFactory)
    summary = factory.Sequence(lambda n: f"Service the boiler ({n})")
    address = "12 Station Road, Leeds"


# Each completed visit gets its own hour further back, two hours apart since the clock moves
# between calls, so one technician's visits never overlap (PostgreSQL refuses that).
_earlier = itertools.count()


def completed_visit(organization, *, customer=None, technician=None, **fields) -> ServiceRequest:
    """A visit its technician finished an hour ago."""
    now = timezone.now()
    start = now - timedelta(hours=3 + 2 * next(_earlier))
    return VisitFactory(
        organization=organization,
        customer=customer or CustomerFactory(),
        technician=technician or staff(organization, Role.TECHNICIAN),
        status=VisitStatus.COMPLETED,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
        started_at=now - timedelta(hours=3),
        completed_at=now - timedelta(hours=1),
        report="Replaced the pressure valve.",
        **fields,
    )


def booked_visit(technician, start, *, minutes=60, **fields) -> ServiceRequest:
    """A visit booked straight into the technician's day, skipping the services."""
    membership = Membership.objects.select_related("organization").get(
        user=technician, role=Role.TECHNICIAN
    )
    fields.setdefault("status", VisitStatus.SCHEDULED)
    return VisitFactory(
        organization=membership.organization,
        technician=technician,
        scheduled_start=start,
        scheduled_end=start + timedelta(minutes=minutes),
        **fields,
    )


class BranchOfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BranchOffice

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Office {n}")


def area(organization, *prefixes, name=None, office=None) -> ServiceArea:
    """An area of `organization` with these (normalized) postal-code prefixes."""
    office = office or BranchOfficeFactory(organization=organization)
    made = ServiceArea.objects.create(
        organization=organization,
        branch_office=office,
        name=name or f"Area {'/'.join(prefixes)}",
    )
    PostalPrefix.objects.bulk_create(
        PostalPrefix(organization=organization, area=made, prefix=prefix) for prefix in prefixes
    )
    return made


def product(organization, skill="boilers", name=None) -> ProductLine:
    return ProductLine.objects.get_or_create(
        organization=organization, skill=skill, defaults={"name": name or skill.title()}
    )[0]


WEEKDAYS = range(7)


def bookable(
    organization,
    *,
    areas=(),
    skills=("boilers",),
    hours=(time(8), time(17)),
    weekdays=WEEKDAYS,
    technician=None,
    **user_fields,
):
    """A technician of `organization` covering `areas`, with `skills`, working `hours`
    (local time) on `weekdays` (every day unless given). Returns the user."""
    user = technician or staff(organization, Role.TECHNICIAN, **user_fields)
    membership = Membership.objects.get(user=user, organization=organization)
    profile, _created = TechnicianProfile.objects.get_or_create(
        membership=membership, defaults={"organization": organization}
    )
    profile.areas.add(*areas)
    AgentSkill.objects.bulk_create(
        [AgentSkill(membership=membership, skill=skill) for skill in skills],
        ignore_conflicts=True,
    )
    if hours is not None:
        WorkingHours.objects.bulk_create(
            WorkingHours(technician=profile, weekday=day, start=hours[0], end=hours[1])
            for day in weekdays
        )
    return user


def time_off(technician, start, end, reason="") -> TimeOff:
    profile = TechnicianProfile.objects.get(membership__user=technician)
    return TimeOff.objects.create(technician=profile, start=start, end=end, reason=reason)


def profile_of(technician) -> TechnicianProfile:
    return TechnicianProfile.objects.select_related("membership__user", "organization").get(
        membership__user=technician
    )


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def picture(name: str = "boiler.jpg", content: bytes = JPEG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")
