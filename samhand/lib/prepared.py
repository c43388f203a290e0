"""Querysets compiled once and run many times: the hot path's reads without the ORM's compiler.

Turning a queryset with a few joins into SQL costs Django about a millisecond of CPU each time
(the statement itself runs in a tenth of that). The hot path asks the same few questions over and
over with different values — an inbox's unread entries, the deliveries a worker claimed, the
entries an EPR answers — so ``Prepared`` compiles each shape once and keeps the SQL, where each
value goes in it, and how Django turns a row into objects (``select_related`` included)::

    unread = Prepared(lambda her_ids, *, limit: Delivery.objects.select_related("message")
                      .filter(her_id__in=her_ids, read_at__isnull=True).order_by("delivered_at")[:limit])
    unread(["8201001"], limit=100)  # -> list[Delivery], as list(queryset) would give

Positional arguments are values (a scalar, or a list whose length is part of the shape); keyword
arguments shape the query itself (a limit, a flag) and are part of the key. A shape is compiled
with stand-in values, and each stand-in must reappear unchanged among the statement's parameters
— else that shape is not prepared and the queryset runs as usual (a lookup that rewrites its
value, like ``icontains``, cannot be prepared). Only on PostgreSQL, whose driver takes the values
as they are; elsewhere every call builds and runs the queryset.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models.query import get_related_populators

_MAGIC = 0x5A4D_6861_6E64  # "samhand", to make stand-ins no real value equals


def _stand_in(value, n: int):
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=(_MAGIC << 64) | n)
    if isinstance(value, bool):
        raise TypeError("a boolean is a shape, not a value: pass it by keyword")
    if isinstance(value, int):
        return -(_MAGIC * 1000 + n)
    if isinstance(value, datetime):
        return datetime(1901, 1, 1, tzinfo=UTC) + timedelta(microseconds=n + 1)
    if isinstance(value, str):
        return f"\ue000samhand-{n}\ue000"
    raise TypeError(f"cannot prepare a value of type {type(value).__name__}")


@dataclass
class _Shape:
    sql: str
    slots: list  # per parameter: (argument, index or None) or ("const", value)
    compiler: object
    init_list: list[str]
    start: int
    end: int
    populators: list
    model: type
    using: str


class Prepared:
    def __init__(self, build: Callable[..., object]):
        self.build = build
        self._shapes: dict[tuple, _Shape | None] = {}
        self._lock = threading.Lock()

    def __call__(self, *values, **shape) -> list:
        compiled, queryset = self._shape(values, shape)
        return list(queryset) if compiled is None else self._run(compiled, values)

    def after(self, prefix: str, prefix_params: list, *values, **shape) -> list | None:
        """The objects of the statement ``prefix`` + this query (``prefix`` a ``WITH …`` the query
        reads from, e.g. an UPDATE … RETURNING), in one statement; None where the query cannot be
        prepared (the caller then runs the two apart)."""
        compiled, _queryset = self._shape(values, shape)
        if compiled is None or compiled.model is None:
            return None
        return self._run(compiled, values, prefix=(prefix, prefix_params))

    def statement(self, *values, **shape) -> tuple[str, list]:
        """The SQL and parameters of the queryset for these values, to embed in a statement of the
        caller's own (compiled once per shape like a call)."""
        compiled, queryset = self._shape(values, shape)
        return queryset.query.sql_with_params() if compiled is None else (compiled.sql, self._params(compiled, values))

    def _shape(self, values: tuple, shape: dict):
        """(compiled shape, None), or (None, the queryset) where the statement cannot be prepared
        (not PostgreSQL, or a stand-in value did not survive compilation)."""
        key = (tuple(len(v) if isinstance(v, (list, tuple)) else None for v in values),
               tuple(sorted(shape.items())))
        compiled = self._shapes.get(key, False)
        if compiled is not False:
            return (compiled, None) if compiled is not None else (None, self.build(*values, **shape))
        queryset = self.build(*values, **shape)
        if connections[queryset.db].vendor != "postgresql":
            return None, queryset
        compiled = self._compile(values, shape, queryset.db)
        with self._lock:
            self._shapes[key] = compiled
        return (compiled, None) if compiled is not None else (None, queryset)

    def _compile(self, values: tuple, shape: dict, using: str) -> _Shape | None:
        stand_ins: dict = {}
        args = []
        n = 0
        for i, value in enumerate(values):
            if isinstance(value, (list, tuple)):
                arg = []
                for j, item in enumerate(value):
                    s = _stand_in(item, n)
                    n += 1
                    stand_ins[s] = (i, j)
                    arg.append(s)
                args.append(arg)
            else:
                s = _stand_in(value, n)
                n += 1
                stand_ins[s] = (i, None)
                args.append(s)
        queryset = self.build(*args, **shape)
        if queryset._known_related_objects or queryset._prefetch_related_lookups:
            return None
        compiler = queryset.query.get_compiler(using=using)
        try:
            if connections[using].in_atomic_block:
                sql, params = compiler.as_sql()
            else:
                with transaction.atomic(using=using):  # select_for_update compiles only inside one
                    sql, params = compiler.as_sql()
        except EmptyResultSet:  # e.g. ``__in`` an empty list: nothing to prepare, the queryset says []
            return None
        slots, seen = [], set()
        for p in params:
            try:
                where = stand_ins.get(p)
            except TypeError:  # unhashable parameter: a constant
                where = None
            if where is None:
                slots.append(("const", p))
            else:
                slots.append(where)
                seen.add(where)
        if len(seen) != len(stand_ins):
            return None  # a value was rewritten on its way into the statement
        klass_info, select = compiler.klass_info, compiler.select
        if klass_info is None or compiler.annotation_col_map:  # SQL only (``statement``), no objects
            return _Shape(sql=sql, slots=slots, compiler=None, init_list=[], start=0, end=0, populators=[],
                          model=None, using=using)
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Shape(sql=sql, slots=slots, compiler=compiler,
                      init_list=[f[0].target.attname for f in select[start:end]], start=start, end=end,
                      populators=get_related_populators(klass_info, select, using), model=klass_info["model"],
                      using=using)

    @staticmethod
    def _params(shape: _Shape, values: tuple) -> list:
        return [slot[1] if slot[0] == "const" else
                (values[slot[0]] if slot[1] is None else values[slot[0]][slot[1]]) for slot in shape.slots]

    def _run(self, shape: _Shape, values: tuple, prefix: tuple[str, list] = ("", [])) -> list:
        if shape.model is None:
            raise TypeError("this query returns no model instances: use statement()")
        params = self._params(shape, values)
        using = shape.using
        with connections[using].cursor() as cursor:
            cursor.execute(prefix[0] + shape.sql, prefix[1] + params)
            rows = cursor.fetchall()
        out = []
        for row in shape.compiler.results_iter([rows]):
            obj = shape.model.from_db(using, shape.init_list, row[shape.start:shape.end])
            for populator in shape.populators:
                populator.populate(row, obj)
            out.append(obj)
        return out
