"""A technician works a visit from a phone (390×844, touch): one tap each for on the way,
arrived and working, then the report; the customer's visit page, open beside it, shows each
step as it happens, without a reload."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from technicians.models import VisitStatus
from technicians.tests.factories import VisitFactory, bookable, product
from tests.browser import (
    TIMEOUT_MS,
    log_in,
    mark_as_not_reloaded,
    open_page_at,
    wait_for_realtime,
    was_not_reloaded,
    watch_realtime,
)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


def phone_page(browser, base_url, user, path):
    context = browser.new_context(base_url=base_url, **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, user.email, next_path=path)
    expect(page).to_have_url(f"{base_url}{path}")
    return page


def test_a_technician_taps_through_a_visit_on_a_phone_and_the_customer_sees_each_step_live(
    browser, live_asgi_server, organization, customer, technician
):
    bookable(organization, technician=technician)
    start = timezone.now() + timedelta(hours=1)
    visit = VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        product=product(organization, "boilers", "Boilers"),
        summary="Boilers: pressure drops overnight",
        symptoms="Pressure drops overnight.",
        customer_notes="Ring twice.",
        postal_code="LS27QT",
        status=VisitStatus.SCHEDULED,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )
    watching = open_page_at(browser, live_asgi_server, customer, f"/visits/{visit.pk}/")
    expect(watching.locator("#visit-live .visit-status")).to_have_text("Scheduled")
    mark_as_not_reloaded(watching)
    watch_realtime(watching)

    phone = phone_page(browser, live_asgi_server, technician, "/o/acme/today/")
    agenda = phone.locator("#agenda")
    expect(agenda).to_contain_text("Ring twice.")
    expect(
        agenda.get_by_role("link", name="12 Station Road, Leeds", exact=False)
    ).to_have_attribute(
        "href",
        "https://www.google.com/maps/search/?api=1&query=12%20Station%20Road%2C%20Leeds%20LS27QT",
    )
    agenda.locator(f'[data-visit-id="{visit.pk}"] .agenda-visit__open').tap()
    expect(phone.locator("h1")).to_have_text("Boilers")

    for button, shown in (
        ("On the way", "On the way"),
        ("Arrived", "Arrived"),
        ("Working", "Working"),
    ):
        tap = phone.get_by_role("button", name=button, exact=True)
        box = tap.bounding_box()
        assert box["height"] >= 44
        assert box["width"] >= 44
        tap.tap()
        expect(phone.locator("#visit-live .visit-status")).to_have_text(shown)
        expect(watching.locator("#visit-live .visit-status")).to_have_text(shown)
        expect(watching.locator('#visit-live [aria-current="step"]')).to_contain_text(shown)

    phone.get_by_label("Work done").fill("Replaced the pressure valve.")
    phone.get_by_label("Parts used").fill("Valve PV-22")
    phone.get_by_label("Time spent (minutes)").fill("45")
    phone.get_by_label("Fixed", exact=True).check()
    phone.get_by_label("Type the codes").fill("P2")  # the re-code the report asks for
    phone.get_by_role("button", name="Send report – done").tap()

    expect(phone.get_by_text("Report sent. The visit is done.")).to_be_visible()
    expect(phone.locator("#visit-live .visit-status")).to_have_text("Completed")
    wait_for_realtime(watching, "visit.updated")
    expect(watching.locator("#visit-live .visit-status")).to_have_text("Completed")
    expect(watching.locator("#visit-live")).to_contain_text("Replaced the pressure valve.")
    assert was_not_reloaded(watching)
    visit.refresh_from_db()
    assert (visit.status, visit.time_spent_minutes) == (VisitStatus.COMPLETED, 45)
