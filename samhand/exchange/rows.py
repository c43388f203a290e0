"""Rows written by hand: the few statements Django's ORM cannot express in one go (an INSERT
feeding another in a CTE, events and wake-ups in one statement)."""

from __future__ import annotations

from functools import lru_cache

from django.db import connections


def row_sql(connection, obj, *, cast: bool = False, skip: frozenset[str] | set[str] = frozenset()) -> tuple[str, str, list]:
    """Columns, placeholders and parameters to insert ``obj`` by hand (the fields Django would
    write: an auto id and columns with a database default are left to the database; ``skip``
    names fields the caller supplies itself). ``cast`` types each placeholder, for a SELECT list
    (where NULL has no type of its own)."""
    fields, columns, values = _shape(type(obj), connection.alias, getattr(obj, obj._meta.pk.attname) is None,
                                     cast, frozenset(skip))
    return columns, values, [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]


@lru_cache(maxsize=256)
def _shape(model, alias: str, auto_pk: bool, cast: bool, skip: frozenset[str]) -> tuple[list, str, str]:
    """The fields, column list and placeholders of a row of ``model`` (the same for every row of a
    shape: computed once, not per row)."""
    connection = connections[alias]
    fields = [f for f in model._meta.concrete_fields
              if not (f.primary_key and auto_pk) and not f.has_db_default() and f.name not in skip]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(f"%s::{f.db_type(connection)}" if cast else "%s" for f in fields)
    return fields, columns, values


def insert_sql(connection, objs: list) -> tuple[str, list]:
    """One ``INSERT … VALUES (…), (…)`` for ``objs`` (instances of one model, not yet saved)."""
    columns, values, params = row_sql(connection, objs[0])
    for obj in objs[1:]:
        params += row_sql(connection, obj)[2]
    table = connection.ops.quote_name(type(objs[0])._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([f"({values})"] * len(objs)), params
