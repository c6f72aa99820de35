"""Sensitivity codes end to end: the receptionist codes a caller by typing and reads the
guidance without a reload, books; the technician reads it on the visit (on a phone) and
re-codes in the report; the re-code shows on the confirmation call list, which follows the
finished visit live, and the call is recorded."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sensitivity import services as sensitivity_services
from sensitivity.models import Assessment, CallStatus, ConfirmationCall, Stage
from technicians import services
from technicians.models import ServiceRequest, VisitStatus
from technicians.tests.factories import area, bookable, completed_visit, product
from tests.browser import (
    DESKTOP,
    PHONE,
    in_another_thread,
    log_in,
    mark_as_not_reloaded,
    new_page,
    open_page_at,
    was_not_reloaded,
)

pytestmark = pytest.mark.browser

LONDON = zoneinfo.ZoneInfo("Europe/London")
N2_RECEPTION = "Say you see the earlier visits"
N2_TECHNICIAN = "Read the earlier reports first"
P2_CONFIRMATION = "Pass the praise on and thank them for it."


def codes_of(assessment) -> list[str]:
    return sorted(code.code for code in assessment.codes.all())


@pytest.fixture
def leeds(organization):
    product(organization, "boilers", "Boilers")
    return area(organization, "LS2", name="Leeds centre")


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_callers_codes_go_from_the_desk_to_the_visit_and_the_confirmation_call(
    browser, live_asgi_server, organization, receptionist, technician, customer, leeds, screen
):
    bookable(organization, areas=[leeds], technician=technician)
    day = timezone.now().astimezone(LONDON).date() + timedelta(days=7)

    # The receptionist books the caller and codes them by typing.
    desk = open_page_at(
        browser, live_asgi_server, receptionist, f"/o/acme/field/desk/?day={day.isoformat()}"
    )
    desk.locator("#id_postal_code").fill("LS2 7QT")
    desk.locator("#id_start_time").fill("10")
    expect(desk.locator('#desk-results input[name="choice"]')).to_have_count(1)
    desk.locator("#id_customer_email").fill(customer.email)
    desk.locator("#id_address").fill("12 Station Road")
    desk.locator("#id_symptoms").fill("The boiler fails again")
    expect(desk.locator("#desk-caller-codes")).to_contain_text("No codes yet for this customer.")
    mark_as_not_reloaded(desk)
    typed = desk.get_by_label("Type the codes")
    typed.click()
    desk.keyboard.type("n2 e1")
    expect(desk.locator('input[data-code="N2"]')).to_be_checked()
    expect(desk.locator('input[data-code="E1"]')).to_be_checked()
    guidance = desk.locator("[data-guidance-list]")
    expect(guidance).to_contain_text(N2_RECEPTION)
    expect(guidance).to_contain_text("Asked for a prompt visit")
    desk.keyboard.press("Enter")  # in the codes: ticks, never books
    assert was_not_reloaded(desk)
    assert not ServiceRequest.objects.exists()
    desk.keyboard.press("ArrowDown")  # on to the results
    expect(desk.locator('#desk-results input[name="choice"]').first).to_be_focused()
    desk.keyboard.press("Enter")
    expect(desk.get_by_text("Booked:")).to_be_visible()
    visit = ServiceRequest.objects.get()
    intake = Assessment.objects.get()
    assert (intake.stage, intake.visit, codes_of(intake)) == (Stage.INTAKE, visit, ["E1", "N2"])
    start = datetime.combine(day, time(10), tzinfo=LONDON)
    assert visit.scheduled_start == start

    # The call list is open at the desk while the technician works.
    calls = open_page_at(browser, live_asgi_server, receptionist, "/o/acme/sensitivity/calls/")
    expect(calls.get_by_text("No calls to make")).to_be_visible()
    mark_as_not_reloaded(calls)

    # The technician reads the guidance on the visit, works, and re-codes in the report.
    for step in (VisitStatus.ON_THE_WAY, VisitStatus.ARRIVED, VisitStatus.IN_PROGRESS):
        in_another_thread(services.visit_step, visit=visit, step=step, by=technician)
    phone = new_page(browser, live_asgi_server, **screen)
    log_in(phone, technician.email, next_path=f"/visits/{visit.pk}/")
    codes_card = phone.locator("#sensitivity-codes")
    expect(codes_card).to_contain_text("Repeated trouble")
    expect(codes_card).to_contain_text(N2_TECHNICIAN)
    assert N2_RECEPTION not in phone.content()
    recode = phone.locator("#recode")
    expect(recode.locator('input[data-code="N2"]')).to_be_checked()
    expect(recode.locator('input[data-code="E1"]')).to_be_checked()
    phone.get_by_label("Work done").fill("Ignition lead replaced; fired ten times.")
    recode.locator('label:has(input[data-code="N2"])').click()
    recode.locator('label:has(input[data-code="E1"])').click()
    recode.get_by_label("Type the codes").fill("p2")
    expect(recode.locator('input[data-code="P2"]')).to_be_checked()
    phone.get_by_role("button", name="Send report – done").click()
    expect(phone.get_by_text("Report sent. The visit is done.")).to_be_visible()
    recoded = Assessment.objects.get(stage=Stage.VISIT)
    assert (recoded.by, codes_of(recoded)) == (technician, ["P2"])

    # The call list shows the finished visit without a reload, with the technician's code.
    entry = calls.locator("article[data-call]")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Ignition lead replaced; fired ten times.")
    expect(entry.locator(".call__codes")).to_contain_text("Praised the technician")
    expect(entry.locator(".call__codes")).to_contain_text(P2_CONFIRMATION)
    expect(entry.locator(".call__codes")).not_to_contain_text("Repeated trouble")
    expect(entry.locator('input[data-code="P2"]')).to_be_checked()
    assert was_not_reloaded(calls)

    entry.get_by_role("radio", name="Satisfied", exact=True).check()
    entry.get_by_role("button", name="Record the call").click()
    expect(calls.get_by_text(f"Call recorded for {customer}.")).to_be_visible()
    expect(calls.locator("#recent-calls")).to_contain_text("Satisfied")
    call = ConfirmationCall.objects.get()
    assert call.status == CallStatus.DONE
    assert codes_of(call.assessment) == ["P2"]


def test_the_call_list_takes_a_new_call_live_and_keeps_what_is_being_typed(
    browser, live_asgi_server, organization, receptionist, technician, customer
):
    first = sensitivity_services.call_open(
        completed_visit(organization, customer=customer, technician=technician)
    )
    calls = open_page_at(browser, live_asgi_server, receptionist, "/o/acme/sensitivity/calls/")
    mark_as_not_reloaded(calls)
    entry = calls.locator(f"#call-{first.pk}")
    entry.get_by_label("Why dissatisfied, or what they ask for").fill("The bill was high")

    later = completed_visit(organization, technician=technician, summary="Fit a thermostat")
    in_another_thread(sensitivity_services.call_open, visit=later)

    expect(calls.locator("article[data-call]")).to_have_count(2)
    expect(calls.locator("#pending-title")).to_contain_text("(2)")
    expect(entry.get_by_label("Why dissatisfied, or what they ask for")).to_have_value(
        "The bill was high"
    )
    assert was_not_reloaded(calls)
