"""Whatever shape a body or a query takes, the sensitivity API and call form answer 4xx,
never 500, and change nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from sensitivity.models import ConfirmationCall

from .conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations/acme/sensitivity"
ODD = [None, "", "x" * 5000, 0, -1, 10**20, 1.5, True, [], [None], [[1]], {}, {"a": 1}, "\u0000"]


@pytest.mark.parametrize("value", ODD, ids=repr)
@pytest.mark.parametrize(
    ("address", "field"),
    [
        ("/assessments/", "customer"),
        ("/assessments/", "codes"),
        ("/assessments/", "stage"),
        ("/assessments/", "visit"),
        ("/assessments/", "ticket"),
        ("/assessments/", "note"),
        ("/codes/", "category"),
        ("/codes/", "code"),
        ("/codes/", "guidance"),
        ("/calls/{call}/", "outcome"),
        ("/calls/{call}/", "codes"),
        ("/calls/{call}/", "reason"),
    ],
)
def test_an_odd_value_in_any_field_is_a_4xx(
    organization, customer, manager, finished_visit, address, field, value
):
    call = ConfirmationCall.objects.create(
        organization=organization, visit=finished_visit, customer=customer
    )
    body = {
        "customer": customer.pk,
        "codes": ["N2"],
        "stage": "intake",
        "category": "negative",
        "code": "N40",
        "label": "New",
        "outcome": "satisfied",
        field: value,
    }

    response = client_for(manager).post(API + address.format(call=call.pk), body, format="json")

    assert 400 <= response.status_code < 500, response.content[:300]


@pytest.mark.parametrize("value", ["", "x", "-1", "1e9", "99999999999999999999", "\u0000", "1,2"])
@pytest.mark.parametrize(
    "address", ["/assessments/?customer={v}", "/customers/{v}/disposition/", "/codes/?active={v}"]
)
def test_an_odd_id_or_flag_in_the_address_is_a_4xx_or_an_answer(manager, address, value):
    response = client_for(manager).get(API + address.format(v=value))

    assert response.status_code < 500, response.content[:300]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"outcome": "nonsense"},
        {"outcome": "satisfied", "sensitivity_codes": ["x" * 500, "-1", "99999999999999999999"]},
        {"outcome": "dissatisfied", "sensitivity_codes_typed": "\u0000 N2"},
        {"outcome": "further_request", "reason": "x" * 5000, "sensitivity_codes_typed": "N2"},
    ],
    ids=repr,
)
def test_an_odd_call_form_comes_back_with_its_errors(
    organization, customer, receptionist, finished_visit, body
):
    call = ConfirmationCall.objects.create(
        organization=organization, visit=finished_visit, customer=customer
    )
    client = Client()
    client.force_login(receptionist)

    response = client.post(reverse("sensitivity:call-record", args=["acme", call.pk]), body)

    assert response.status_code == 400
    call.refresh_from_db()
    assert call.status == "pending"
