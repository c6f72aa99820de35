"""The reception's and technicians' sensitivity pages and panels: who sees them, what they
show, each read logged, and mistakes as form errors on the page."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import CustomerFactory, staff
from sensitivity import services
from sensitivity.models import (
    Assessment,
    CallOutcome,
    CallStatus,
    CodeRead,
    ConfirmationCall,
    Place,
    Stage,
)
from sensitivity.tests.factories import assessed, codes
from technicians.models import ProductLine, ServiceRequest, VisitStatus
from technicians.tests.factories import VisitFactory, area, bookable, completed_visit, product

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# The guidance each audience gets for N2 (sensitivity/defaults.py).
N2_RECEPTION = "Say you see the earlier visits"
N2_TECHNICIAN = "Read the earlier reports first"
N2_CONFIRMATION = "Ask whether the fault has really gone"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reads(place) -> list[tuple]:
    return list(CodeRead.objects.filter(place=place).values_list("reader_id", "customer_id"))


# The desk -----------------------------------------------------------------------------------


@pytest.fixture
def leeds(organization):
    product(organization, "boilers", "Boilers")
    return area(organization, "LS2", name="Leeds centre")


@pytest.fixture
def tom(organization, leeds, technician):
    return bookable(organization, areas=[leeds], technician=technician)


def next_week_at(hour: int) -> datetime:
    day = timezone.now().astimezone(LONDON).date() + timedelta(days=7)
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def desk_booking(customer, technician, **fields) -> dict:
    start = next_week_at(10)
    data = {
        "postal_code": "LS2 7QT",
        "product": ProductLine.objects.get(skill="boilers").pk,
        "day": start.date().isoformat(),
        "start_time": "10:00",
        "minutes": 60,
        "customer_email": customer.email,
        "address": "12 Station Road",
        "symptoms": "No hot water",
        "choice": f"{technician.pk}@{start.isoformat()}",
    }
    data.update(fields)
    return data


def test_the_desk_shows_the_code_table_to_a_receptionist(organization, receptionist, leeds):
    response = client_for(receptionist).get(reverse("technicians:desk", args=["acme"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Positive") < html.index("Expected") < html.index("Negative")
    assert 'data-code="N2"' in html
    assert "Repeated trouble" in html
    assert "The same fault came back after an earlier repair." in html
    # The reception guidance rides along for the codes as they are ticked.
    assert N2_RECEPTION in html
    assert N2_TECHNICIAN not in html


def test_the_desk_shows_a_known_callers_codes_and_logs_the_read(
    organization, receptionist, customer
):
    assessed(organization, customer, "N2")
    url = reverse("sensitivity:desk-caller", args=["acme"])

    response = client_for(receptionist).get(url, {"customer_email": customer.email.upper()})

    assert response.status_code == 200
    assert "Repeated trouble" in response.content.decode()
    assert N2_RECEPTION in response.content.decode()
    assert reads(Place.DESK) == [(receptionist.pk, customer.pk)]


def test_the_desk_shows_nothing_for_an_email_of_nobody(organization, receptionist):
    url = reverse("sensitivity:desk-caller", args=["acme"])

    response = client_for(receptionist).get(url, {"customer_email": "nobody@example.com"})

    assert response.status_code == 200
    assert response.content.decode().strip() == ""
    assert not CodeRead.objects.exists()


def test_only_reception_staff_ask_for_a_callers_codes(
    organization, agent, technician, customer, other_manager
):
    assessed(organization, customer, "N2")
    url = reverse("sensitivity:desk-caller", args=["acme"])
    for person in (agent, technician, customer, other_manager):
        response = client_for(person).get(url, {"customer_email": customer.email})
        assert response.status_code == 404, person
    assert not CodeRead.objects.exists()


def test_booking_at_the_desk_records_the_codes_typed(
    organization, receptionist, customer, tom, leeds
):
    response = client_for(receptionist).post(
        reverse("technicians:desk", args=["acme"]),
        desk_booking(customer, tom, sensitivity_codes_typed="n2, e1"),
    )

    assert response.status_code == 302
    visit = ServiceRequest.objects.get()
    assessment = Assessment.objects.get()
    assert (assessment.visit, assessment.stage, assessment.by) == (
        visit,
        Stage.INTAKE,
        receptionist,
    )
    assert sorted(c.code for c in assessment.codes.all()) == ["E1", "N2"]


def test_an_unknown_code_at_the_desk_undoes_the_booking_and_keeps_the_picks(
    organization, receptionist, customer, tom, leeds
):
    (p1,) = codes(organization, "P1")
    response = client_for(receptionist).post(
        reverse("technicians:desk", args=["acme"]),
        desk_booking(
            customer,
            tom,
            sensitivity_codes=[str(p1.pk)],
            sensitivity_codes_typed="N2 ZZ",
            sensitivity_note="Called twice",
        ),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="sensitivity-typed-error"><li>Not in the code table: ZZ.' in html
    assert not ServiceRequest.objects.exists()
    assert not Assessment.objects.exists()
    assert f'value="{p1.pk}" data-code="P1" checked' in html
    assert 'value="N2 ZZ"' in html
    assert "Called twice</textarea>" in html


# The visit page -----------------------------------------------------------------------------


@pytest.fixture
def visit(organization, customer, technician):
    return VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        status=VisitStatus.IN_PROGRESS,
    )


def test_the_visits_technician_sees_the_customers_codes_with_their_guidance(
    organization, customer, technician, visit
):
    assessed(organization, customer, "N2")

    response = client_for(technician).get(reverse("technicians:visit", args=[visit.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "How to serve this customer" in html
    assert N2_TECHNICIAN in html
    assert N2_RECEPTION not in html
    assert reads(Place.VISIT) == [(technician.pk, customer.pk)]


def test_reception_staff_see_the_codes_with_the_reception_guidance_on_the_visit(
    organization, customer, receptionist, visit
):
    assessed(organization, customer, "N2")

    response = client_for(receptionist).get(reverse("technicians:visit", args=[visit.pk]))

    assert response.status_code == 200
    assert N2_RECEPTION in response.content.decode()
    assert N2_TECHNICIAN not in response.content.decode()
    assert reads(Place.VISIT) == [(receptionist.pk, customer.pk)]


def test_another_technician_never_sees_the_visits_codes(organization, customer, visit):
    assessed(organization, customer, "N2")
    # Even one who serves the same customer on a visit of their own.
    una = staff(organization, Role.TECHNICIAN, full_name="Una Technician")
    VisitFactory(organization=organization, customer=customer, technician=una)

    response = client_for(una).get(reverse("technicians:visit", args=[visit.pk]))

    assert response.status_code == 404
    assert not CodeRead.objects.exists()


def test_the_customer_never_sees_codes_on_their_visit(organization, customer, visit):
    assessed(organization, customer, "N2")

    response = client_for(customer).get(reverse("technicians:visit", args=[visit.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Repeated trouble" not in html
    assert "N2" not in html
    assert "sensitivity" not in html.lower()
    assert not CodeRead.objects.exists()


def test_the_report_offers_the_recode_ticked_with_the_current_codes(
    organization, customer, technician, visit
):
    (n2,) = codes(organization, "N2")
    assessed(organization, customer, "N2")

    response = client_for(technician).get(reverse("technicians:visit", args=[visit.pk]))

    html = response.content.decode()
    assert 'name="sensitivity_codes_shown"' in html
    assert (
        f'id="recode-code-{n2.pk}" name="sensitivity_codes" value="{n2.pk}" data-code="N2" checked'
        in html
    )


def test_a_report_without_a_code_comes_back_with_the_error_and_what_was_typed(
    organization, customer, technician, visit
):
    response = client_for(technician).post(
        reverse("technicians:visit-report", args=[visit.pk]),
        {
            "report": "Replaced the pressure valve.",
            "outcome": "fixed",
            "sensitivity_codes_shown": "1",
            "sensitivity_codes_typed": "",
            "sensitivity_note": "Friendly",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="recode-typed-error"><li>Pick at least one code.' in html
    assert "Re-code the customer: pick at least one sensitivity code." in html
    assert "Replaced the pressure valve.</textarea>" in html
    assert "Friendly</textarea>" in html
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS


def test_a_report_with_a_recode_finishes_the_visit(organization, customer, technician, visit):
    response = client_for(technician).post(
        reverse("technicians:visit-report", args=[visit.pk]),
        {
            "report": "Replaced the pressure valve.",
            "outcome": "fixed",
            "sensitivity_codes_shown": "1",
            "sensitivity_codes_typed": "p2",
        },
    )

    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.stage, assessment.by, assessment.visit) == (Stage.VISIT, technician, visit)
    assert [c.code for c in assessment.codes.all()] == ["P2"]


# The call list ------------------------------------------------------------------------------


def pending_call(organization, technician, customer=None) -> ConfirmationCall:
    return services.call_open(
        completed_visit(organization, customer=customer or CustomerFactory(), technician=technician)
    )


def calls_url() -> str:
    return reverse("sensitivity:calls", args=["acme"])


def record_url(call) -> str:
    return reverse("sensitivity:call-record", args=["acme", call.pk])


def test_the_call_list_shows_each_visit_with_its_codes_and_the_calls_guidance(
    organization, receptionist, technician, customer
):
    call = pending_call(organization, technician, customer)
    assessed(organization, customer, "N2", stage=Stage.VISIT, by=technician)

    response = client_for(receptionist).get(calls_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="call-{call.pk}"' in html
    assert call.visit.summary in html
    assert "Replaced the pressure valve." in html
    assert "Tom Technician" in html
    assert N2_CONFIRMATION in html
    assert "Re-coded by the technician after the visit" in html
    assert reads(Place.CALLS) == [(receptionist.pk, customer.pk)]


def test_only_reception_staff_open_the_call_list(
    organization, manager, agent, technician, customer, other_manager
):
    call = pending_call(organization, technician, customer)
    assert client_for(manager).get(calls_url()).status_code == 200
    for person in (agent, technician, customer, other_manager):
        assert client_for(person).get(calls_url()).status_code == 404, person
        response = client_for(person).post(
            record_url(call), {"outcome": "satisfied", "sensitivity_codes_typed": "P1"}
        )
        assert response.status_code == 404, person
    call.refresh_from_db()
    assert call.status == CallStatus.PENDING


def test_another_organizations_call_is_not_found(
    organization, other_organization, receptionist, customer
):
    theirs = pending_call(other_organization, staff(other_organization, Role.TECHNICIAN), customer)

    response = client_for(receptionist).post(
        record_url(theirs), {"outcome": "satisfied", "sensitivity_codes_typed": "P1"}
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == CallStatus.PENDING


def test_recording_a_call_moves_it_to_the_recently_called(
    organization, receptionist, technician, customer
):
    call = pending_call(organization, technician, customer)
    client = client_for(receptionist)

    response = client.post(
        record_url(call),
        {"outcome": "satisfied", "sensitivity_codes_typed": "p4", "note": "Very happy"},
    )

    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.status, call.outcome) == (CallStatus.DONE, CallOutcome.SATISFIED)
    assert call.assessment.note == "Very happy"
    html = client.get(calls_url()).content.decode()
    assert f'id="call-{call.pk}"' not in html
    assert f'<tr data-call="{call.pk}">' in html
    assert "No calls to make" in html


def test_a_dissatisfied_call_without_a_reason_is_a_form_error(
    organization, receptionist, technician, customer
):
    call = pending_call(organization, technician, customer)

    response = client_for(receptionist).post(
        record_url(call), {"outcome": "dissatisfied", "sensitivity_codes_typed": "N5"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Say why they are dissatisfied." in html
    assert 'value="N5"' in html
    call.refresh_from_db()
    assert call.status == CallStatus.PENDING


def test_a_further_request_without_what_they_ask_is_a_form_error(
    organization, receptionist, technician, customer
):
    call = pending_call(organization, technician, customer)

    response = client_for(receptionist).post(
        record_url(call), {"outcome": "further_request", "sensitivity_codes_typed": "E1"}
    )

    assert response.status_code == 400
    assert "Say what they ask for." in response.content.decode()
    assert ServiceRequest.objects.count() == 1


def test_a_call_without_codes_or_with_an_unknown_one_says_so_beside_the_codes(
    organization, receptionist, technician, customer
):
    call = pending_call(organization, technician, customer)
    client = client_for(receptionist)

    none = client.post(record_url(call), {"outcome": "satisfied"})
    unknown = client.post(
        record_url(call), {"outcome": "satisfied", "sensitivity_codes_typed": "Q7"}
    )
    no_outcome = client.post(record_url(call), {"sensitivity_codes_typed": "P1"})
    both = client.post(record_url(call), {"outcome": "nonsense"}).content.decode()

    assert none.status_code == unknown.status_code == no_outcome.status_code == 400
    assert f'id="call-{call.pk}-typed-error"><li>Pick at least one code.' in none.content.decode()
    assert "Not in the code table: Q7." in unknown.content.decode()
    assert "Choose satisfied, dissatisfied or further request." in no_outcome.content.decode()
    assert "Pick at least one code." in both
    assert "Select a valid choice." in both
    call.refresh_from_db()
    assert call.status == CallStatus.PENDING


def test_a_call_recorded_meanwhile_is_not_recorded_again(
    organization, receptionist, manager, technician, customer
):
    call = pending_call(organization, technician, customer)
    services.call_record(
        call=call, by=manager, outcome=CallOutcome.SATISFIED, codes=codes(organization, "P1")
    )

    response = client_for(receptionist).post(
        record_url(call),
        {"outcome": "dissatisfied", "reason": "Late", "sensitivity_codes_typed": "N1"},
    )

    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.outcome, call.called_by) == (CallOutcome.SATISFIED, manager)


def test_the_call_lists_queries_do_not_grow_with_its_calls(
    organization, receptionist, technician, django_assert_max_num_queries
):
    client = client_for(receptionist)

    def add_calls(count):
        for _ in range(count):
            call = pending_call(organization, technician)
            assessed(organization, call.customer, "N2", "E1")
        done = pending_call(organization, technician)
        services.call_record(
            call=done,
            by=receptionist,
            outcome=CallOutcome.SATISFIED,
            codes=codes(organization, "P1"),
        )

    add_calls(1)
    client.get(calls_url())  # the code table copied, the session read
    with django_assert_max_num_queries(20) as few:
        assert client.get(calls_url()).status_code == 200
    add_calls(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(calls_url())

    assert response.content.decode().count("data-call-form") == 7


# The reception desk and the staff tools ----------------------------------------------------


def test_the_reception_desk_says_how_many_calls_wait(organization, receptionist, technician):
    pending_call(organization, technician)
    pending_call(organization, technician)

    response = client_for(receptionist).get(reverse("accounts:reception-desk", args=["acme"]))

    html = response.content.decode()
    assert "2 calls to make after finished visits." in html
    assert f'href="{calls_url()}"' in html


def test_the_confirmation_calls_are_among_the_tools_of_reception_staff_only(
    organization, receptionist, agent
):
    desk = client_for(receptionist).get(reverse("accounts:reception-desk", args=["acme"]))
    agents = client_for(agent).get(reverse("accounts:agent-dashboard", args=["acme"]))

    assert "Confirmation calls" in desk.content.decode()
    assert calls_url() not in agents.content.decode()


def test_the_live_parts_are_the_list_alone_and_the_desks_count(
    organization, receptionist, technician
):
    call = pending_call(organization, technician)
    client = client_for(receptionist)

    listed = client.get(calls_url(), {"part": "list"}).content.decode()
    count = client.get(calls_url(), {"part": "count"}).content.decode()

    assert listed.lstrip().startswith('<div id="call-list"')
    assert f'id="call-{call.pk}"' in listed
    assert "<html" not in listed
    assert count.lstrip().startswith('<section class="card" id="calls-waiting"')
    assert "1 call to make after a finished visit." in count
