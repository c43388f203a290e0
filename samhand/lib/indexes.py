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

``adopt_fields`` and ``drop_fields`` are the migration operations: the model state as Django would
write it, the database changed by the functions here.
"""

from __future__ import annotations

from django.db import migrations, models


def _names(schema_editor, table: str, column: str) -> tuple[str, str]:
    # Django's own names for a field's index and its PostgreSQL LIKE copy.
    return (schema_editor._create_index_name(table, [column], suffix=""),
            schema_editor._create_index_name(table, [column], suffix="_like"))


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def _move(schema_editor, table: str, column: str, old: str, new: str) -> None:
    """The plain b-tree on ``column`` under the name ``new`` instead of ``old``: renamed on
    PostgreSQL, made again elsewhere (SQLite cannot rename an index), created where missing."""
    q, run = schema_editor.quote_name, schema_editor.execute
    if _postgres(schema_editor):
        run(f"ALTER INDEX IF EXISTS {q(old)} RENAME TO {q(new)}")
    else:
        run(f"DROP INDEX IF EXISTS {q(old)}")
    run(f"CREATE INDEX IF NOT EXISTS {q(new)} ON {q(table)} ({q(column)})")


def _like_copy(schema_editor, table: str, column: str) -> None:
    """The field's PostgreSQL LIKE copy, as Django makes it for a CharField's db_index."""
    if _postgres(schema_editor):
        q = schema_editor.quote_name
        like = _names(schema_editor, table, column)[1]
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {q(like)} ON {q(table)} ({q(column)} varchar_pattern_ops)")


def adopt(schema_editor, table: str, column: str, name: str) -> None:
    plain, like = _names(schema_editor, table, column)
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(like)}")
    _move(schema_editor, table, column, plain, name)


def release(schema_editor, table: str, column: str, name: str) -> None:
    """``adopt`` backwards: the field's own index (and the LIKE copy) again."""
    _move(schema_editor, table, column, name, _names(schema_editor, table, column)[0])
    _like_copy(schema_editor, table, column)


def drop(schema_editor, table: str, column: str) -> None:
    for name in _names(schema_editor, table, column):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def recreate(schema_editor, table: str, column: str, like_copy: bool) -> None:
    """``drop`` backwards."""
    q = schema_editor.quote_name
    plain = _names(schema_editor, table, column)[0]
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {q(plain)} ON {q(table)} ({q(column)})")
    if like_copy:
        _like_copy(schema_editor, table, column)


def _has_like_copy(field: models.Field) -> bool:
    # Django's PostgreSQL editor adds the copy for varchar and text columns; a foreign key has none.
    return isinstance(field, (models.CharField, models.TextField))


def adopt_fields(model_name: str, table: str, fields: dict[str, tuple[str, models.Field]]):
    """For {column: (index name, the field without db_index)}: in the model state each field loses
    its db_index and gains a Meta index of that name; in the database ``adopt`` renames its index."""
    names = {column: name for column, (name, _field) in fields.items()}

    def forward(apps, schema_editor):
        for column, name in names.items():
            adopt(schema_editor, table, column, name)

    def backward(apps, schema_editor):
        for column, name in names.items():
            release(schema_editor, table, column, name)

    return migrations.SeparateDatabaseAndState(
        state_operations=[
            *(migrations.AlterField(model_name=model_name, name=column, field=field)
              for column, (_name, field) in fields.items()),
            *(migrations.AddIndex(model_name=model_name, index=models.Index(fields=[column], name=name))
              for column, name in names.items()),
        ],
        database_operations=[migrations.RunPython(forward, backward, elidable=False)],
    )


def drop_fields(model_name: str, table: str, fields: dict[str, models.Field]):
    """For {field name: the field without db_index}: in the model state each field loses its
    db_index; in the database ``drop`` removes its own index (and LIKE copy) by name."""
    columns = {(f"{name}_id" if field.is_relation else name): _has_like_copy(field) for name, field in fields.items()}

    def forward(apps, schema_editor):
        for column in columns:
            drop(schema_editor, table, column)

    def backward(apps, schema_editor):
        for column, like_copy in columns.items():
            recreate(schema_editor, table, column, like_copy)

    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)
                          for name, field in fields.items()],
        database_operations=[migrations.RunPython(forward, backward, elidable=False)],
    )
