"""Database triggers that make the access log append-only below the application (issue 16 §3).

PostgreSQL: a row trigger raises on every UPDATE and DELETE of access_accesslog. SQLite: the same
with RAISE(ABORT). Both can be dropped by the table's owner; what they stop is the application
(and anything speaking SQL through it) changing history. Whatever gets past them is caught by the
hash chain (``samhand access verify-log``). Production should run the application as a database
role that does not own the table (then it can neither drop the trigger nor TRUNCATE).
"""

from __future__ import annotations

TABLE = "access_accesslog"
MESSAGE = "the access log is append-only"

PG_CREATE = f"""
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS access_log_append_only ON {TABLE};
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
"""
PG_DROP = f"""
DROP TRIGGER IF EXISTS access_log_append_only ON {TABLE};
DROP FUNCTION IF EXISTS access_log_append_only();
"""
SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS access_log_no_update;", "DROP TRIGGER IF EXISTS access_log_no_delete;"]


def create(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


def allow_test_flush() -> None:
    """SAMHAND_MODE=test only: the test suite empties every table between transactional tests
    (Django's flush: DELETE FROM … on SQLite; TRUNCATE on PostgreSQL, which a row trigger does not
    stop). On SQLite drop the triggers around that DELETE and put them back after it."""
    from django.db import connections

    sqlite = [c for c in connections.all() if c.vendor == "sqlite"]
    if not sqlite:
        return
    DatabaseOperations = type(sqlite[0].ops)
    if getattr(DatabaseOperations.sql_flush, "_samhand", False):
        return
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if TABLE not in tables:
            return statements
        return [*SQLITE_DROP, *statements, *SQLITE_CREATE]

    sql_flush._samhand = True
    DatabaseOperations.sql_flush = sql_flush
