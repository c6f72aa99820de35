"""The API's wiring: the table for who picks from it and its managers' changes, a customer's
assessments and codes for who may read them (each read logged), the call list; 400s naming
the field, the same 404 for missing and forbidden, list query counts that don't grow."""

import pytest

from accounts.tests.factories import CustomerFactory
from sensitivity.models import (
    Assessment,
    CallOutcome,
    CallStatus,
    CodeRead,
    ConfirmationCall,
    Place,
    SensitivityCode,
    Stage,
)
from sensitivity.tests.conftest import client_for
from sensitivity.tests.factories import assessed, codes
from technicians.models import ServiceRequest
from technicians.tests.factories import completed_visit

pytestmark = pytest.mark.django_db

BASE = "/api/v1/organizations/acme/sensitivity"


def code_body(**fields) -> dict:
    return {
        "category": "negative",
        "code": "N20",
        "label": "Worried about the noise",
        "description": "Mentions the neighbours.",
        "guidance": {"reception": "Book a quiet hour.", "technician": "Work quietly."},
        **fields,
    }


# The code table ------------------------------------------------------------------------------


def test_the_table_is_the_organizations_copy_in_table_order(organization, receptionist):
    response = client_for(receptionist).get(f"{BASE}/codes/?page_size=200")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["category"] for row in results[:1]] == ["positive"]
    assert results[-1]["category"] == "negative"
    assert SensitivityCode.objects.filter(organization=organization).count() == len(results)
    first = results[0]
    assert first["code"] == "P1"
    assert first["label"] == "Asked for a convenient visit time"
    assert set(first["guidance"]) == {"reception", "technician", "confirmation"}


def test_a_technician_reads_only_the_technicians_guidance_in_the_table(technician):
    response = client_for(technician).get(f"{BASE}/codes/")

    assert response.status_code == 200
    assert set(response.json()["results"][0]["guidance"]) == {"technician"}


def test_the_table_can_list_only_the_codes_in_use(organization, receptionist):
    retired = codes(organization, "N9")[0]
    SensitivityCode.objects.filter(pk=retired.pk).update(is_active=False)

    response = client_for(receptionist).get(f"{BASE}/codes/?active=true&page_size=200")

    assert "N9" not in {row["code"] for row in response.json()["results"]}


def test_a_manager_adds_a_code_with_its_guidance(organization, manager):
    response = client_for(manager).post(f"{BASE}/codes/", code_body(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "N20"
    assert body["guidance"] == {"reception": "Book a quiet hour.", "technician": "Work quietly."}
    assert SensitivityCode.objects.get(organization=organization, code="N20").is_active


def test_a_code_already_in_the_table_is_a_400_naming_code(organization, manager):
    codes(organization, "N2")

    response = client_for(manager).post(f"{BASE}/codes/", code_body(code="n2"), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["code"]
    assert SensitivityCode.objects.filter(organization=organization, code="N2").count() == 1


def test_bad_input_is_a_400_naming_the_field(manager):
    client = client_for(manager)

    bad_code = client.post(f"{BASE}/codes/", code_body(code="N 2!"), format="json")
    unknown = client.post(f"{BASE}/codes/", code_body(colour="red"), format="json")
    long_guidance = client.post(
        f"{BASE}/codes/", code_body(guidance={"confirmation": "x" * 1001}), format="json"
    )

    assert list(bad_code.json()["fields"]) == ["code"]
    assert list(unknown.json()["fields"]) == ["colour"]
    assert list(long_guidance.json()["fields"]) == ["guidance"]
    assert "confirmation" in long_guidance.json()["fields"]["guidance"]


def test_a_manager_retires_a_code_and_what_the_body_leaves_out_keeps_its_value(
    organization, manager
):
    code = codes(organization, "N7")[0]
    before = {k.audience: k.text for k in code.knacks.all()}

    response = client_for(manager).patch(
        f"{BASE}/codes/{code.pk}/",
        {"is_active": False, "guidance": {"reception": "Say sorry first."}},
        format="json",
    )

    assert response.status_code == 200
    code.refresh_from_db()
    assert code.is_active is False
    assert code.label == "Impatient"
    after = {k.audience: k.text for k in code.knacks.all()}
    assert after == {**before, "reception": "Say sorry first."}


def test_another_organizations_code_is_a_404(organization, other_organization, manager):
    theirs = codes(other_organization, "N7")[0]

    response = client_for(manager).patch(
        f"{BASE}/codes/{theirs.pk}/", {"label": "Mine now"}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.label == "Impatient"


def test_only_managers_change_the_table(organization, receptionist, technician):
    code = codes(organization, "N7")[0]

    for user in (receptionist, technician):
        client = client_for(user)
        assert client.post(f"{BASE}/codes/", code_body(), format="json").status_code == 404
        response = client.patch(f"{BASE}/codes/{code.pk}/", {"label": "x"}, format="json")
        assert response.status_code == 404

    assert not SensitivityCode.objects.filter(code="N20").exists()
    code.refresh_from_db()
    assert code.label == "Impatient"


def test_the_table_query_count_does_not_grow_with_the_page(
    organization, receptionist, django_assert_max_num_queries
):
    client = client_for(receptionist)
    client.get(f"{BASE}/codes/?page_size=2")

    with django_assert_max_num_queries(6):
        small = client.get(f"{BASE}/codes/?page_size=2")
    with django_assert_max_num_queries(6):
        large = client.get(f"{BASE}/codes/?page_size=200")

    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) > 20


# Assessments and the disposition -------------------------------------------------------------


def test_reception_reads_a_customers_history_and_the_read_is_logged(
    organization, customer, receptionist
):
    assessed(organization, customer, "N7", minutes_ago=30)
    assessed(organization, customer, "P2", stage=Stage.VISIT, minutes_ago=5)

    response = client_for(receptionist).get(f"{BASE}/assessments/?customer={customer.pk}")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [[c["code"] for c in row["codes"]] for row in results] == [["P2"], ["N7"]]
    assert [row["stage"] for row in results] == ["visit", "intake"]
    read = CodeRead.objects.get()
    assert (read.reader, read.customer, read.place) == (receptionist, customer, Place.API)


def test_the_history_needs_a_customer(receptionist):
    missing = client_for(receptionist).get(f"{BASE}/assessments/")
    bad = client_for(receptionist).get(f"{BASE}/assessments/?customer=abc")

    assert missing.status_code == 400
    assert list(missing.json()["fields"]) == ["customer"]
    assert list(bad.json()["fields"]) == ["customer"]
    assert not CodeRead.objects.exists()


def test_the_history_query_count_does_not_grow_with_the_page(
    organization, customer, receptionist, django_assert_max_num_queries
):
    client = client_for(receptionist)
    for minutes in range(3):
        assessed(organization, customer, "N7", "E1", minutes_ago=minutes)
    with django_assert_max_num_queries(7):
        client.get(f"{BASE}/assessments/?customer={customer.pk}")

    for minutes in range(3, 30):
        assessed(organization, customer, "N2", "P1", "E4", minutes_ago=minutes)
    with django_assert_max_num_queries(7):
        response = client.get(f"{BASE}/assessments/?customer={customer.pk}")

    assert len(response.json()["results"]) == 30


def test_reception_records_an_intake_by_typed_codes(organization, customer, receptionist):
    response = client_for(receptionist).post(
        f"{BASE}/assessments/",
        {"customer": customer.pk, "codes": ["n7", "E1"], "stage": "intake", "note": "Rang twice"},
        format="json",
    )

    assert response.status_code == 201
    assessment = Assessment.objects.get()
    assert sorted(c.code for c in assessment.codes.all()) == ["E1", "N7"]
    assert (assessment.by, assessment.stage, assessment.note) == (
        receptionist,
        "intake",
        "Rang twice",
    )


def test_codes_may_be_given_by_id(organization, customer, receptionist):
    picked = codes(organization, "P1")[0]

    response = client_for(receptionist).post(
        f"{BASE}/assessments/",
        {"customer": customer.pk, "codes": [picked.pk], "stage": "intake"},
        format="json",
    )

    assert response.status_code == 201
    assert [c["code"] for c in response.json()["codes"]] == ["P1"]


def test_an_unknown_code_is_a_400_naming_codes(organization, customer, receptionist):
    response = client_for(receptionist).post(
        f"{BASE}/assessments/",
        {"customer": customer.pk, "codes": ["Z99"], "stage": "intake"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["codes"]
    assert "Z99" in response.json()["detail"]
    assert not Assessment.objects.exists()


def test_the_technician_recodes_after_the_visit_through_the_api(
    organization, customer, technician, working_visit
):
    response = client_for(technician).post(
        f"{BASE}/assessments/",
        {"customer": customer.pk, "codes": ["P2"], "stage": "visit", "visit": working_visit.pk},
        format="json",
    )

    assert response.status_code == 201
    assessment = Assessment.objects.get()
    assert (assessment.stage, assessment.visit, assessment.by) == (
        Stage.VISIT,
        working_visit,
        technician,
    )


def test_a_technician_codes_at_no_other_stage(organization, customer, technician, working_visit):
    response = client_for(technician).post(
        f"{BASE}/assessments/",
        {"customer": customer.pk, "codes": ["P2"], "stage": "intake"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["stage"]
    assert not Assessment.objects.exists()


def test_a_technician_codes_no_customer_they_have_no_visit_with(
    organization, technician, working_visit
):
    stranger = CustomerFactory()

    response = client_for(technician).post(
        f"{BASE}/assessments/",
        {"customer": stranger.pk, "codes": ["P2"], "stage": "visit", "visit": working_visit.pk},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["customer"]
    assert not Assessment.objects.exists()


def test_another_technicians_visit_is_a_400_naming_visit(
    organization, customer, technician, other_technician, working_visit
):
    theirs = completed_visit(organization, customer=customer, technician=other_technician)

    response = client_for(technician).post(
        f"{BASE}/assessments/",
        {"customer": customer.pk, "codes": ["P2"], "stage": "visit", "visit": theirs.pk},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["visit"]
    assert not Assessment.objects.exists()


def test_the_disposition_carries_the_guidance_for_the_callers_audience(
    organization, customer, receptionist, technician, working_visit
):
    assessed(organization, customer, "N6")

    desk = client_for(receptionist).get(f"{BASE}/customers/{customer.pk}/disposition/").json()
    field = client_for(technician).get(f"{BASE}/customers/{customer.pk}/disposition/").json()

    assert desk["audience"] == "reception"
    assert desk["category"] == "negative"
    assert desk["codes"][0]["code"] == "N6"
    assert desk["codes"][0]["guidance"].startswith("Confirm a second number")
    assert field["audience"] == "technician"
    assert field["codes"][0]["guidance"].startswith("Send a message when you set off")
    assert [(r.reader_id, r.place) for r in CodeRead.objects.order_by("pk")] == [
        (receptionist.pk, Place.API),
        (technician.pk, Place.API),
    ]


def test_a_customer_nobody_may_read_is_the_same_404_as_a_missing_one(
    organization, customer, technician
):
    assessed(organization, customer, "N6")
    client = client_for(technician)

    forbidden = client.get(f"{BASE}/customers/{customer.pk}/disposition/")
    missing = client.get(f"{BASE}/customers/999999/disposition/")

    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    assert not CodeRead.objects.exists()


# Confirmation calls --------------------------------------------------------------------------


def pending_call(organization, customer=None, technician=None) -> ConfirmationCall:
    visit = completed_visit(
        organization, customer=customer or CustomerFactory(), technician=technician
    )
    return ConfirmationCall.objects.create(
        organization=organization, visit=visit, customer=visit.customer
    )


def test_the_call_list_shows_the_visit_and_the_confirmation_guidance(
    organization, customer, receptionist
):
    call = pending_call(organization, customer)
    assessed(organization, customer, "N6", stage=Stage.VISIT, visit=call.visit)

    response = client_for(receptionist).get(f"{BASE}/calls/")

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == call.pk
    assert row["visit"]["report"] == "Replaced the pressure valve."
    assert row["codes"][0]["code"] == "N6"
    assert row["codes"][0]["guidance"].startswith("Call at the time they gave")
    assert CodeRead.objects.get().customer == customer


def test_the_call_list_query_count_does_not_grow_with_the_page(
    organization, receptionist, django_assert_max_num_queries
):
    client = client_for(receptionist)
    for _n in range(2):
        call = pending_call(organization)
        assessed(organization, call.customer, "N6", "E1")
    with django_assert_max_num_queries(8):
        client.get(f"{BASE}/calls/")

    for _n in range(20):
        call = pending_call(organization)
        assessed(organization, call.customer, "N6", "P2")
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/calls/")

    assert len(response.json()["results"]) == 22


def test_a_call_is_recorded_with_the_final_code(organization, customer, receptionist):
    call = pending_call(organization, customer)

    response = client_for(receptionist).post(
        f"{BASE}/calls/{call.pk}/", {"outcome": "satisfied", "codes": ["P2"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "done"
    call.refresh_from_db()
    assert (call.status, call.outcome, call.called_by) == (
        CallStatus.DONE,
        CallOutcome.SATISFIED,
        receptionist,
    )
    assert [c.code for c in call.assessment.codes.all()] == ["P2"]
    assert call.assessment.stage == Stage.CONFIRMATION


def test_a_further_request_becomes_a_new_visit_request(organization, customer, receptionist):
    call = pending_call(organization, customer)

    response = client_for(receptionist).post(
        f"{BASE}/calls/{call.pk}/",
        {"outcome": "further_request", "codes": ["E1"], "reason": "Service the radiators"},
        format="json",
    )

    assert response.status_code == 200
    further = ServiceRequest.objects.get(pk=response.json()["further_visit"])
    assert (further.customer, further.summary) == (customer, "Service the radiators")


def test_dissatisfied_without_a_reason_is_a_400_naming_reason(organization, receptionist):
    call = pending_call(organization)

    response = client_for(receptionist).post(
        f"{BASE}/calls/{call.pk}/", {"outcome": "dissatisfied", "codes": ["N3"]}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["reason"]
    call.refresh_from_db()
    assert call.status == CallStatus.PENDING
    assert not Assessment.objects.exists()


def test_a_call_recorded_already_is_a_400_and_stays_as_it_was(organization, receptionist):
    call = pending_call(organization)
    client = client_for(receptionist)
    client.post(
        f"{BASE}/calls/{call.pk}/", {"outcome": "satisfied", "codes": ["P2"]}, format="json"
    )

    again = client.post(
        f"{BASE}/calls/{call.pk}/",
        {"outcome": "dissatisfied", "codes": ["N3"], "reason": "Changed my mind"},
        format="json",
    )

    assert again.status_code == 400
    call.refresh_from_db()
    assert call.outcome == CallOutcome.SATISFIED
    assert Assessment.objects.count() == 1


def test_another_organizations_call_is_a_404(organization, other_organization, receptionist):
    theirs = pending_call(other_organization)

    response = client_for(receptionist).post(
        f"{BASE}/calls/{theirs.pk}/", {"outcome": "satisfied", "codes": ["P2"]}, format="json"
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == CallStatus.PENDING
