"""The hash-chained access log: the only writer of AccessLog rows, and the chain check.

Each row carries ``seq`` (1, 2, 3 … without gaps), ``prev_hash`` (the previous row's hash; 64
zeros for the first) and ``hash`` = SHA-256(prev_hash + canonical(row)). Editing, deleting or
inserting a row anywhere breaks the chain from that row on, which ``verify`` reports. Appends
are serialised so two processes never chain onto the same tail; the unique ``seq`` is the last
guard. On PostgreSQL an append locks the chain's head row (``AccessLogHead``: the last seq and
hash), which returns its newest committed version, and writes its rows and the moved head in
one statement: two statements in all. SQLite has one writer at a time and reads the log's tail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db import connection, transaction
from django.utils import timezone

from samhand.exchange import rows as sql_rows

from .models import AccessLog, AccessLogHead

GENESIS = "0" * 64
_LOCK_KEY = 0x5A4D_4143  # pg_advisory_xact_lock key for appends ("SMAC")
FIELDS = ("seq", "at", "kind", "actor_kind", "actor", "actor_name", "actor_hpr", "actor_role",
          "organisation_her_id", "message_id", "documents", "patient_id", "holder_her_id", "purpose",
          "decision_ref", "detail")


def _value(row: AccessLog, name: str):
    value = getattr(row, name)
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).isoformat(timespec="microseconds")
    if name == "message_id":
        return str(value) if value else ""
    return value


def canonical(row: AccessLog) -> bytes:
    """The row's content as it is hashed: sorted-key JSON of FIELDS, UTC times, no whitespace."""
    return json.dumps({name: _value(row, name) for name in FIELDS}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def row_hash(prev_hash: str, row: AccessLog) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(row)).hexdigest()


def append(**fields) -> AccessLog:
    """Write one log row at the end of the chain (in the caller's transaction, if any)."""
    return append_many([fields])[0]


def append_many(rows: list[dict]) -> list[AccessLog]:
    if not rows:
        return []
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            seq, prev = _lock_head()
        else:
            tail = AccessLog.objects.order_by("-seq").values_list("seq", "hash").first()
            seq, prev = tail if tail and tail[0] is not None else (0, GENESIS)
        now = timezone.now()
        written = []
        for fields in rows:
            seq += 1
            fields.setdefault("at", now)
            fields.setdefault("documents", [])
            row = AccessLog(seq=seq, prev_hash=prev, **fields)
            row.hash = row_hash(prev, row)
            prev = row.hash
            written.append(row)
        if not postgres:
            # One insert for the batch (an EPR's batch fetch logs every document it reads).
            return AccessLog.objects.bulk_create(written)
        insert, params = sql_rows.insert_sql(connection, written)
        with connection.cursor() as cursor:
            cursor.execute(f"WITH head AS (UPDATE {AccessLogHead._meta.db_table} SET seq = %s, hash = %s"
                           f" WHERE id = 1) {insert} RETURNING id", [seq, prev, *params])
            for row, (pk,) in zip(written, cursor.fetchall(), strict=True):
                row.pk, row._state.adding, row._state.db = pk, False, connection.alias
        return written


_HEAD = f"SELECT seq, hash FROM {AccessLogHead._meta.db_table} WHERE id = 1 FOR UPDATE"


def _lock_head() -> tuple[int, str]:
    """PostgreSQL, in the append's transaction: the chain's end, locked until it commits. A missing
    head (a flushed test database) is made from the log's tail under the advisory lock, so two
    first appends cannot both make it."""
    with connection.cursor() as cursor:
        cursor.execute(_HEAD)
        row = cursor.fetchone()
        if row is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            tail = AccessLog.objects.order_by("-seq").values_list("seq", "hash").first()
            seq, last = tail if tail and tail[0] is not None else (0, GENESIS)
            cursor.execute(f"INSERT INTO {AccessLogHead._meta.db_table} (id, seq, hash) VALUES (1, %s, %s)"
                           " ON CONFLICT (id) DO NOTHING", [seq, last])
            cursor.execute(_HEAD)
            row = cursor.fetchone()
    return row[0], row[1]


@dataclass
class Verdict:
    ok: bool
    rows: int
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str = ""


def verify(batch: int = 2000) -> Verdict:
    """Walk the chain in order; the first row whose seq, link or hash does not match breaks it."""
    prev, expected, count = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = list(AccessLog.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not rows:
            break
        for row in rows:
            count += 1
            if row.seq != expected:
                return Verdict(False, count, row.seq, row.pk, f"expected seq {expected}, found {row.seq}")
            if row.prev_hash != prev:
                return Verdict(False, count, row.seq, row.pk, "prev_hash does not match the previous row")
            if row_hash(prev, row) != row.hash:
                return Verdict(False, count, row.seq, row.pk, "content does not match its hash")
            prev, expected, last_seq = row.hash, expected + 1, row.seq
    unchained = AccessLog.objects.filter(seq__isnull=True).order_by("id").first()
    if unchained is not None:
        return Verdict(False, count, None, unchained.pk, "a row outside the chain (no seq)")
    return Verdict(True, count)
