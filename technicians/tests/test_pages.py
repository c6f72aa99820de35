"""The customer's and the technician's visit pages: what each shows, who may see it, booking
from the search (a taken time answers with the alternatives), the cut-off, and bad input
answered on the page."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import staff
from technicians import services
from technicians.models import ServiceRequest, TimeOff, VisitSettings, VisitStatus, WorkingHours
from technicians.tests.factories import (
    area,
    bookable,
    picture,
    product,
    profile_of,
)

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def in_days(days: int, hour: int, minute: int = 0) -> datetime:
    """A local London time `days` from today."""
    day = timezone.now().astimezone(LONDON).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def leeds(organization):
    product(organization, "boilers", "Boilers")
    return area(organization, "LS2", name="Leeds centre")


@pytest.fixture
def tom(organization, leeds, technician):
    return bookable(organization, areas=[leeds], technician=technician)


def wish(start: datetime, **fields) -> dict:
    values = {
        "address": "14 Mill Lane, Leeds",
        "postal_code": "LS2 7QT",
        "product": "boilers",
        "symptoms": "Pressure drops overnight.",
        "customer_notes": "Ring twice.",
        "day": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": (start + timedelta(hours=1)).strftime("%H:%M"),
    }
    values.update(fields)
    return values


def pick(technician, start: datetime) -> dict:
    return {
        "technician": technician.pk,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
    }


def book(customer, technician, start) -> ServiceRequest:
    return services.visit_book(
        organization=profile_of(technician).organization,
        customer=customer,
        technician=technician,
        skill="boilers",
        postal_code="LS2 7QT",
        address="14 Mill Lane, Leeds",
        symptoms="Pressure drops overnight.",
        customer_notes="Ring twice.",
        start=start,
        end=start + timedelta(hours=1),
        by=customer,
    )


# Asking ----------------------------------------------------------------------------------


def test_a_customer_with_one_provider_to_ask_goes_straight_to_its_form(client, customer, tom):
    client.force_login(customer)

    response = client.get(reverse("technicians:providers"))

    assert response.status_code == 302
    assert response.url == reverse("technicians:visit-new", args=["acme"])


def test_the_providers_a_customer_has_dealt_with_come_first(
    client, customer, organization, other_organization, tom
):
    area(other_organization, "M1", name="Manchester")
    booked = book(customer, tom, in_days(2, 10))
    client.force_login(customer)

    response = client.get(reverse("technicians:providers"))

    assert response.status_code == 200
    assert response.context["yours"] == [booked.organization]
    assert response.context["others"] == [other_organization]


def test_a_provider_without_areas_has_no_visit_form(client, customer, other_organization, tom):
    client.force_login(customer)

    response = client.get(reverse("technicians:visit-new", args=[other_organization.slug]))

    assert response.status_code == 404


def test_the_search_shows_the_free_technicians_with_their_introduction_and_experience(
    client, customer, tom
):
    profile = profile_of(tom)
    profile.introduction = "Twenty years of boilers and a van full of parts."
    profile.years_of_experience = 20
    profile.save()
    client.force_login(customer)

    response = client.get(reverse("technicians:visit-new", args=["acme"]), wish(in_days(2, 10)))

    assert response.status_code == 200
    assert [offer.technician for offer in response.context["free"]] == [tom]
    page = response.content.decode()
    assert "Twenty years of boilers and a van full of parts." in page
    assert "20 years of experience" in page
    assert f"Book {tom.get_short_name()}" in page


def test_the_search_form_shows_its_errors_on_the_page(client, customer, tom):
    client.force_login(customer)

    response = client.get(
        reverse("technicians:visit-new", args=["acme"]),
        wish(in_days(2, 10), postal_code="!!", product="nope", day="someday"),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"product", "day"}


def test_a_time_in_the_past_is_a_form_error_not_a_500(client, customer, tom):
    client.force_login(customer)

    response = client.get(reverse("technicians:visit-new", args=["acme"]), wish(in_days(-2, 10)))

    assert response.status_code == 400
    assert "Choose a time in the future." in response.content.decode()


def test_when_nobody_is_free_the_search_offers_the_nearest_times_before_and_after(
    client, customer, other_customer, tom
):
    book(other_customer, tom, in_days(2, 10))
    client.force_login(customer)

    response = client.get(reverse("technicians:visit-new", args=["acme"]), wish(in_days(2, 10)))

    assert response.status_code == 200
    found = response.context["found"]
    assert found.free == []
    assert found.before[0].start == in_days(2, 9)
    assert found.after[0].start == in_days(2, 11)
    assert "Nobody is free then" in response.content.decode()


def test_a_customer_books_a_free_technician_and_gets_a_confirmation(client, customer, tom):
    client.force_login(customer)
    start = in_days(2, 10)

    response = client.post(
        reverse("technicians:visit-book", args=["acme"]), {**wish(start), **pick(tom, start)}
    )

    visit = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("technicians:visit-booked", args=[visit.pk])
    assert (visit.customer, visit.technician, visit.status) == (customer, tom, "scheduled")
    assert visit.scheduled_start == start
    assert visit.customer_notes == "Ring twice."
    confirmation = client.get(response.url)
    assert "Your visit is booked." in confirmation.content.decode()
    assert confirmation.context["booked"] is True


def test_the_customer_who_loses_the_last_slot_sees_the_alternatives_at_once(
    client, customer, other_customer, tom
):
    start = in_days(2, 10)
    book(other_customer, tom, start)
    client.force_login(customer)

    response = client.post(
        reverse("technicians:visit-book", args=["acme"]), {**wish(start), **pick(tom, start)}
    )

    assert response.status_code == 409
    assert ServiceRequest.objects.filter(customer=customer).count() == 0
    page = response.content.decode()
    assert "Someone has just booked that time." in page
    assert response.context["found"].after[0].start == in_days(2, 11)


def test_a_booking_with_a_tampered_pick_is_answered_on_the_page(client, customer, tom):
    client.force_login(customer)
    start = in_days(2, 10)

    missing = client.post(
        reverse("technicians:visit-book", args=["acme"]), {**wish(start), "technician": "x"}
    )
    nobody = client.post(
        reverse("technicians:visit-book", args=["acme"]),
        {**wish(start), **pick(tom, start), "technician": 999999},
    )

    assert missing.status_code == 400
    assert nobody.status_code == 409
    assert not ServiceRequest.objects.exists()


def test_outside_every_area_the_customer_can_send_the_request_to_the_desk(client, customer, tom):
    client.force_login(customer)
    values = wish(in_days(2, 10), postal_code="ZZ9 9ZZ")

    search = client.get(reverse("technicians:visit-new", args=["acme"]), values)
    sent = client.post(reverse("technicians:visit-request", args=["acme"]), values)

    assert "Send my request" in search.content.decode()
    visit = ServiceRequest.objects.get()
    assert sent.url == reverse("technicians:visit", args=[visit.pk])
    assert (visit.status, visit.technician, visit.area) == (VisitStatus.REQUESTED, None, None)


# The customer's visit --------------------------------------------------------------------


def test_the_customer_home_lists_their_visits(client, customer, tom):
    visit = book(customer, tom, in_days(2, 10))
    client.force_login(customer)

    response = client.get(reverse("accounts:customer-home"))

    page = response.content.decode()
    assert reverse("technicians:visit", args=[visit.pk]) in page
    assert "Book a technician" in page


def test_the_customers_visit_page_shows_its_progress_and_a_live_section(client, customer, tom):
    visit = book(customer, tom, in_days(2, 10))
    services.visit_step(visit=visit, step=VisitStatus.ON_THE_WAY, by=tom)
    client.force_login(customer)

    page = client.get(reverse("technicians:visit", args=[visit.pk]))
    live = client.get(reverse("technicians:visit", args=[visit.pk]), headers={"HX-Request": "true"})

    assert page.status_code == live.status_code == 200
    steps = {step["status"]: step for step in page.context["progress"]}
    assert steps["scheduled"]["done"]
    assert steps["on_the_way"]["current"]
    assert 'hx-trigger="realtime:visit.updated from:document' in page.content.decode()
    assert live.content.decode().lstrip().startswith('<div id="visit-live"')


def test_a_customer_sees_only_their_own_visits(client, customer, other_customer, tom):
    visit = book(customer, tom, in_days(2, 10))
    client.force_login(other_customer)

    for name in ("visit", "visit-reschedule", "visit-booked"):
        assert client.get(reverse(f"technicians:{name}", args=[visit.pk])).status_code == 404
    assert client.post(reverse("technicians:visit-cancel", args=[visit.pk])).status_code == 404
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED


def test_a_customer_cancels_before_the_cut_off(client, customer, tom):
    visit = book(customer, tom, in_days(3, 10))
    client.force_login(customer)

    response = client.post(reverse("technicians:visit-cancel", args=[visit.pk]), follow=True)

    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
    assert "Your visit is cancelled." in response.content.decode()


def test_past_the_cut_off_the_customer_is_told_to_call_and_nothing_changes(
    client, customer, organization, tom
):
    VisitSettings.objects.create(organization=organization, change_cutoff_hours=72)
    visit = book(customer, tom, in_days(2, 10))
    client.force_login(customer)

    page = client.get(reverse("technicians:visit", args=[visit.pk]))
    cancel = client.post(reverse("technicians:visit-cancel", args=[visit.pk]), follow=True)
    move = client.get(reverse("technicians:visit-reschedule", args=[visit.pk]))

    message = "Visits can be changed up to 72 hours before they start."
    assert page.context["can_change"] is False
    assert message in page.content.decode()
    assert "Cancel the visit" not in page.content.decode()
    assert message in cancel.content.decode()
    assert message in move.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED


def test_a_customer_moves_a_visit_to_a_free_time(client, customer, tom):
    visit = book(customer, tom, in_days(3, 10))
    client.force_login(customer)
    new_start = in_days(4, 14)

    search = client.get(
        reverse("technicians:visit-reschedule", args=[visit.pk]),
        {"day": new_start.date().isoformat(), "start_time": "14:00", "end_time": "15:00"},
    )
    moved = client.post(
        reverse("technicians:visit-reschedule", args=[visit.pk]),
        {
            "day": new_start.date().isoformat(),
            "start_time": "14:00",
            "end_time": "15:00",
            **pick(tom, new_start),
        },
    )

    assert [offer.technician for offer in search.context["free"]] == [tom]
    assert moved.status_code == 302
    visit.refresh_from_db()
    assert visit.scheduled_start == new_start


def test_moving_to_a_time_taken_meanwhile_shows_the_alternatives(
    client, customer, other_customer, tom
):
    visit = book(customer, tom, in_days(3, 10))
    taken = in_days(4, 14)
    book(other_customer, tom, taken)
    client.force_login(customer)

    response = client.post(
        reverse("technicians:visit-reschedule", args=[visit.pk]),
        {
            "day": taken.date().isoformat(),
            "start_time": "14:00",
            "end_time": "15:00",
            **pick(tom, taken),
        },
    )

    assert response.status_code == 409
    assert "Someone has just booked that time." in response.content.decode()
    visit.refresh_from_db()
    assert visit.scheduled_start == in_days(3, 10)


# The technician --------------------------------------------------------------------------


def test_today_shows_the_technicians_visits_today_and_in_the_coming_days_in_order(
    client, organization, customer, tom
):
    later = book(customer, tom, in_days(3, 9))
    sooner = book(customer, tom, in_days(1, 15))
    client.force_login(tom)

    response = client.get(reverse("accounts:technician-today", args=["acme"]))

    page = response.content.decode()
    assert page.index(f'data-visit-id="{sooner.pk}"') < page.index(f'data-visit-id="{later.pk}"')
    assert "https://www.google.com/maps/search/?api=1&amp;query=14%20Mill%20Lane" in page
    assert "Pressure drops overnight." in page
    assert "Ring twice." in page
    assert "No visits assigned for today" not in page


def test_a_technician_sees_only_their_own_visits(client, organization, customer, leeds, tom):
    colleague = bookable(organization, areas=[leeds], email="tess@acme.example")
    theirs = book(customer, colleague, in_days(2, 10))
    client.force_login(tom)

    assert client.get(reverse("technicians:visit", args=[theirs.pk])).status_code == 404
    step = client.post(reverse("technicians:visit-step", args=[theirs.pk]), {"step": "on_the_way"})
    assert step.status_code == 404
    today = client.get(reverse("accounts:technician-today", args=["acme"]))
    assert f'data-visit-id="{theirs.pk}"' not in today.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == VisitStatus.SCHEDULED


def test_staff_of_another_organization_find_no_visit(client, customer, tom, other_manager):
    visit = book(customer, tom, in_days(2, 10))
    client.force_login(other_manager)

    assert client.get(reverse("technicians:visit", args=[visit.pk])).status_code == 404
    assert client.get(reverse("technicians:agenda", args=["acme"])).status_code == 404
    assert client.get(reverse("technicians:working-hours", args=["acme"])).status_code == 404


def test_a_technician_taps_through_the_steps_and_reports_the_work_done(client, customer, tom):
    visit = book(customer, tom, in_days(2, 10))
    client.force_login(tom)
    url = reverse("technicians:visit-step", args=[visit.pk])

    for step in ("on_the_way", "arrived", "in_progress"):
        assert client.post(url, {"step": step}).status_code == 302
    report = client.post(
        reverse("technicians:visit-report", args=[visit.pk]),
        {
            "report": "Replaced the pressure valve.",
            "parts_used": "Valve PV-22",
            "time_spent_minutes": "45",
            "outcome": "fixed",
            "photos": [picture("valve.jpg")],
        },
    )

    assert report.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED
    assert (visit.report, visit.parts_used, visit.time_spent_minutes) == (
        "Replaced the pressure valve.",
        "Valve PV-22",
        45,
    )
    photo = visit.photos.get()
    page = client.get(reverse("technicians:visit", args=[visit.pk])).content.decode()
    assert reverse("technicians:visit-photo", args=[photo.token]) in page


def test_a_report_without_words_or_with_a_fake_photo_is_shown_back_with_its_errors(
    client, customer, tom
):
    visit = book(customer, tom, in_days(2, 10))
    services.visit_step(visit=visit, step=VisitStatus.IN_PROGRESS, by=tom)
    client.force_login(tom)

    empty = client.post(reverse("technicians:visit-report", args=[visit.pk]), {"outcome": "x"})
    fake = client.post(
        reverse("technicians:visit-report", args=[visit.pk]),
        {"report": "Done.", "outcome": "fixed", "photos": [picture("a.jpg", b"not a picture")]},
    )

    assert empty.status_code == fake.status_code == 400
    assert set(empty.context["report_form"].errors) == {"report", "outcome"}
    assert "photos" in fake.context["report_form"].errors
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS


def test_a_step_out_of_order_is_a_message_not_a_500(client, customer, tom):
    visit = book(customer, tom, in_days(2, 10))
    services.visit_step(visit=visit, step=VisitStatus.ARRIVED, by=tom)
    client.force_login(tom)

    back = client.post(
        reverse("technicians:visit-step", args=[visit.pk]), {"step": "on_the_way"}, follow=True
    )
    nonsense = client.post(reverse("technicians:visit-step", args=[visit.pk]), {"step": "x"})

    assert back.status_code == 200
    assert "can&#x27;t become on the way" in back.content.decode()
    assert nonsense.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.ARRIVED


def test_a_technician_sets_their_working_hours(client, tom):
    client.force_login(tom)
    url = reverse("technicians:working-hours", args=["acme"])

    page = client.get(url)
    saved = client.post(
        url,
        {"d0_0_start": "07:30", "d0_0_end": "12:00", "d0_1_start": "13:00", "d0_1_end": "16:00"},
    )
    bad = client.post(url, {"d1_0_start": "09:00"})

    assert page.status_code == 200
    assert saved.status_code == 302
    assert list(
        WorkingHours.objects.filter(technician__membership__user=tom).values_list(
            "weekday", "start", "end"
        )
    ) == [(0, time(7, 30), time(12)), (0, time(13), time(16))]
    assert bad.status_code == 400
    assert "Give both a start and an end." in bad.content.decode()


def test_overlapping_hours_are_an_error_on_the_page(client, tom):
    client.force_login(tom)

    response = client.post(
        reverse("technicians:working-hours", args=["acme"]),
        {"d0_0_start": "08:00", "d0_0_end": "12:00", "d0_1_start": "11:00", "d0_1_end": "16:00"},
    )

    assert response.status_code == 400
    assert "Working hours of one day may not overlap." in response.content.decode()


def test_a_technician_takes_time_off_and_removes_it(client, tom):
    client.force_login(tom)
    url = reverse("technicians:time-off", args=["acme"])
    first = in_days(5, 0).date()

    added = client.post(
        url, {"first_day": first.isoformat(), "last_day": first.isoformat(), "reason": "Dentist"}
    )

    assert added.status_code == 302
    time_off = TimeOff.objects.get()
    assert (time_off.start, time_off.end) == (in_days(5, 0), in_days(6, 0))
    assert "Dentist" in client.get(url).content.decode()
    removed = client.post(reverse("technicians:time-off-remove", args=["acme", time_off.pk]))
    assert removed.status_code == 302
    assert not TimeOff.objects.exists()


def test_time_off_over_booked_visits_is_refused_on_the_page(client, customer, tom):
    visit = book(customer, tom, in_days(5, 10))
    client.force_login(tom)
    day = visit.scheduled_start.astimezone(LONDON).date().isoformat()

    response = client.post(
        reverse("technicians:time-off", args=["acme"]), {"first_day": day, "last_day": day}
    )

    assert response.status_code == 400
    assert "You have visits booked then" in response.content.decode()
    assert not TimeOff.objects.exists()


def test_another_technicians_time_off_is_not_found(client, organization, leeds, tom):
    colleague = bookable(organization, areas=[leeds], email="tess@acme.example")
    start = in_days(5, 0)
    theirs = TimeOff.objects.create(
        technician=profile_of(colleague), start=start, end=start + timedelta(days=1)
    )
    client.force_login(tom)

    response = client.post(reverse("technicians:time-off-remove", args=["acme", theirs.pk]))

    assert response.status_code == 404
    assert TimeOff.objects.filter(pk=theirs.pk).exists()


def test_a_receptionist_has_no_technician_pages(client, receptionist, tom):
    client.force_login(receptionist)

    assert client.get(reverse("technicians:working-hours", args=["acme"])).status_code == 404
    assert client.get(reverse("technicians:time-off", args=["acme"])).status_code == 404


def test_a_technician_without_a_profile_finds_no_hours_page(client, organization):
    newcomer = staff(organization, Role.TECHNICIAN, email="new@acme.example")
    client.force_login(newcomer)

    assert client.get(reverse("technicians:working-hours", args=["acme"])).status_code == 404


def test_notifications_of_a_visit_link_to_its_page(customer, tom, after_commit):
    with after_commit():
        visit = book(customer, tom, in_days(2, 10))

    notification = customer.notifications.filter(kind="visit.booked").first()

    assert notification.link == reverse("technicians:visit", args=[visit.pk])


def test_the_organizations_desk_sees_a_visit_without_the_customers_buttons(
    client, customer, receptionist, tom
):
    visit = book(customer, tom, in_days(3, 10))
    client.force_login(receptionist)

    response = client.get(reverse("technicians:visit", args=[visit.pk]))

    assert response.status_code == 200
    assert "Cancel the visit" not in response.content.decode()
    assert client.get(reverse("technicians:visit-reschedule", args=[visit.pk])).status_code == 404


def test_the_home_panels_live_refresh_lists_the_newest_visits_only(client, customer, tom):
    visits = [book(customer, tom, in_days(2 + n, 10)) for n in range(6)]
    client.force_login(customer)

    home = client.get(reverse("technicians:mine"), {"home": "1"}, headers={"HX-Request": "true"})
    full = client.get(reverse("technicians:mine"))

    assert home.content.decode().lstrip().startswith('<div id="customer-visits"')
    assert len(home.context["visits"]) == 5
    assert visits[0] not in home.context["visits"]
    assert len(full.context["visits"]) == 6
