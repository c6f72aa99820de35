"""`manage.py seed_demo` leaves every sensitivity screen something to show, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_CUSTOMERS
from accounts.models import Organization, User
from sensitivity import selectors
from sensitivity.models import Assessment, Audience, CallOutcome, ConfirmationCall, Stage

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
