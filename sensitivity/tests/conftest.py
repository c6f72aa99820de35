from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import staff
from technicians.models import VisitStatus
from technicians.tests.factories import VisitFactory, completed_visit, product


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def other_technician(organization):
    return staff(
        organization, Role.TECHNICIAN, email="tess@acme.example", full_name="Tess Technician"
    )


@pytest.fixture
def working_visit(organization, customer, technician):
    """The technician is at the customer's, working."""
    start = timezone.now() - timedelta(minutes=30)
    return VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        product=product(organization, "boilers"),
        status=VisitStatus.IN_PROGRESS,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
        started_at=start,
    )


@pytest.fixture
def finished_visit(organization, customer, technician):
    return completed_visit(
        organization, customer=customer, technician=technician, product=product(organization)
    )
