"""Rows written by hand: the few statements Django's ORM cannot express in one go (an INSERT
feeding another in a CTE, events and wake-ups in one statement)."""

from __future__ import annotations


def row_sql(connection, obj, *, cast: bool = False, skip: set[str] = frozenset()) -> tuple[str, str, list]:
    """Columns, placeholders and parameters to insert ``obj`` by hand (the fields Django would
    write: an auto id and columns with a database default are left to the database; ``skip``
    names fields the caller supplies itself). ``cast`` types each placeholder, for a SELECT list
    (where NULL has no type of its own)."""
    fields = [f for f in obj._meta.concrete_fields
              if not (f.primary_key and getattr(obj, f.attname) is None) and not f.has_db_default()
              and f.name not in skip]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(f"%s::{f.db_type(connection)}" if cast else "%s" for f in fields)
    return columns, values, [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]


def insert_sql(connection, objs: list) -> tuple[str, list]:
    """One ``INSERT … VALUES (…), (…)`` for ``objs`` (instances of one model, not yet saved)."""
    columns, values, params = row_sql(connection, objs[0])
    for obj in objs[1:]:
        params += row_sql(connection, obj)[2]
    table = connection.ops.quote_name(type(objs[0])._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([f"({values})"] * len(objs)), params
