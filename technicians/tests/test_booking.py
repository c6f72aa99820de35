"""Booking from the search, moving and calling off: who may, the organization's cut-off, who
is told, and the reminder before the visit."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from accounts.tests.factories import staff
from csportal.models import Event
from csportal.realtime import org_audience_group, user_group
from notifications.models import Channel, Notification
from technicians import availability, services
from technicians.models import ServiceRequest, VisitSettings, VisitStatus
from technicians.services import SlotTaken
from technicians.tests.factories import area, bookable, booked_visit, product

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)  # Monday morning


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 1, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def leeds(organization):
    product(organization, "boilers", "Boilers")
    return area(organization, "LS2", name="Leeds centre")


@pytest.fixture
def tom(organization, leeds):
    return bookable(organization, areas=[leeds], full_name="Tom Technician")


def book(organization, customer, technician, start, *, by=None, now=NOW, **fields):
    values = {
        "postal_code": "ls2 7qt",
        "skill": "boilers",
        "address": "14 Mill Lane, Leeds",
        "symptoms": "Pressure drops overnight.\nThe valve hisses.",
    }
    values.update(fields)
    return services.visit_book(
        organization=organization,
        customer=customer,
        technician=technician,
        start=start,
        end=start + timedelta(hours=1),
        by=by or customer,
        now=now,
        **values,
    )


def told(visit) -> set[str]:
    return set(
        Event.objects.filter(type="visit.updated", data__id=visit.pk).values_list(
            "group", flat=True
        )
    )


def notified(kind: str) -> set[tuple[str, str]]:
    return set(
        Notification.objects.filter(kind=kind, channel=Channel.IN_APP).values_list(
            "recipient__email", "title"
        )
    )


def test_a_customer_books_an_offered_technician_and_everyone_concerned_is_told(
    organization, customer, tom, leeds, after_commit
):
    with after_commit():
        visit = book(organization, customer, tom, local(7, 9), customer_notes=" Ring twice ")

    visit.refresh_from_db()
    assert (visit.status, visit.technician, visit.area, visit.product.skill) == (
        VisitStatus.SCHEDULED,
        tom,
        leeds,
        "boilers",
    )
    assert (visit.postal_code, visit.summary, visit.customer_notes, visit.booked_by) == (
        "LS27QT",
        "Boilers: Pressure drops overnight.",
        "Ring twice",
        None,
    )
    assert (visit.scheduled_start, visit.scheduled_end) == (local(7, 9), local(7, 10))
    assert visit.remind_at == local(6, 9)  # the default reminder: a day before
    assert told(visit) == {
        user_group(customer.pk),
        user_group(tom.pk),
        org_audience_group(organization.pk, services.VISIT_AUDIENCE),
    }
    assert notified("visit.booked") == {
        (customer.email, "Your visit is booked for 2031-01-07 09:00"),
        (tom.email, "New visit on 2031-01-07 09:00: Boilers: Pressure drops overnight."),
    }


def test_reception_books_for_a_caller(organization, customer, tom, receptionist):
    visit = book(organization, customer, tom, local(7, 9), by=receptionist)

    assert (visit.customer, visit.booked_by) == (customer, receptionist)


def test_nobody_else_books_for_a_customer(organization, customer, other_customer, tom, agent):
    for someone in (other_customer, agent, tom):
        with pytest.raises(ValidationError):
            book(organization, customer, tom, local(7, 9), by=someone)

    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("address", " "), ("symptoms", "")])
def test_a_booking_says_where_and_what_is_wrong(organization, customer, tom, field, value):
    with pytest.raises(ValidationError) as refused:
        book(organization, customer, tom, local(7, 9), **{field: value})

    assert field in refused.value.message_dict
    assert not ServiceRequest.objects.exists()


def test_booking_a_technician_the_search_would_not_offer_is_refused_with_who_is_free(
    organization, customer, tom, leeds
):
    tess = bookable(organization, areas=[leeds], full_name="Tess Technician")
    booked_visit(tom, local(7, 9))

    with pytest.raises(SlotTaken) as taken:
        book(organization, customer, tom, local(7, 9))

    assert [str(offer.technician) for offer in taken.value.availability.free] == [str(tess)]
    assert ServiceRequest.objects.filter(customer=customer).count() == 0


def test_the_loser_of_the_last_slot_is_offered_the_nearest_free_times_at_once(
    organization, customer, other_customer, tom
):
    book(organization, customer, tom, local(7, 9))

    with pytest.raises(SlotTaken) as taken:
        book(organization, other_customer, tom, local(7, 9))

    offered = taken.value.availability
    assert offered.free == []
    assert offered.after[0].start == local(7, 10)
    assert offered.before[0].start == local(7, 8)
    assert ServiceRequest.objects.count() == 1


def test_a_technician_outside_the_area_or_without_the_skill_cant_be_booked(
    organization, customer, leeds
):
    elsewhere = bookable(organization, areas=[area(organization, "YO21")])
    unskilled = bookable(organization, areas=[leeds], skills=["ovens"])

    for technician in (elsewhere, unskilled):
        with pytest.raises(SlotTaken):
            book(organization, customer, technician, local(7, 9))


def test_the_customer_moves_their_visit_before_the_cutoff_and_the_technician_is_told(
    organization, customer, tom, after_commit
):
    visit = book(organization, customer, tom, local(7, 9))
    ServiceRequest.objects.filter(pk=visit.pk).update(reminded_at=NOW)

    with after_commit():
        moved = services.visit_reschedule(
            visit=visit, start=local(8, 14), end=local(8, 15), by=customer, now=NOW
        )

    moved.refresh_from_db()
    assert (moved.scheduled_start, moved.remind_at, moved.reminded_at) == (
        local(8, 14),
        local(7, 14),
        None,
    )
    assert notified("visit.changed") == {
        (tom.email, "Visit moved to 2031-01-08 14:00: Boilers: Pressure drops overnight.")
    }


def test_the_customer_cant_move_or_cancel_after_the_cutoff_but_the_desk_can(
    organization, customer, tom, receptionist
):
    VisitSettings.objects.create(organization=organization, change_cutoff_hours=48)
    visit = book(organization, customer, tom, local(7, 9))

    with pytest.raises(ValidationError):
        services.visit_reschedule(
            visit=visit, start=local(9, 9), end=local(9, 10), by=customer, now=NOW
        )
    with pytest.raises(ValidationError):
        services.visit_cancel(visit=visit, by=customer, now=NOW)
    visit.refresh_from_db()
    assert (visit.status, visit.scheduled_start) == (VisitStatus.SCHEDULED, local(7, 9))

    services.visit_reschedule(
        visit=visit, start=local(9, 9), end=local(9, 10), by=receptionist, now=NOW
    )
    cancelled = services.visit_cancel(visit=visit, by=receptionist, now=NOW)

    assert (cancelled.status, cancelled.cancelled_at, cancelled.remind_at) == (
        VisitStatus.CANCELLED,
        NOW,
        None,
    )


def test_a_visit_is_moved_only_to_a_free_time_and_may_overlap_its_own(organization, customer, tom):
    visit = book(organization, customer, tom, local(7, 9))
    booked_visit(tom, local(7, 11))

    services.visit_reschedule(
        visit=visit, start=local(7, 9, 30), end=local(7, 10, 30), by=customer, now=NOW
    )
    with pytest.raises(SlotTaken) as taken:
        services.visit_reschedule(
            visit=visit, start=local(7, 10, 30), end=local(7, 11, 30), by=customer, now=NOW
        )

    visit.refresh_from_db()
    assert visit.scheduled_start == local(7, 9, 30)
    assert taken.value.availability.after[0].start == local(7, 12)


def test_moving_to_another_technician_tells_both(organization, customer, tom, leeds):
    tess = bookable(organization, areas=[leeds])
    visit = book(organization, customer, tom, local(7, 9))
    Event.objects.all().delete()

    moved = services.visit_reschedule(
        visit=visit, start=local(7, 9), end=local(7, 10), technician=tess, by=customer, now=NOW
    )

    assert moved.technician == tess
    assert {user_group(tom.pk), user_group(tess.pk)} <= told(visit)


def test_a_cancelled_visit_frees_the_technicians_time_at_once(organization, customer, tom):
    visit = book(organization, customer, tom, local(7, 9))

    services.visit_cancel(visit=visit, by=customer, now=NOW)

    found = availability.search(
        organization, "LS2 7QT", "boilers", local(7, 9), local(7, 10), now=NOW
    )
    assert [offer.technician for offer in found.free] == [tom]


def test_only_the_customer_or_the_desk_cancels(organization, customer, tom, agent):
    visit = book(organization, customer, tom, local(7, 9))

    for someone in (tom, agent):
        with pytest.raises(ValidationError):
            services.visit_cancel(visit=visit, by=someone, now=NOW)

    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED


def test_scheduling_by_hand_ignores_hours_and_areas_but_never_double_books(
    organization, customer, tom, receptionist
):
    request = services.visit_request(
        customer=customer, organization=organization, summary="Fit a socket", postal_code="LS2 7QT"
    )
    booked_visit(tom, local(7, 9))

    with pytest.raises(ValidationError) as taken:
        services.visit_schedule(
            visit=request, technician=tom, start=local(7, 9, 30), end=local(7, 10), by=receptionist
        )
    late = services.visit_schedule(
        visit=request, technician=tom, start=local(7, 20), end=local(7, 21), by=receptionist
    )

    assert "technician" in taken.value.message_dict
    assert (late.status, late.scheduled_start, late.area.name) == (
        VisitStatus.SCHEDULED,
        local(7, 20),
        "Leeds centre",
    )


def test_the_reminder_goes_once_when_it_is_due_and_again_only_for_a_new_time(
    organization, customer, tom, receptionist, after_commit
):
    visit = book(organization, customer, tom, local(8, 9))
    cancelled = book(organization, customer, tom, local(8, 11))
    services.visit_cancel(visit=cancelled, by=customer, now=NOW)

    with after_commit():
        early = services.visits_send_reminders(now=local(7, 8))
        due = services.visits_send_reminders(now=local(7, 9, 1))
        again = services.visits_send_reminders(now=local(7, 9, 2))
    services.visit_reschedule(
        visit=visit, start=local(9, 9), end=local(9, 10), by=receptionist, now=local(7, 10)
    )
    with after_commit():
        moved = services.visits_send_reminders(now=local(8, 9, 1))

    assert (early, due, again, moved) == (0, 1, 0, 1)
    assert (
        Notification.objects.filter(
            kind="visit.reminder", recipient=customer, channel=Channel.IN_APP
        ).count()
        == 2
    )


def test_a_visit_booked_within_the_reminder_time_gets_no_reminder(organization, customer, tom):
    visit = book(organization, customer, tom, local(7, 9), now=local(6, 20))

    assert visit.remind_at is None


def test_a_request_without_a_time_waits_at_its_areas_office(organization, customer, leeds):
    request = services.visit_request(
        customer=customer,
        organization=organization,
        summary="Fit two sockets",
        postal_code="ls2 9aa",
        product=product(organization, "electrics"),
        symptoms="None yet",
    )

    assert (request.status, request.area, request.postal_code) == (
        VisitStatus.REQUESTED,
        leeds,
        "LS29AA",
    )


def test_a_technician_with_no_hours_set_is_never_offered(organization, customer, leeds):
    idle = bookable(organization, areas=[leeds], hours=None)

    with pytest.raises(SlotTaken):
        book(organization, customer, idle, local(7, 9))


def test_only_the_organizations_technicians_can_be_scheduled_by_hand(
    organization, other_organization, customer, receptionist
):
    request = services.visit_request(customer=customer, organization=organization, summary="X")
    outsider = staff(other_organization, Role.TECHNICIAN)

    with pytest.raises(ValidationError) as refused:
        services.visit_schedule(
            visit=request,
            technician=outsider,
            start=local(7, 9),
            end=local(7, 10),
            by=receptionist,
        )

    assert "technician" in refused.value.message_dict
