"""Trigram indexes for the inbox search on PostgreSQL.

The search is `icontains` on subject and body, which Django writes as
UPPER(column) LIKE UPPER('%term%'): no b-tree can serve it, and on 100,000 tickets a rare
term (a model code) read every open ticket of the organization (13 ms). GIN indexes of the
same UPPER() expressions with pg_trgm's operator class answer it from the index. SQLite
(the embedded mode) has no such index and keeps scanning, which its sizes allow.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "ticket_subject_trgm": "subject",
    "ticket_body_trgm": "body",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "tickets_ticket" '
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_open_by_assignee_index")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
