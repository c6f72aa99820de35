"""The manager's day board follows a technician's steps live; the desk books a caller's visit
by keyboard alone."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from technicians import services
from technicians.models import ServiceRequest, VisitStatus
from technicians.tests.factories import area, bookable, booked_visit, product
from tests.browser import in_another_thread, mark_as_not_reloaded, open_page_at, was_not_reloaded

pytestmark = pytest.mark.browser

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def leeds(organization):
    product(organization, "boilers", "Boilers")
    return area(organization, "LS2", name="Leeds centre")


def test_the_day_board_shows_a_technicians_step_without_a_reload(
    browser, live_asgi_server, organization, manager, technician, leeds
):
    tom = bookable(organization, areas=[leeds], technician=technician)
    today = timezone.now().astimezone(LONDON).date()
    visit = booked_visit(
        tom, datetime.combine(today, time(12), tzinfo=LONDON), summary="Boiler service"
    )
    board = open_page_at(browser, live_asgi_server, manager, "/o/acme/field/board/")
    status = board.locator(f'[data-visit-id="{visit.pk}"] [data-field="status"]')
    expect(status).to_have_text("Scheduled")
    mark_as_not_reloaded(board)

    in_another_thread(services.visit_step, visit=visit, step=VisitStatus.ON_THE_WAY, by=technician)

    expect(status).to_have_text("On the way")
    expect(board.locator(f'[data-visit-id="{visit.pk}"]')).to_have_attribute(
        "data-status", "on_the_way"
    )
    assert was_not_reloaded(board)


def test_the_desk_books_a_callers_visit_by_keyboard_alone(
    browser, live_asgi_server, organization, receptionist, customer, technician, leeds
):
    bookable(organization, areas=[leeds], technician=technician)
    bookable(organization, areas=[leeds], full_name="Una Technician")
    day = timezone.now().astimezone(LONDON).date() + timedelta(days=7)
    desk = open_page_at(
        browser, live_asgi_server, receptionist, f"/o/acme/field/desk/?day={day.isoformat()}"
    )
    expect(desk.locator("#id_postal_code")).to_be_focused()
    keys = desk.keyboard

    keys.type("LS2 7QT")
    keys.press("Tab")  # the product: Boilers, the only one
    keys.press("Tab")  # the day, given
    keys.press("Tab")
    keys.type("10")
    options = desk.locator('#desk-results input[name="choice"]')
    expect(options).to_have_count(2)
    expect(options.first).to_be_checked()
    for text in ("", customer.email, "12 Station Road", "No hot water", ""):
        keys.press("Tab")
        if text:
            keys.type(text)
    expect(desk.locator("#desk-search.htmx-request")).to_have_count(0)
    keys.press("Tab")  # the caller's sensitivity codes, if any (none here)
    keys.press("ArrowDown")  # on to the results, the picked one
    expect(options.first).to_be_focused()
    keys.press("ArrowDown")
    expect(options.nth(1)).to_be_checked()
    chosen = options.nth(1).get_attribute("value")
    keys.press("Enter")

    expect(desk.get_by_text("Booked:")).to_be_visible()
    visit = ServiceRequest.objects.get()
    start = datetime.combine(day, time(10), tzinfo=LONDON)
    assert chosen == f"{visit.technician_id}@{start.isoformat()}"
    assert (visit.customer, visit.scheduled_start, visit.booked_by) == (
        customer,
        start,
        receptionist,
    )
    assert visit.symptoms == "No hot water"
