"""A visit's life through its services: who may move it, which moves are allowed, who is told."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import staff
from csportal.models import Event
from csportal.realtime import org_audience_group, org_staff_group, user_group
from technicians import services
from technicians.models import ServiceRequest, VisitStatus
from technicians.tests.factories import VisitFactory
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def later_at(hour: int):
    # The day after tomorrow: past the default cut-off of 24 hours at any time of day.
    day = timezone.now() + timedelta(days=2)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def scheduled(visit, technician, receptionist):
    return services.visit_schedule(
        visit=visit,
        technician=technician,
        start=later_at(9),
        end=later_at(11),
        by=receptionist,
    )


def test_a_customer_asks_for_a_visit_about_one_of_their_tickets(organization, customer):
    ticket = TicketFactory(organization=organization, customer=customer)

    visit = services.visit_request(
        customer=customer,
        organization=organization,
        summary="  The boiler bangs  ",
        address="12 Station Road",
        ticket=ticket,
    )

    assert (visit.status, visit.summary, visit.ticket) == (
        VisitStatus.REQUESTED,
        "The boiler bangs",
        ticket,
    )
    assert Event.objects.filter(
        type="visit.updated", group=org_audience_group(organization.pk, services.VISIT_AUDIENCE)
    )
    # Technicians are staff too, and see only their own visits.
    assert not Event.objects.filter(group=org_staff_group(organization.pk))


def test_a_visit_request_must_say_what_needs_doing_and_may_not_name_someone_elses_ticket(
    organization, customer, other_customer
):
    with pytest.raises(ValidationError) as blank:
        services.visit_request(customer=customer, organization=organization, summary=" ")
    others = TicketFactory(organization=organization, customer=other_customer)
    with pytest.raises(ValidationError) as foreign:
        services.visit_request(
            customer=customer, organization=organization, summary="Fix it", ticket=others
        )

    assert "summary" in blank.value.message_dict
    assert "ticket" in foreign.value.message_dict
    assert not ServiceRequest.objects.exists()


def test_reception_books_a_technician_and_the_customer_and_technician_are_told(
    organization, customer, technician, receptionist
):
    visit = VisitFactory(organization=organization, customer=customer)

    visit = scheduled(visit, technician, receptionist)

    assert (visit.status, visit.technician, visit.scheduled_start) == (
        VisitStatus.SCHEDULED,
        technician,
        later_at(9),
    )
    told = set(Event.objects.filter(type="visit.updated").values_list("group", flat=True))
    assert {user_group(customer.pk), user_group(technician.pk)} <= told


def test_only_staff_book_and_only_the_organizations_technicians_are_booked(
    organization, customer, technician, receptionist, agent, other_organization
):
    visit = VisitFactory(organization=organization, customer=customer)
    outsider = staff(other_organization, Role.TECHNICIAN)

    with pytest.raises(ValidationError):
        scheduled(visit, technician, customer)
    with pytest.raises(ValidationError) as not_a_technician:
        scheduled(visit, agent, receptionist)
    with pytest.raises(ValidationError) as elsewhere:
        scheduled(visit, outsider, receptionist)
    with pytest.raises(ValidationError) as backwards:
        services.visit_schedule(
            visit=visit,
            technician=technician,
            start=later_at(11),
            end=later_at(9),
            by=receptionist,
        )

    assert "technician" in not_a_technician.value.message_dict
    assert "technician" in elsewhere.value.message_dict
    assert "end" in backwards.value.message_dict
    visit.refresh_from_db()
    assert (visit.status, visit.technician) == (VisitStatus.REQUESTED, None)


def test_the_technician_starts_and_completes_the_visit_with_a_report(
    organization, customer, technician, receptionist
):
    visit = scheduled(
        VisitFactory(organization=organization, customer=customer), technician, receptionist
    )

    visit = services.visit_step(visit=visit, step=VisitStatus.IN_PROGRESS, by=technician)
    visit = services.visit_complete(visit=visit, by=technician, report=" Replaced the valve. ")

    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED
    assert visit.report == "Replaced the valve."
    assert visit.started_at <= visit.completed_at


def test_only_the_visits_own_technician_works_it_and_a_report_is_required(
    organization, customer, technician, receptionist
):
    visit = scheduled(
        VisitFactory(organization=organization, customer=customer), technician, receptionist
    )
    colleague = staff(organization, Role.TECHNICIAN)

    with pytest.raises(ValidationError):
        services.visit_step(visit=visit, step=VisitStatus.IN_PROGRESS, by=colleague)
    services.visit_step(visit=visit, step=VisitStatus.IN_PROGRESS, by=technician)
    with pytest.raises(ValidationError) as no_report:
        services.visit_complete(visit=visit, by=technician, report="")

    assert "report" in no_report.value.message_dict
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS


def test_a_visit_cant_complete_before_it_starts_nor_be_cancelled_once_begun(
    organization, customer, technician, receptionist
):
    visit = scheduled(
        VisitFactory(organization=organization, customer=customer), technician, receptionist
    )

    with pytest.raises(ValidationError) as too_soon:
        services.visit_complete(visit=visit, by=technician, report="Done")
    services.visit_step(visit=visit, step=VisitStatus.IN_PROGRESS, by=technician)
    with pytest.raises(ValidationError) as too_late:
        services.visit_cancel(visit=visit, by=customer)

    assert "status" in too_soon.value.message_dict
    assert "status" in too_late.value.message_dict
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS


def test_the_customer_cancels_their_booked_visit_but_another_customer_cant(
    organization, customer, other_customer, technician, receptionist
):
    visit = scheduled(
        VisitFactory(organization=organization, customer=customer), technician, receptionist
    )

    with pytest.raises(ValidationError):
        services.visit_cancel(visit=visit, by=other_customer)
    visit = services.visit_cancel(visit=visit, by=customer)

    assert visit.status == VisitStatus.CANCELLED


def test_who_may_work_a_visit_is_checked_on_the_visit_as_stored_not_as_the_caller_read_it(
    organization, customer, technician, receptionist
):
    read_before_booking = VisitFactory(organization=organization, customer=customer)
    scheduled(read_before_booking, technician, receptionist)

    started = services.visit_step(
        visit=read_before_booking, step=VisitStatus.IN_PROGRESS, by=technician
    )

    assert started.status == VisitStatus.IN_PROGRESS


def test_a_visit_moved_to_another_technician_is_told_to_both(
    organization, customer, technician, receptionist
):
    visit = scheduled(
        VisitFactory(organization=organization, customer=customer), technician, receptionist
    )
    colleague = staff(organization, Role.TECHNICIAN)
    Event.objects.all().delete()

    services.visit_schedule(
        visit=visit,
        technician=colleague,
        start=later_at(13),
        end=later_at(15),
        by=receptionist,
    )

    told = set(Event.objects.filter(type="visit.updated").values_list("group", flat=True))
    assert {user_group(technician.pk), user_group(colleague.pk)} <= told
