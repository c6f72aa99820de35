"""`manage.py seed_demo` leaves every sensitivity screen something to show, once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.demo import DEMO_CUSTOMERS
from accounts.models import Organization, User
from sensitivity import selectors
from sensitivity.models import Assessment, Audience, CallOutcome, ConfirmationCall, Stage
from technicians.models import ServiceRequest, VisitStatus

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(180)]


def test_the_demo_codes_customers_and_fills_both_providers_call_lists():
    call_command("seed_demo", stdout=StringIO())
    counts = (Assessment.objects.count(), ConfirmationCall.objects.count())
    call_command("seed_demo", stdout=StringIO())

    assert (Assessment.objects.count(), ConfirmationCall.objects.count()) == counts
    chris = User.objects.get(email=DEMO_CUSTOMERS[0][0])
    for organization in Organization.objects.filter(slug__in=["acme", "northside"]):
        assert organization.sensitivity_codes.count() == 24
        assert selectors.disposition(organization.pk, chris.pk, Audience.RECEPTION).codes
        assert selectors.pending_calls(organization.pk).exists()
        outcomes = set(selectors.recent_calls(organization.pk).values_list("outcome", flat=True))
        assert outcomes == {CallOutcome.SATISFIED, CallOutcome.DISSATISFIED}
        assert Assessment.objects.filter(organization=organization, stage=Stage.VISIT).exists()


def test_the_demos_reception_and_technician_see_codes_on_their_pages():
    call_command("seed_demo", stdout=StringIO())
    reception, tess = Client(), Client()
    reception.force_login(User.objects.get(email="reception@example.com"))
    tess.force_login(User.objects.get(email="tech2@example.com"))
    booked = ServiceRequest.objects.get(
        organization__slug="acme",
        technician__email="tech2@example.com",
        status=VisitStatus.SCHEDULED,
    )

    calls = reception.get(reverse("sensitivity:calls", args=["acme"])).content.decode()
    visit = tess.get(reverse("technicians:visit", args=[booked.pk])).content.decode()

    assert calls.count("data-call-form") == 2
    assert "Dissatisfied" in calls
    assert "Satisfied" in calls
    assert "How to serve this customer" in visit
    assert "Hard to reach by phone" in visit
