"""No double booking, ever: many customers racing for one technician's last slot, each on
a connection of their own, on PostgreSQL (SQLite lets one writer in at a time, so there is
no race to run there)."""

import importlib
import threading
import zoneinfo
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, connections, transaction

from accounts.tests.factories import CustomerFactory
from technicians import services
from technicians.models import ServiceRequest, VisitStatus
from technicians.services import SlotTaken, booking
from technicians.tests.factories import area, bookable, booked_visit, product

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the race needs PostgreSQL's concurrent writers"
)

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)
SLOT = datetime(2031, 1, 7, 9, 0, tzinfo=LONDON)
RACERS = 20


def race(organization, technician, customers) -> tuple[list, list[SlotTaken], list]:
    """Every customer books `technician` for SLOT at the same moment, in their own thread."""
    start = threading.Barrier(len(customers))
    booked, taken, failed = [], [], []

    def attempt(customer):
        try:
            start.wait()
            booked.append(
                services.visit_book(
                    organization=organization,
                    customer=customer,
                    technician=technician,
                    skill="boilers",
                    postal_code="LS2 7QT",
                    address="1 Park Row",
                    symptoms="No hot water",
                    start=SLOT,
                    end=SLOT + timedelta(hours=1),
                    by=customer,
                    now=NOW,
                )
            )
        except SlotTaken as error:
            taken.append(error)
        except Exception as error:  # any other outcome fails the test
            failed.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(customer,)) for customer in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return booked, taken, failed


@pytest.fixture
def racers(transactional_db, organization):
    product(organization, "boilers")
    technician = bookable(organization, areas=[area(organization, "LS2")])
    return technician, [CustomerFactory() for _ in range(RACERS)]


def assert_one_booked_and_the_rest_offered_other_times(booked, taken, failed, technician):
    assert failed == []
    assert len(booked) == 1
    assert len(taken) == RACERS - 1
    assert all(error.availability.free == [] for error in taken)
    assert all(error.availability.after[0].start == SLOT + timedelta(hours=1) for error in taken)
    assert ServiceRequest.objects.filter(technician=technician).count() == 1


def test_twenty_customers_racing_for_one_slot_one_books_it_and_the_rest_get_other_times(
    organization, racers
):
    technician, customers = racers

    booked, taken, failed = race(organization, technician, customers)

    assert_one_booked_and_the_rest_offered_other_times(booked, taken, failed, technician)


def test_the_database_alone_refuses_the_second_booking_when_every_check_passes_at_once(
    organization, racers, monkeypatch
):
    # Without the lock that queues a technician's bookings, every racer's check sees the
    # slot free; the exclusion constraint is what stops all but the first.
    monkeypatch.setattr(booking, "_lock_profile", lambda organization_id, technician: None)
    technician, customers = racers

    booked, taken, failed = race(organization, technician, customers)

    assert_one_booked_and_the_rest_offered_other_times(booked, taken, failed, technician)


def test_an_overlapping_visit_of_the_same_technician_is_refused_by_the_constraint(
    organization, racers
):
    technician, _customers = racers
    booked_visit(technician, SLOT)

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        booked_visit(technician, SLOT + timedelta(minutes=30))
    booked_visit(technician, SLOT + timedelta(hours=1))  # back to back is fine
    booked_visit(technician, SLOT, status=VisitStatus.CANCELLED)  # a cancelled one holds nothing

    assert refused.value.__cause__.diag.constraint_name == "visit_no_double_booking"


def test_the_migration_names_double_bookings_made_before_the_constraint(db, organization):
    guard = importlib.import_module(
        "technicians.migrations.0002_areas_schedules_and_booking"
    ).refuse_existing_double_bookings
    technician = bookable(organization)
    with connection.cursor() as cursor:  # as it was before: DDL rolls back with the test
        cursor.execute(
            "ALTER TABLE technicians_servicerequest DROP CONSTRAINT visit_no_double_booking"
        )
    first = booked_visit(technician, SLOT)
    second = booked_visit(technician, SLOT + timedelta(minutes=30))

    with pytest.raises(RuntimeError) as refused:
        guard(apps, SimpleNamespace(connection=connection))

    assert f"[({first.pk}, {second.pk})]" in str(refused.value)
