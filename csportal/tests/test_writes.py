"""Rows of several tables written together: ids first, then everything at once, or nothing."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, Organization, Role
from accounts.tests.factories import UserFactory
from csportal import writes
from csportal.models import Event
from tickets.models import TicketUpdate, UpdateKind
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def new_organization(slug: str) -> Organization:
    return Organization(name=slug.title(), slug=slug)


def test_reserved_rows_have_ids_inside_the_block_and_added_rows_once_it_ends():
    user = UserFactory()
    organization = new_organization("acme")
    membership = Membership(user=user, organization=organization, role=Role.AGENT)

    with writes.together() as rows:
        rows.reserve(organization)
        reserved_id = organization.pk
        event = Event(group=f"org.{organization.pk}.staff", type="test.event", data={"n": 1})
        rows.add(membership, event)
        assert reserved_id is not None

    assert Organization.objects.get(pk=reserved_id).slug == "acme"
    assert Membership.objects.get(pk=membership.pk).organization_id == reserved_id
    assert Event.objects.get(pk=event.pk).group == f"org.{reserved_id}.staff"
    assert not organization._state.adding


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL")
def test_on_postgresql_the_ids_take_one_round_trip_and_the_rows_one_statement():
    user = UserFactory()
    with writes.together() as rows:  # the sequences' names are looked up once per process
        rows.reserve(new_organization("first"))

    with CaptureQueriesContext(connection) as queries, writes.together() as rows:
        organization = new_organization("second")
        rows.reserve(organization)
        rows.add(
            Membership(user=user, organization=organization, role=Role.AGENT),
            Event(group="user.1", type="test.event", data={}),
        )

    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT", "WITH"]


def test_every_kind_of_value_reads_back_as_the_orm_would_have_written_it():
    ticket = TicketFactory()
    at = datetime(2026, 11, 25, 21, 10, 59, 839103, tzinfo=UTC)
    data = {"when": at, "price": Decimal("12.50"), "quote": 'say "hi" \\ 😀', "none": None}
    values = {"kind": UpdateKind.PROGRESS, "body": "Ünïcode ‘quotes’ \n 😀", "data": data}
    by_orm = TicketUpdate.objects.create(ticket=ticket, created_at=at, is_public=False, **values)
    together = TicketUpdate(ticket=ticket, created_at=at, is_public=False, **values)

    with writes.together() as rows:
        rows.add(together)

    written = TicketUpdate.objects.get(pk=together.pk)
    expected = TicketUpdate.objects.get(pk=by_orm.pk)
    for field in TicketUpdate._meta.concrete_fields:
        if field.name != "id":
            assert getattr(written, field.attname) == getattr(expected, field.attname), field.name
    assert written.created_at == at


def test_a_row_that_breaks_a_constraint_takes_every_row_of_the_write_with_it():
    Organization.objects.create(name="Taken", slug="taken")
    events_before = Event.objects.count()

    def write_with_a_taken_slug():
        with transaction.atomic(), writes.together() as rows:
            rows.reserve(new_organization("fresh"), new_organization("taken"))
            rows.add(Event(group="user.1", type="test.event", data={}))

    with pytest.raises(IntegrityError):
        write_with_a_taken_slug()

    assert not Organization.objects.filter(slug="fresh").exists()
    assert Event.objects.count() == events_before


def test_an_error_inside_the_block_writes_nothing():
    def write_then_fail():
        with writes.together() as rows:
            rows.reserve(new_organization("never"))
            rows.add(Event(group="user.1", type="test.event", data={}))
            raise RuntimeError("routing failed")

    with pytest.raises(RuntimeError):
        write_then_fail()

    assert not Organization.objects.filter(slug="never").exists()


def test_an_added_row_takes_its_id_from_the_database():
    with pytest.raises(ValueError, match="reserve"), writes.together() as rows:
        rows.add(Organization(pk=123, name="Chosen", slug="chosen"))
