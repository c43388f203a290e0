"""Migrations that take a field's own index (``db_index=True``) into the model's ``Meta.indexes``
under a name without building it again, or drop it where another index leads with the column.

A CharField's ``db_index`` gives two indexes on PostgreSQL: a plain b-tree and a
``varchar_pattern_ops`` copy (``…_like``) for LIKE prefixes. On the hot tables no query uses the
copy, yet every insert writes it. ``adopt`` drops the copy and renames the plain index to the
model index's name: on a million-row table that is a catalogue change, not an index build. Where
the plain index is missing (or on SQLite, which cannot rename an index) it is created. ``drop``
removes a field's own index and copy by their names. Django's ``AlterField`` is not used for that:
dropping a field's index, it drops every single-column b-tree on the column, including a partial
one a migration made by hand (delivery_awaiting_apprec_idx, exchange 0009).
"""

from __future__ import annotations


def _names(schema_editor, table: str, column: str) -> tuple[str, str]:
    # Django's own names for a field's index and its PostgreSQL LIKE copy.
    return (schema_editor._create_index_name(table, [column], suffix=""),
            schema_editor._create_index_name(table, [column], suffix="_like"))


def adopt(schema_editor, table: str, column: str, name: str) -> None:
    plain, like = _names(schema_editor, table, column)
    q, run = schema_editor.quote_name, schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(f"DROP INDEX IF EXISTS {q(like)}")
        run(f"ALTER INDEX IF EXISTS {q(plain)} RENAME TO {q(name)}")
    else:
        run(f"DROP INDEX IF EXISTS {q(plain)}")
    run(f"CREATE INDEX IF NOT EXISTS {q(name)} ON {q(table)} ({q(column)})")


def release(schema_editor, table: str, column: str, name: str) -> None:
    """``adopt`` backwards: the field's own index (and the LIKE copy) again."""
    plain, like = _names(schema_editor, table, column)
    q, run = schema_editor.quote_name, schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(f"ALTER INDEX IF EXISTS {q(name)} RENAME TO {q(plain)}")
        run(f"CREATE INDEX IF NOT EXISTS {q(like)} ON {q(table)} ({q(column)} varchar_pattern_ops)")
    else:
        run(f"DROP INDEX IF EXISTS {q(name)}")
    run(f"CREATE INDEX IF NOT EXISTS {q(plain)} ON {q(table)} ({q(column)})")


def drop(schema_editor, table: str, column: str) -> None:
    for name in _names(schema_editor, table, column):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def recreate(schema_editor, table: str, column: str, like_copy: bool) -> None:
    """``drop`` backwards."""
    plain, like = _names(schema_editor, table, column)
    q, run = schema_editor.quote_name, schema_editor.execute
    run(f"CREATE INDEX IF NOT EXISTS {q(plain)} ON {q(table)} ({q(column)})")
    if schema_editor.connection.vendor == "postgresql" and like_copy:
        run(f"CREATE INDEX IF NOT EXISTS {q(like)} ON {q(table)} ({q(column)} varchar_pattern_ops)")


def dropping(table: str, columns: dict[str, bool]):
    """RunPython's functions for ``drop`` of {column: whether it is a CharField, with a LIKE copy}."""
    def forward(apps, schema_editor):
        for column in columns:
            drop(schema_editor, table, column)

    def backward(apps, schema_editor):
        for column, like_copy in columns.items():
            recreate(schema_editor, table, column, like_copy)

    return forward, backward


def adopting(table: str, fields: dict[str, str]):
    """RunPython's forward and backward functions for ``adopt`` of {column: index name}."""
    def forward(apps, schema_editor):
        for column, name in fields.items():
            adopt(schema_editor, table, column, name)

    def backward(apps, schema_editor):
        for column, name in fields.items():
            release(schema_editor, table, column, name)

    return forward, backward
