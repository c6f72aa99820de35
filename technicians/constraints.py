"""No double booking, on PostgreSQL in the database itself.

An exclusion constraint (btree_gist) refuses a second active visit of a technician whose
time range overlaps the first, even when two transactions insert them at the same moment:
the second waits for the first to commit, then fails. SQLite has no such constraint; there
the booking services check under the write lock SQLite takes when a transaction begins
(`transaction_mode = IMMEDIATE`, csportal.settings), which serializes every writer.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func


class TsTzRange(Func):
    """tstzrange(start, end): half-open, so a visit may start when the one before ends."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that is DDL on PostgreSQL and nothing elsewhere.

    In the model's Meta, so the migration state and the models agree and `makemigrations`
    stays quiet. Everything Django writes for it goes through these methods, including the
    CREATE TABLE of SQLite's table rebuilds when a later migration alters the table, so
    returning no SQL off PostgreSQL keeps every migration running on SQLite.
    """

    @staticmethod
    def _on_postgresql(schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._on_postgresql(schema_editor):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._on_postgresql(schema_editor):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._on_postgresql(schema_editor):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        # The services check overlaps themselves on every database; full_clean() elsewhere
        # would send PostgreSQL operators to SQLite.
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)
