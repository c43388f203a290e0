"""The access log is append-only in the database and hash-chained: verify-log passes on an
intact chain and names the first broken row after one row is edited behind the application's back
(on SQLite and, in the PostgreSQL round, on PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from samhand.access import door, log
from samhand.access.models import AccessLog

from concurrency import open_elsewhere

ACTOR = door.Actor("cli", "tester")


def _rows(n=3):
    return [door.record("read", ACTOR, purpose="test", patient_id=f"1507650056{i}") for i in range(n)]


def _edit_behind_the_back(row_id: int, sql_set: str) -> None:
    """What a database administrator could do: switch the trigger off, change a row, switch it on."""
    from samhand.access import triggers

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before ALTER TABLE
            cursor.execute("ALTER TABLE access_accesslog DISABLE TRIGGER access_log_append_only")
            cursor.execute(f"UPDATE access_accesslog SET {sql_set} WHERE id = %s", [row_id])
            cursor.execute("ALTER TABLE access_accesslog ENABLE TRIGGER access_log_append_only")
        else:
            for statement in triggers.SQLITE_DROP:
                cursor.execute(statement)
            cursor.execute(f"UPDATE access_accesslog SET {sql_set} WHERE id = %s", [row_id])
            for statement in triggers.SQLITE_CREATE:
                cursor.execute(statement)


def test_rows_are_chained(db):
    rows = _rows()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == log.GENESIS and rows[1].prev_hash == rows[0].hash
    assert log.verify().ok and log.verify().rows == 3


@pytest.mark.parametrize("statement", ["UPDATE access_accesslog SET actor = 'mallory'", "DELETE FROM access_accesslog"])
def test_the_database_refuses_update_and_delete(db, statement):
    _rows(1)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AccessLog.objects.filter(actor="tester").count() == 1


def test_the_orm_refuses_too(db):
    row = _rows(1)[0]
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()


def test_verify_log_names_the_first_broken_row(db, capsys):
    rows = _rows(4)
    call_command("access", "verify-log")
    assert "intact: 4 rows" in capsys.readouterr().out
    _edit_behind_the_back(rows[1].pk, "patient_id = '12057900499'")
    verdict = log.verify()
    assert not verdict.ok and verdict.broken_seq == 2 and verdict.broken_id == rows[1].pk
    with pytest.raises(SystemExit) as exit_:
        call_command("access", "verify-log")
    assert exit_.value.code == 1
    assert f"seq=2 id={rows[1].pk}" in capsys.readouterr().err


def test_recomputing_the_edited_rows_hash_breaks_the_next_link(db):
    rows = _rows(3)
    row = AccessLog.objects.get(pk=rows[0].pk)
    row.actor = "mallory"
    _edit_behind_the_back(row.pk, f"actor = 'mallory', hash = '{log.row_hash(row.prev_hash, row)}'")
    verdict = log.verify()
    assert not verdict.ok and verdict.broken_seq == 2 and "prev_hash" in verdict.problem


@pytest.mark.django_db(transaction=True)
def test_samhand_access_verify_log_exit_codes(tmp_path):
    """The console script itself, in its own process against the same database."""
    import os

    rows = _rows(2)
    env = {**os.environ, "SAMHAND_MODE": "test"}
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"postgres://{db.get('USER') or ''}@{db.get('HOST') or ''}/{db['NAME']}"
    cmd = [sys.executable, "-m", "samhand.cli", "access", "verify-log"]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    _edit_behind_the_back(rows[0].pk, "purpose = 'nothing to see'")
    broken = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1 and "seq=1" in broken.stderr


def test_an_append_locks_the_head_and_writes_rows_and_head_together(db):
    from django.test.utils import CaptureQueriesContext

    from samhand.access.models import AccessLogHead

    _rows(2)
    with CaptureQueriesContext(connection) as queries:
        batch = log.append_many([{"kind": "read", "actor_kind": "cli", "actor": "tester", "purpose": "test",
                                  "patient_id": f"1507650056{i}"} for i in range(3)])
    assert [r.seq for r in batch] == [3, 4, 5] and all(r.pk for r in batch)
    assert AccessLog.objects.get(pk=batch[0].pk).prev_hash == AccessLog.objects.get(seq=2).hash
    if connection.vendor == "postgresql":
        statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        assert len(statements) == 2 and "FOR UPDATE" in statements[0] and "UPDATE access_accessloghead" in statements[1]
        head = AccessLogHead.objects.get()
        assert (head.seq, head.hash) == (5, batch[-1].hash)
    assert log.verify().ok and log.verify().rows == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_appends_from_two_connections_chain_one_after_the_other_and_a_lost_head_is_rebuilt():
    """Two transactions append at once: the second waits for the first's head and chains onto it.
    A missing head (a flushed database) is made again from the log's tail."""
    if connection.vendor != "postgresql":
        pytest.skip("the head row is PostgreSQL's")
    import threading

    from samhand.access.models import AccessLogHead

    _rows(1)
    AccessLogHead.objects.all().delete()  # lost: rebuilt from the tail at the next append
    with open_elsewhere(lambda: _rows(1)):
        waiting = threading.Thread(target=lambda: (_rows(1), connection.close()))
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # it waits for the head the first transaction holds
    waiting.join(10)
    assert sorted(AccessLog.objects.values_list("seq", flat=True)) == [1, 2, 3]
    assert log.verify().ok and AccessLogHead.objects.get().seq == 3
