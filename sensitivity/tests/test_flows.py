"""The codes through the technicians' steps and the confirmation call, as the services run
them: intake on booking, the technician's re-code in the report, the call and its outcome."""

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from sensitivity import selectors, services
from sensitivity.models import (
    Assessment,
    Audience,
    CallOutcome,
    CallStatus,
    ConfirmationCall,
    Stage,
)
from sensitivity.tests.factories import assessed, codes
from technicians import services as visit_services
from technicians.models import ServiceRequest, VisitStatus
from technicians.tests.factories import VisitFactory, completed_visit

pytestmark = pytest.mark.django_db


def form(**fields) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    return data


def current_codes(organization, customer) -> list[str]:
    disposition = selectors.disposition(organization.pk, customer.pk, Audience.RECEPTION)
    return [item.code.code for item in disposition.codes]


@pytest.fixture
def visit(organization, customer, technician):
    return VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        status=VisitStatus.IN_PROGRESS,
    )


# The desk step ------------------------------------------------------------------------------


def test_the_desk_step_records_the_codes_picked_as_an_intake_of_the_visit(
    organization, receptionist, visit
):
    (n2,) = codes(organization, "N2")
    data = form(
        sensitivity_codes=[str(n2.pk)], sensitivity_codes_typed="e1", sensitivity_note="Curt"
    )

    services.desk_step(visit, data, receptionist)

    assessment = Assessment.objects.get()
    assert (assessment.stage, assessment.visit, assessment.by, assessment.customer) == (
        Stage.INTAKE,
        visit,
        receptionist,
        visit.customer,
    )
    assert sorted(c.code for c in assessment.codes.all()) == ["E1", "N2"]
    assert assessment.note == "Curt"


def test_a_booking_without_codes_records_no_assessment(organization, receptionist, visit):
    services.desk_step(visit, form(sensitivity_codes_typed="", sensitivity_note=""), receptionist)

    assert not Assessment.objects.exists()


def test_an_unknown_typed_code_refuses_the_step_naming_the_codes_field(
    organization, receptionist, visit
):
    with pytest.raises(ValidationError) as refused:
        services.desk_step(visit, form(sensitivity_codes_typed="N2 X9"), receptionist)

    assert refused.value.message_dict == {"sensitivity_codes": ["Not in the code table: X9."]}
    assert not Assessment.objects.exists()


# The report step ----------------------------------------------------------------------------


def test_a_report_whose_form_showed_the_recode_needs_a_code(organization, technician, visit):
    with pytest.raises(ValidationError) as refused:
        visit_services.visit_complete(
            visit=visit,
            by=technician,
            report="Valve replaced.",
            step_data=form(sensitivity_codes_shown="1", sensitivity_codes_typed=""),
        )

    assert refused.value.message_dict == {
        "sensitivity_codes": ["Re-code the customer: pick at least one sensitivity code."]
    }
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS
    assert not Assessment.objects.exists()


def test_the_technicians_recode_in_the_report_replaces_the_intake(
    organization, receptionist, technician, customer, visit, after_commit
):
    services.desk_step(visit, form(sensitivity_codes_typed="N7 E6"), receptionist)

    with after_commit():
        visit_services.visit_complete(
            visit=visit,
            by=technician,
            report="Valve replaced.",
            step_data=form(sensitivity_codes_shown="1", sensitivity_codes_typed="p2"),
        )

    assert current_codes(organization, customer) == ["P2"]
    recode = Assessment.objects.get(stage=Stage.VISIT)
    assert (recode.by, recode.visit) == (technician, visit)
    # The finished visit went on the call list.
    assert ConfirmationCall.objects.get().visit == visit


@pytest.mark.parametrize("data", [{}, form(report="Done.")], ids=["api", "form"])
def test_a_report_sent_without_the_recode_part_records_no_codes(technician, visit, data):
    visit_services.visit_complete(visit=visit, by=technician, report="Done.", step_data=data)

    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED
    assert not Assessment.objects.exists()


# Confirmation calls -------------------------------------------------------------------------


@pytest.fixture
def call(organization, customer, technician):
    return services.call_open(
        completed_visit(organization, customer=customer, technician=technician)
    )


def test_opening_a_visits_call_again_changes_nothing(call):
    again = services.call_open(call.visit)

    assert again == call
    assert ConfirmationCall.objects.count() == 1
    assert call.status == CallStatus.PENDING


def test_a_satisfied_call_is_recorded_with_the_final_codes(
    organization, receptionist, customer, call
):
    services.call_record(
        call=call, by=receptionist, outcome=CallOutcome.SATISFIED, codes=codes(organization, "P4")
    )

    call.refresh_from_db()
    assert (call.status, call.outcome, call.called_by, call.further_visit) == (
        CallStatus.DONE,
        CallOutcome.SATISFIED,
        receptionist,
        None,
    )
    assert call.assessment.stage == Stage.CONFIRMATION
    assert current_codes(organization, customer) == ["P4"]
    assert selectors.pending_calls(organization.pk).count() == 0
    assert list(selectors.recent_calls(organization.pk)) == [call]


def test_a_dissatisfied_call_needs_its_reason(organization, receptionist, call):
    with pytest.raises(ValidationError) as refused:
        services.call_record(
            call=call,
            by=receptionist,
            outcome=CallOutcome.DISSATISFIED,
            codes=codes(organization, "N5"),
        )
    assert refused.value.message_dict == {"reason": ["Say why they are dissatisfied."]}
    call.refresh_from_db()
    assert call.status == CallStatus.PENDING

    services.call_record(
        call=call,
        by=receptionist,
        outcome=CallOutcome.DISSATISFIED,
        codes=codes(organization, "N5"),
        reason="The bill was higher than quoted.",
    )

    call.refresh_from_db()
    assert (call.outcome, call.reason) == (
        CallOutcome.DISSATISFIED,
        "The bill was higher than quoted.",
    )


def test_a_further_request_becomes_a_new_visit_request_at_the_desk(
    organization, receptionist, customer, call
):
    services.call_record(
        call=call,
        by=receptionist,
        outcome=CallOutcome.FURTHER_REQUEST,
        codes=codes(organization, "E1"),
        reason="Service the second boiler too",
    )

    call.refresh_from_db()
    further = call.further_visit
    assert further is not None
    assert further != call.visit
    assert (further.status, further.customer, further.organization, further.summary) == (
        VisitStatus.REQUESTED,
        customer,
        organization,
        "Service the second boiler too",
    )


def test_a_recorded_call_cant_be_recorded_again(organization, receptionist, manager, call):
    services.call_record(
        call=call, by=receptionist, outcome=CallOutcome.SATISFIED, codes=codes(organization, "P1")
    )

    with pytest.raises(ValidationError, match="already recorded"):
        services.call_record(
            call=call,
            by=manager,
            outcome=CallOutcome.FURTHER_REQUEST,
            codes=codes(organization, "N2"),
            reason="Again",
        )

    call.refresh_from_db()
    assert (call.outcome, call.called_by) == (CallOutcome.SATISFIED, receptionist)
    assert Assessment.objects.filter(stage=Stage.CONFIRMATION).count() == 1
    assert ServiceRequest.objects.count() == 1


def test_the_call_lists_guidance_is_for_the_confirmation_call(organization, customer, call):
    assessed(organization, customer, "N2", stage=Stage.VISIT)

    disposition = selectors.disposition(organization.pk, customer.pk, Audience.CONFIRMATION)

    assert disposition.codes[0].guidance.startswith("Ask whether the fault has really gone")
