"""New rows of several tables written together: in one statement on PostgreSQL.

A ticket, its first timeline entries and the events that announce them were four statements
in a transaction: BEGIN, three INSERTs, COMMIT, each a round trip and each through the ORM's
save machinery. Here the rows that others point to get their ids first (one round trip for
all of them), everything is built in Python, and one INSERT statement (data-modifying WITH
clauses, one per table) writes it all: a single statement is atomic without a transaction
around it. SQLite has no INSERT inside WITH; there the rows are written in a transaction,
the reserved ones at once, so their ids are known at the same point.

    with together() as rows:
        rows.reserve(ticket, *timeline)  # ids from here on
        rows.add(*events)                # ids once the block ends
"""

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import AutoField, DateTimeField, ForeignKey, JSONField, Model, TimeField

# Fields that store what the attribute holds, when it holds one of these types, as it is:
# their preparation for the database (Field.get_db_prep_save) returns such a value unchanged.
_PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.EmailField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SlugField,
    models.SmallIntegerField,
    models.TextField,
)
_PRIMITIVE = (str, int, bool)


@functools.cache
def _sequence(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        return cursor.fetchone()[0]


def _one_statement() -> bool:
    return connection.vendor == "postgresql"


class _Rows:
    def __init__(self):
        self.groups: list[list[Model]] = []

    def reserve(self, *objs: Model) -> None:
        """Give each row its id now; the row itself is written with the rest."""
        if not _one_statement():
            for group in _by_model(objs):
                type(group[0]).objects.bulk_create(group)
            return
        sequences = [_sequence(obj._meta.db_table, obj._meta.pk.column) for obj in objs]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join(["nextval(%s::regclass)"] * len(sequences)), sequences
            )
            ids = cursor.fetchone()
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
        self.groups += _by_model(objs)

    def add(self, *objs: Model) -> None:
        """Rows whose ids nobody needs before they are written."""
        if any(obj.pk is not None for obj in objs):
            raise ValueError("added rows take their ids from the database; reserve() the others")
        self.groups += _by_model(objs)


def _by_model(objs) -> list[list[Model]]:
    groups: dict[type[Model], list[Model]] = {}
    for obj in objs:
        groups.setdefault(type(obj), []).append(obj)
    return list(groups.values())


@contextmanager
def together() -> Iterator[_Rows]:
    rows = _Rows()
    if not _one_statement():
        with transaction.atomic():
            yield rows
            for group in rows.groups:
                type(group[0]).objects.bulk_create(group)
        return
    yield rows
    if rows.groups:
        _insert_in_one_statement(rows.groups)


def _insert_in_one_statement(groups: list[list[Model]]) -> None:
    # PostgreSQL runs every data-modifying WITH clause once, read or not; the primary query
    # only collects the ids of the added rows, in each INSERT's order (as bulk_create relies).
    clauses, params, added = [], [], []
    for n, group in enumerate(groups):
        sql, values = _insert_sql(group)
        clauses.append(f"w{n} AS ({sql})")
        params += values
        if group[0].pk is None:
            added.append(n)
    collect = " UNION ALL ".join(f"SELECT {n}, id FROM w{n}" for n in added) or "SELECT 0, 0"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(clauses)} {collect}", params)
        returned = cursor.fetchall()
    ids: dict[int, list[int]] = {n: [] for n in added}
    for n, pk in returned if added else []:
        ids[n].append(pk)
    for n in added:
        for obj, pk in zip(groups[n], ids[n], strict=True):
            obj.pk = pk
    for group in groups:
        for obj in group:
            obj._state.adding = False
            obj._state.db = connection.alias


def _insert_sql(objs: list[Model]) -> tuple[str, list]:
    reserved = objs[0].pk is not None  # a group is all reserved or all added
    sql, columns = _insert_shape(type(objs[0]), reserved)
    rows = []
    for obj in objs:
        # As bulk_create does: a row built with an unsaved parent takes the parent's id now.
        obj._prepare_related_fields_for_save(operation_name="together")
        row = {}
        for column, field, plain, as_json, as_text in columns:
            if plain:
                value = getattr(obj, field.attname)
                if value is None or type(value) in _PRIMITIVE:
                    row[column] = value
                    continue
            value = field.pre_save(obj, True)
            if not as_json:
                value = field.get_db_prep_save(value, connection)
                if as_text and value is not None:
                    value = value.isoformat()  # whole microseconds: DjangoJSONEncoder keeps ms
            row[column] = value
        rows.append(row)
    return sql, [json.dumps(rows, cls=DjangoJSONEncoder)]


@functools.cache
def _insert_shape(model: type[Model], with_ids: bool) -> tuple[str, list]:
    """The INSERT for `model`'s rows, and how to read each column of a row.

    The rows go in as one JSON array that json_populate_recordset reads: one parameter per
    table, so the statement's text is the same whatever the number of rows. With a
    parameter per value, a new ticket's statement had 55, past what psycopg caches the
    parsing of (50), and parsing and adapting them took 0.29 ms of each creation's CPU
    against 0.10 now. Written here rather than by the ORM's insert compiler, which works
    all of this out again for every row. Plain columns only: text, numbers, booleans, dates
    and times, UUIDs, decimals and JSON.
    """
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.generated and (with_ids or not isinstance(field, AutoField))
    ]
    for field in fields:
        if isinstance(field, JSONField) and field.encoder not in (None, DjangoJSONEncoder):
            raise ValueError(f"{model.__name__}.{field.name} has its own JSON encoder")
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    sql = (
        f"INSERT INTO {table} ({names}) "  # noqa: S608 - names from the model's own meta
        f"SELECT {names} FROM json_populate_recordset(NULL::{table}, %s::json)"
    )
    if not with_ids:
        sql += f" RETURNING {quote(model._meta.pk.column)} AS id"
    columns = [
        (
            field.column,
            field,
            type(field) in _PLAIN_FIELDS or isinstance(field, ForeignKey),
            isinstance(field, JSONField),
            isinstance(field, DateTimeField | TimeField),
        )
        for field in fields
    ]
    return sql, columns
