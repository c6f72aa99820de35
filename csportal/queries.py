"""Query helpers shared by the apps' selectors."""

import functools
from collections.abc import Callable, Sequence

from django.db import connection
from django.db.models import Func, IntegerField, Model, QuerySet, Subquery
from django.db.models.query import get_related_populators


def count_of(queryset: QuerySet) -> Subquery:
    """`queryset.count()` as a one-value subquery, for folding several numbers into one query.

    COUNT(*) rather than COUNT(id): PostgreSQL answers it from an index alone, where COUNT(id)
    fetched every row from the table (2.9 ms against 0.8 for 850 open tickets)."""
    return Subquery(
        queryset.order_by()
        .annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
        .values("n")
    )


# Stand-ins the ORM compiles in place of real values; no real id or group name looks so.
_ID_MARK = -(2**62)
_TEXT_MARK = "\x00mark:"
# What a 64-bit id column holds. The ORM answers a lookup beyond it with no rows; passed
# to the database as is, SQLite raises OverflowError and PostgreSQL may refuse it.
_ID_RANGE = range(-(2**63), 2**63)


class Prepared:
    """A query the ORM builds and compiles once per shape, then runs again with other
    values, straight through the cursor: `.row()` for a `.values()` query, `.objects()` for
    model instances (with their select_related objects).

    `build(ids, texts)` gets marks in place of the real integers and strings and returns the
    query; the shape is how many of each there are. Building and compiling the page shell's
    query (three subqueries) cost about 1.2 ms of Python per page; running its SQL, 0.25 ms.
    """

    def __init__(self, build: Callable[[Sequence[int], Sequence[str]], QuerySet]):
        self.build = build

    @functools.cache  # noqa: B019 - one per Prepared, made at import; they live as long
    def _compiled(self, vendor: str, id_count: int, text_count: int):
        ids = [_ID_MARK + n for n in range(id_count)]
        texts = [f"{_TEXT_MARK}{n}" for n in range(text_count)]
        query = self.build(ids, texts)
        compiler = query.query.get_compiler(using=query.db)
        sql, params = compiler.as_sql()
        columns = list(query.query.values_select) + list(query.query.annotation_select)
        slots = []
        for param in params:
            if isinstance(param, int) and _ID_MARK <= param < _ID_MARK + id_count:
                slots.append(("id", param - _ID_MARK))
            elif isinstance(param, str) and param.startswith(_TEXT_MARK):
                slots.append(("text", int(param.removeprefix(_TEXT_MARK))))
            else:
                slots.append(("fixed", param))
        return sql, slots, columns, _Building(query, compiler)

    def _run(self, ids: Sequence[int], texts: Sequence[str], fetch, nothing):
        sql, slots, columns, building = self._compiled(connection.vendor, len(ids), len(texts))
        if any(value not in _ID_RANGE for value in ids):
            return nothing, columns, building
        values = {"id": ids, "text": texts}
        params = [value if kind == "fixed" else values[kind][value] for kind, value in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return fetch(cursor), columns, building

    def row(self, ids: Sequence[int], texts: Sequence[str]) -> dict | None:
        found, columns, _ = self._run(ids, texts, lambda cursor: cursor.fetchone(), None)
        return None if found is None else dict(zip(columns, found, strict=True))

    def objects(self, ids: Sequence[int], texts: Sequence[str]) -> list[Model]:
        rows, _, building = self._run(ids, texts, lambda cursor: cursor.fetchall(), [])
        return [building.instance(row) for row in rows]


class _Building:
    """How Django's ModelIterable turns a row into a model, its select_related objects and
    its annotations, worked out once from the compiled query (the same steps, without
    compiling again)."""

    def __init__(self, query: QuerySet, compiler):
        self.db = query.db
        info = compiler.klass_info
        self.model = info["model"] if info else None
        if self.model is None:  # a .values() query: rows stay rows
            return
        select = compiler.select
        self.start, self.end = info["select_fields"][0], info["select_fields"][-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(info, select, self.db)
        self.converters = list(
            compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items()
        )
        self.annotations = list(compiler.annotation_col_map.items())

    def instance(self, row) -> Model:
        if self.converters:
            row = list(row)
            for position, (converters, expression) in self.converters:
                for convert in converters:
                    row[position] = convert(row[position], expression, connection)
        instance = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, instance)
        for name, position in self.annotations:
            setattr(instance, name, row[position])
        return instance
