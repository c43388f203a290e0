"""Bulk writes without the ORM's per-row compilation: one statement whose text depends only on
the model and the fields, the rows going in as one array parameter per column.

Django's ``bulk_update`` builds a ``CASE WHEN pk = … THEN …`` expression per field and row and
compiles it every time; on the worker's batches (chain episodes, cursors, deliveries) that
compilation cost more CPU than the database spent on the statement. On PostgreSQL
``update_many`` sends ``UPDATE … FROM UNNEST(%s::type[], …)`` instead: the same text for every
batch of the same shape, so its cost does not grow with the rows' Python objects beyond reading
their values. On other databases it falls back to ``bulk_update`` (SQLite has one writer and no
array type; its batches are small).
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
