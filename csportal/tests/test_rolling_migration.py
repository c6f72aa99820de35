"""A process that is still running keeps working while a migration changes its tables.

A rolling deploy migrates first and replaces the processes one by one, so for a while old
processes query a schema one migration ahead of their code. Server-side prepared statements
(psycopg's `prepare_threshold`) keep each statement's result type from the moment it was
prepared; PostgreSQL refuses to run one whose result type has changed since.
"""

from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connection, connections, models

from accounts.tests.factories import CustomerFactory, OrganizationFactory
from tickets.models import Ticket

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (CI runs it)"),
    pytest.mark.django_db(transaction=True),
]

PREPARED = {"server_side_binding": True, "prepare_threshold": 0}  # prepared on first run
# Runs of a statement before the migration: past any threshold a process might prepare at.
WARM_RUNS = 10


@contextmanager
def running_process(**options):
    """A connection of another process: the settings' options, with `options` on top."""
    configured = {k: v for k, v in connection.settings_dict["OPTIONS"].items() if k != "pool"}
    settings_dict = {**connection.settings_dict, "OPTIONS": {**configured, **options}}
    other = type(connections[DEFAULT_DB_ALIAS])(settings_dict, alias="running-process")
    try:
        yield other
    finally:
        other.close()


def read_tickets(process, organization_id: int, *, runs: int = 1) -> list:
    """What the old code sends for an inbox read: every column of the model it knows."""
    sql, params = Ticket.objects.filter(organization_id=organization_id).query.sql_with_params()
    with process.cursor() as cursor:
        for _ in range(runs):
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    return rows


@contextmanager
def migrated(change):
    """Apply a schema change through the schema editor, as a migration does, and commit it;
    undo it after."""
    with connection.schema_editor() as editor:
        change(editor, forwards=True)
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            change(editor, forwards=False)


def add_column(editor, *, forwards: bool) -> None:
    field = models.CharField(max_length=20, null=True)
    field.set_attributes_from_name("migration_probe")
    field.model = Ticket
    if forwards:
        editor.add_field(Ticket, field)
    else:
        editor.remove_field(Ticket, field)


def widen_subject(editor, *, forwards: bool) -> None:
    old = Ticket._meta.get_field("subject")
    new = old.clone()
    new.max_length = 300
    new.set_attributes_from_name("subject")
    new.model = Ticket
    editor.alter_field(Ticket, *((old, new) if forwards else (new, old)))


@pytest.fixture
def ticket():
    customer = CustomerFactory()
    organization = OrganizationFactory()
    return Ticket.objects.create(
        organization=organization, customer=customer, subject="Boiler", body="Bangs."
    )


@pytest.mark.parametrize("options", [{}, PREPARED], ids=["as-configured", "prepared"])
def test_a_running_process_keeps_reading_after_a_migration_adds_a_column(ticket, options):
    with running_process(**options) as process:
        before = read_tickets(process, ticket.organization_id, runs=WARM_RUNS)

        with migrated(add_column):
            after = read_tickets(process, ticket.organization_id)

    assert after == before


def test_as_configured_a_running_process_keeps_reading_after_a_column_is_widened(ticket):
    with running_process() as process:
        before = read_tickets(process, ticket.organization_id, runs=WARM_RUNS)

        with migrated(widen_subject):
            after = read_tickets(process, ticket.organization_id)

    assert after == before


def test_with_prepared_statements_a_widened_column_breaks_a_running_process(ticket):
    # Why `prepare_threshold` is not set: AlterField(max_length=...) is an ordinary migration,
    # harmless to the old code, and every old process would fail this read until restarted.
    with running_process(**PREPARED) as process:
        read_tickets(process, ticket.organization_id, runs=WARM_RUNS)

        with (
            migrated(widen_subject),
            pytest.raises(NotSupportedError, match="cached plan must not change result type"),
        ):
            read_tickets(process, ticket.organization_id)
