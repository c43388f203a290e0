"""Which of a node's workers is the active one: a PostgreSQL advisory lock held on a connection of
its own.

A node may run several worker processes for availability. If every one of them woke on every
queued delivery and took its share of every arrival, each would take smaller batches and the
node would pay more per message for the same work. So one worker — whichever holds the lock —
wakes on queued deliveries and receives from the broker; the others stand by. A standby still
looks for due deliveries on its idle timer and keeps taking batches while it finds full ones (a
backlog after a downtime is shared), and it takes over within ``RETRY_SECONDS`` when the active
worker dies: PostgreSQL frees a session's advisory lock when its connection ends, and a killed
process's connection ends with it.

Leadership is an economy, not a guarantee. Correctness never depends on it: deliveries are
leased, received messages are recognised by sender and MsgId, so two workers that both believe
they are active (for the moment a lost lock connection takes to notice) only cost what two
workers always cost. On SQLite (one writer, one worker) every worker is active.
"""

from __future__ import annotations

import hashlib
import logging
import select
import threading
import time

from django.db import connection

from samhand.lib.pgsession import session_params

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` from a readable name."""
    return int.from_bytes(hashlib.sha256(f"samhand:{name}".encode()).digest()[:8], "big", signed=True)


class Leadership:
    """``held()`` says whether this process is the active one, trying for the lock at most every
    ``RETRY_SECONDS`` while it is not. Thread-safe; costs no statement while held."""

    def __init__(self, name: str, *, retry_seconds: float = RETRY_SECONDS):
        self.name = name
        self.key = lock_key(name)
        self.retry_seconds = retry_seconds
        self._conn = None
        self._held = False
        self._next_try = 0.0
        self._lock = threading.Lock()

    def held(self) -> bool:
        if connection.vendor != "postgresql":
            return True
        with self._lock:
            if self._held and self._alive():
                return True
            if self._held:
                log.warning("worker lost its connection for the %s lock; trying again", self.name)
                self._held = False
                self._close()
            now = time.monotonic()
            if now < self._next_try:
                return False
            self._next_try = now + self.retry_seconds
            try:
                if self._conn is None:
                    import psycopg

                    self._conn = psycopg.connect(**session_params(), autocommit=True)
                self._held = bool(self._conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()[0])
            except Exception as exc:  # noqa: BLE001 - no database: not active; the caller's own work fails anyway
                log.warning("could not try the %s lock (%s)", self.name, str(exc).strip()[:200])
                self._close()
                return False
            if self._held:
                log.info("this worker is now the active one (%s)", self.name)
            return self._held

    def release(self) -> None:
        with self._lock:
            self._held = False
            self._close()

    def _alive(self) -> bool:
        """The lock's connection is still open: nothing to read on it (the server writes only to
        say it is closing it), or what there is read without error. No statement."""
        conn = self._conn
        try:
            if conn is None or conn.closed:
                return False
            readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
            if readable:
                conn.pgconn.consume_input()  # raises at end of file: the server closed the session
            return conn.pgconn.status == 0  # CONNECTION_OK
        except Exception:  # noqa: BLE001 - any failure here means the session (and its lock) is gone
            return False

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
