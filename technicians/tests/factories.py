from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import CustomerFactory, OrganizationFactory, staff
from technicians.models import ServiceRequest, VisitStatus


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit as stored, skipping the services: requested, with nobody booked yet."""

    class Meta:
        model = ServiceRequest

    organization = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(CustomerFactory)
    summary = factory.Sequence(lambda n: f"Service the boiler ({n})")
    address = "12 Station Road, Leeds"


def completed_visit(organization, *, customer=None, technician=None, **fields) -> ServiceRequest:
    """A visit its technician finished an hour ago."""
    now = timezone.now()
    return VisitFactory(
        organization=organization,
        customer=customer or CustomerFactory(),
        technician=technician or staff(organization, Role.TECHNICIAN),
        status=VisitStatus.COMPLETED,
        scheduled_start=now - timedelta(hours=3),
        scheduled_end=now - timedelta(hours=2),
        started_at=now - timedelta(hours=3),
        completed_at=now - timedelta(hours=1),
        report="Replaced the pressure valve.",
        **fields,
    )
