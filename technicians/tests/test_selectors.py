"""The reads behind the pages: the technician's days, the manager's day board and workload,
the desk's waiting requests; each a fixed number of queries."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from technicians import selectors, services
from technicians.models import VisitStatus
from technicians.tests.factories import (
    BranchOfficeFactory,
    VisitFactory,
    area,
    bookable,
    booked_visit,
)

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime(2031, 1, 7, 12, 0, tzinfo=UTC)  # Tuesday noon


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 1, day, hour, minute, tzinfo=LONDON)


def test_the_technicians_agenda_has_today_and_the_coming_days_in_order(organization, technician):
    later = booked_visit(technician, local(9, 9))
    tomorrow = booked_visit(technician, local(8, 9))
    this_morning = booked_visit(technician, local(7, 8))
    booked_visit(technician, local(8, 11), status=VisitStatus.CANCELLED)
    booked_visit(technician, local(6, 9), status=VisitStatus.COMPLETED, completed_at=local(6, 10))
    left_open = booked_visit(technician, local(6, 15), status=VisitStatus.IN_PROGRESS)
    booked_visit(technician, local(20, 9))  # beyond the week

    agenda = list(selectors.technician_agenda(technician, organization, now=NOW))

    assert agenda == [left_open, this_morning, tomorrow, later]


def test_a_technician_sees_only_their_own_agenda(organization, technician):
    colleague = bookable(organization)
    booked_visit(colleague, local(7, 15))

    assert list(selectors.technician_agenda(technician, organization, now=NOW)) == []


def test_the_day_board_has_every_technician_with_their_visits_of_that_local_day(
    organization, django_assert_num_queries
):
    tom = bookable(organization, full_name="Tom")
    tess = bookable(organization, full_name="Tess")
    late = booked_visit(tom, local(7, 23, 30))
    early = booked_visit(tom, local(7, 0, 15))
    booked_visit(tom, local(8, 0, 30))  # the next local day

    with django_assert_num_queries(2):
        board = selectors.day_board(organization, date(2031, 1, 7))

    assert [(str(row.profile), row.visits, row.booked_minutes) for row in board] == [
        ("Tess", [], 0),
        ("Tom", [early, late], 120),
    ]
    assert tess  # on the board with a free day


def test_the_workload_counts_visits_minutes_and_working_hours_per_day(
    organization, django_assert_max_num_queries
):
    leeds = area(organization, "LS")
    tom = bookable(organization, areas=[leeds], hours=(time(8), time(16)), weekdays=[0, 1])
    booked_visit(tom, local(6, 9), minutes=90)
    booked_visit(tom, local(6, 14), minutes=30)
    booked_visit(tom, local(7, 9), minutes=60, status=VisitStatus.CANCELLED)
    bookable(organization)  # covers no area

    with django_assert_max_num_queries(3):
        rows = selectors.workload(organization, date(2031, 1, 6), days=2, area=leeds)

    (row,) = rows
    assert row.technician == tom
    assert row.days == {
        date(2031, 1, 6): {"visits": 2, "booked_minutes": 120, "working_minutes": 480},
        date(2031, 1, 7): {"visits": 0, "booked_minutes": 0, "working_minutes": 480},
    }
    assert row.week == {"visits": 2, "booked_minutes": 120, "working_minutes": 960}


def test_the_area_workload_shows_visits_and_technicians_per_area(organization):
    leeds, whitby = area(organization, "LS", name="Leeds"), area(organization, "YO", name="Whitby")
    tom = bookable(organization, areas=[leeds, whitby])
    booked_visit(tom, local(6, 9), minutes=90, area=leeds)

    rows = {
        row["area"].name: row for row in selectors.area_workload(organization, date(2031, 1, 6))
    }

    assert (rows["Leeds"]["visits"], rows["Leeds"]["booked_minutes"]) == (1, 90)
    assert (rows["Whitby"]["visits"], rows["Whitby"]["technicians"]) == (0, 1)


def test_the_desk_sees_its_offices_waiting_requests_oldest_first(organization, customer):
    north, south = (
        BranchOfficeFactory(organization=organization),
        BranchOfficeFactory(organization=organization),
    )
    area(organization, "LS", office=north)
    area(organization, "YO", office=south)
    first = services.visit_request(
        customer=customer, organization=organization, summary="A", postal_code="LS1"
    )
    services.visit_request(
        customer=customer, organization=organization, summary="B", postal_code="YO1"
    )
    anywhere = services.visit_request(customer=customer, organization=organization, summary="C")
    VisitFactory(organization=organization, status=VisitStatus.CANCELLED)

    assert list(selectors.waiting_requests(organization, north)) == [first, anywhere]
    assert selectors.waiting_requests(organization).count() == 3


def test_the_customers_visits_are_their_own_newest_first(organization, customer, other_customer):
    older = VisitFactory(
        organization=organization, customer=customer, created_at=timezone.now() - timedelta(days=1)
    )
    newer = services.visit_request(customer=customer, organization=organization, summary="Again")
    VisitFactory(organization=organization, customer=other_customer)

    assert list(selectors.customer_visits(customer)) == [newer, older]
