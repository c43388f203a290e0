"""Bulk writes without the ORM's per-row compilation: one statement whose text depends only on
the model and the fields, the rows going in as one array parameter per column (``update_many``,
``insert_many``).

Django's ``bulk_update`` builds a ``CASE WHEN pk = … THEN …`` expression per field and row and
compiles it every time; on the worker's batches (chain episodes, cursors, deliveries) that
compilation cost more CPU than the database spent on the statement. On PostgreSQL
``update_many`` sends ``UPDATE … FROM UNNEST(%s::type[], …)`` instead: the same text for every
batch of the same shape, so its cost does not grow with the rows' Python objects beyond reading
their values. On other databases it falls back to ``bulk_update`` (SQLite has one writer and no
array type; its batches are small).

``insert_many`` does the same for ``bulk_create``: ``INSERT … SELECT * FROM UNNEST(…) RETURNING
id``. Its text is the same for 1 or 60 rows, so it is prepared once per connection, where a
``VALUES (…), (…)`` list is a new statement for every batch size (and a new entry in psycopg's
prepared-statement cache).
"""

from __future__ import annotations

from functools import lru_cache

from django.db import connections, router


def update_many(model, objs, fields: list[str] | tuple[str, ...]) -> int:
    """Write ``fields`` of ``objs`` (saved instances of ``model``) in one statement; returns how
    many rows were updated."""
    objs = list(objs)
    if not objs or not fields:
        return 0
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model.objects.using(using).bulk_update(objs, list(fields))
    sql, params = update_statement(model, objs, fields, using)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def update_statement(model, objs: list, fields, using: str) -> tuple[str, list]:
    """PostgreSQL: the ``UPDATE … FROM UNNEST`` of ``update_many`` and its parameters (to run, or
    to embed in a statement of the caller's own)."""
    connection = connections[using]
    sql, columns = _update_sql(model, tuple(fields), using)
    return sql, [[column.get_db_prep_save(getattr(obj, column.attname), connection) for obj in objs]
                 for column in columns]


@lru_cache(maxsize=256)
def _update_sql(model, fields: tuple[str, ...], using: str):
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    pk = meta.pk
    columns = [pk] + [meta.get_field(name) for name in fields]
    for column in columns[1:]:
        if not column.concrete or column.primary_key or column.many_to_many:
            raise ValueError(f"{model.__name__}.{column.name} cannot be bulk-updated")
    names = [f"c{i}" for i in range(len(columns))]
    arrays = ", ".join(f"%s::{_array_type(c, connection)}" for c in columns)
    sets = ", ".join(f"{quote(c.column)} = v.{n}" for c, n in zip(columns[1:], names[1:], strict=True))
    table = quote(meta.db_table)
    sql = (f"UPDATE {table} SET {sets} FROM UNNEST({arrays}) AS v({', '.join(names)})"
           f" WHERE {table}.{quote(pk.column)} = v.{names[0]}")
    return sql, columns


def _array_type(field, connection) -> str:
    # A foreign key's db_type is its target's column type; an auto id's is integer/bigint.
    return f"{field.db_type(connection)}[]"


def insert_many(model, objs, *, ignore_conflicts: bool = False) -> None:
    """Insert ``objs`` (new instances of ``model``) in one statement, as ``bulk_create`` does: an
    auto id is set on each object from the database (in the rows' order), unless conflicts are
    ignored (then, as with ``bulk_create``, the ids are not known)."""
    objs = list(objs)
    if not objs:
        return
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        model.objects.using(using).bulk_create(objs, ignore_conflicts=ignore_conflicts)
        return
    pk = model._meta.pk
    auto = getattr(objs[0], pk.attname) is None
    if any((getattr(obj, pk.attname) is None) != auto for obj in objs):
        raise ValueError(f"{model.__name__}: either every object has its id, or none has")
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_many")  # as bulk_create: no unsaved targets
    sql, fields = _insert_sql(model, auto, ignore_conflicts, using)
    params = [[field.get_db_prep_save(field.pre_save(obj, add=True), connection) for obj in objs]
              for field in fields]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        ids = [row[0] for row in cur.fetchall()] if auto and not ignore_conflicts else None
    for i, obj in enumerate(objs):
        if ids is not None:
            setattr(obj, pk.attname, ids[i])
        obj._state.adding, obj._state.db = False, using


@lru_cache(maxsize=256)
def _insert_sql(model, auto: bool, ignore_conflicts: bool, using: str):
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    # The fields Django's bulk_create writes: an auto id and columns with a database default are
    # left to the database.
    fields = [f for f in meta.concrete_fields if not (f.primary_key and auto) and not f.has_db_default()]
    arrays = ", ".join(f"%s::{_array_type(f, connection)}" for f in fields)
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"SELECT * FROM UNNEST({arrays})")
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    elif auto:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, fields
