"""Wake-ups instead of sleeps: a writer says "there is work on <channel>", waiters wake at once.

- ``notify(channel, payload="")`` — call it inside the transaction that makes the work visible.
  PostgreSQL: ``pg_notify`` in that transaction. PostgreSQL itself holds a notification back until
  the transaction commits (and drops it on rollback, and folds identical ones within a
  transaction), so this is the same as an on-commit hook and cannot be lost between the commit and
  a hook that never ran. SQLite: an in-process signal from ``transaction.on_commit``.
- ``wait(channels, timeout, since=None) -> bool`` — True when one of the channels was notified
  (after ``since``, a ``cursor()`` taken before the caller last looked for work), False at timeout.
  PostgreSQL: one LISTEN connection per process, held by a daemon thread that feeds the in-process
  hub, so a thousand waiting requests cost one connection, not a thousand. SQLite: the hub only
  (same process); callers that must also see other processes' work re-check on a short period
  (``CROSS_PROCESS`` tells them whether they need to).

A channel is a base name (``inbox``, ``dispatch``) optionally narrowed by the payload:
``notify("inbox", "8100101")`` wakes waiters on ``"inbox"`` and on ``"inbox:8100101"``.
A wake-up is a hint, never the truth: after waking, the caller reads the database.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from samhand.lib.pgsession import session_params

log = logging.getLogger(__name__)

# Channel names are identifiers we choose; keep them to a safe alphabet (they become LISTEN names).
_SAFE = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def _check(base: str) -> str:
    if not base or not set(base) <= _SAFE or len(base) > 60:
        raise ValueError(f"not a wake-up channel name: {base!r}")
    return base


def _keys(channel: str, payload: str) -> list[str]:
    return [channel, f"{channel}:{payload}"] if payload else [channel]


class _Hub:
    """Per-process counters per key; a Condition wakes whoever waits on any of them."""

    def __init__(self):
        self.cond = threading.Condition()
        self.counts: dict[str, int] = {}
        self.epoch = 0  # bumped when notifications may have been missed (listener reconnect)

    def signal(self, keys: Iterable[str]) -> None:
        with self.cond:
            for key in keys:
                self.counts[key] = self.counts.get(key, 0) + 1
            self.cond.notify_all()

    def signal_all(self) -> None:
        with self.cond:
            self.epoch += 1
            self.cond.notify_all()

    def snapshot(self, keys: Iterable[str]) -> tuple:
        with self.cond:
            return (self.epoch, *(self.counts.get(k, 0) for k in keys))

    def wait(self, keys: list[str], timeout: float, since: tuple | None) -> bool:
        deadline = time.monotonic() + max(0.0, timeout)
        with self.cond:
            start = since if since is not None else self.snapshot(keys)
            while True:
                if self.snapshot(keys) != start:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.cond.wait(remaining)


_hub = _Hub()


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _cross_process() -> bool:
    return _is_postgres()


def cross_process() -> bool:
    """Whether a notify in another process wakes this one (PostgreSQL yes, SQLite no)."""
    return _cross_process()


_deferred = threading.local()  # .pending: the (channel, payload) pairs of the enclosing ``deferred()`` block


def notify(channel: str, payload: str = "") -> None:
    """There is new work on ``channel`` (for ``payload``, e.g. a HER-id) once this transaction commits."""
    _check(channel)
    payload = str(payload or "")
    if _is_postgres():
        pending = getattr(_deferred, "pending", None)
        if pending is not None:
            pending.add((channel, payload))
            return
        _pg_notify([(channel, payload)])
        return
    keys = _keys(channel, payload)
    transaction.on_commit(lambda: _hub.signal(keys))


def _pg_notify(pairs: list[tuple[str, str]]) -> None:
    sql, params = notify_sql(pairs)
    with connection.cursor() as cur:
        cur.execute("SELECT " + sql, params)


def notify_sql(pairs: list[tuple[str, str]]) -> tuple[str, list]:
    """``pg_notify(…), …`` for a select list: a writer that sends its own statement anyway may
    carry its notifications in it (PostgreSQL)."""
    for channel, _payload in pairs:
        _check(channel)
    return ", ".join(["pg_notify(%s, %s)"] * len(pairs)), [str(value) for pair in pairs for value in pair]


def take_deferred() -> list[tuple[str, str]]:
    """The notifications the enclosing ``deferred()`` block holds so far, now the caller's to send
    (in a statement of its own making); the block will not send them again."""
    pending = getattr(_deferred, "pending", None)
    if not pending:
        return []
    taken = sorted(pending)
    pending.clear()
    return taken


@contextmanager
def deferred() -> Iterator[None]:
    """Inside a transaction: the notifications of this block go out in one statement when it ends
    (each distinct channel and payload once), instead of one ``pg_notify`` per call. A batch of
    received messages for the same inbox then costs one statement, not one per message. A
    notification of an item rolled back to its savepoint still goes: a wake-up is only a hint."""
    if getattr(_deferred, "pending", None) is not None:
        yield
        return
    _deferred.pending = set()
    try:
        yield
        if _deferred.pending and _is_postgres():
            _pg_notify(sorted(_deferred.pending))
    finally:
        _deferred.pending = None


def cursor(channels: Iterable[str]) -> tuple:
    """A mark to pass to ``wait(since=…)``: take it before looking for work, so a notify that comes
    between the look and the wait is not lost."""
    keys = list(channels)
    if _is_postgres():
        _listener().ensure({k.split(":", 1)[0] for k in keys})
    return _hub.snapshot(keys)


def wait(channels: Iterable[str], timeout: float, since: tuple | None = None) -> bool:
    """Block until one of ``channels`` is notified or ``timeout`` seconds pass; True if notified."""
    keys = list(channels)
    for key in keys:
        _check(key.split(":", 1)[0])
    if _is_postgres():
        started = time.monotonic()
        _listener().ensure({k.split(":", 1)[0] for k in keys})
        timeout -= time.monotonic() - started
    return _hub.wait(keys, timeout, since)


# -- PostgreSQL: one LISTEN connection per process ----------------------------------------------

class _Listener(threading.Thread):
    def __init__(self, params: dict):
        super().__init__(name="samhand-wakeup", daemon=True)
        self.params = params
        self.listening: set[str] = set()
        self.wanted: set[str] = set()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.pipe_r, self.pipe_w = os.pipe()
        self.pid = os.getpid()
        self.stopped = False

    def ensure(self, bases: set[str], timeout: float = 5.0) -> None:
        """Return once this process LISTENs on every base channel (at once when it already does)."""
        with self.lock:
            if bases <= self.listening:
                return
            self.wanted |= bases
        os.write(self.pipe_w, b"x")
        deadline = time.monotonic() + timeout
        with self.changed:
            while not bases <= self.listening:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("wake-up listener not ready for %s; waiters fall back to their timeouts", bases)
                    return
                self.changed.wait(remaining)

    def _dispatch(self, notification) -> None:
        _hub.signal(_keys(notification.channel, notification.payload))

    def run(self) -> None:
        import psycopg

        backoff = 0.5
        while not self.stopped:
            try:
                with psycopg.connect(**self.params, autocommit=True) as conn:
                    conn.add_notify_handler(self._dispatch)
                    with self.lock:
                        self.listening = set()
                    backoff = 0.5
                    _hub.signal_all()  # anything sent while we were not listening: waiters re-check
                    self._serve(conn)
            except Exception as exc:  # noqa: BLE001 - a lost connection is retried; waiters time out meanwhile
                if backoff == 0.5:  # once per outage, not once per retry
                    log.warning("wake-up listener lost its connection (%s); reconnecting", str(exc).strip()[:200])
                with self.lock:
                    self.listening = set()
                time.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    def _serve(self, conn) -> None:
        fd = conn.pgconn.socket
        while not self.stopped:
            with self.lock:
                todo = self.wanted - self.listening
            for base in sorted(todo):
                conn.execute(f'LISTEN "{_check(base)}"')  # names are checked: [a-z0-9_]
            if todo:
                with self.changed:
                    self.listening |= todo
                    self.changed.notify_all()
            readable, _, _ = select.select([fd, self.pipe_r], [], [], 30.0)
            if self.pipe_r in readable:
                os.read(self.pipe_r, 4096)
            if fd in readable or not readable:
                # Consumes what the server sent; notifications go to _dispatch. An idle keep-alive
                # query every 30 s finds a dead connection.
                conn.execute("SELECT 1") if not readable else _consume(conn, self._dispatch)


def _consume(conn, dispatch) -> None:
    pgconn = conn.pgconn
    pgconn.consume_input()
    while (n := pgconn.notifies()) is not None:
        dispatch(_Notification(n.relname.decode(), n.extra.decode()))


class _Notification:
    __slots__ = ("channel", "payload")

    def __init__(self, channel: str, payload: str):
        self.channel, self.payload = channel, payload


_listener_lock = threading.Lock()
_the_listener: _Listener | None = None


def _listener() -> _Listener:
    global _the_listener
    with _listener_lock:
        # A forked child (gunicorn preload) must not share its parent's socket: start its own.
        if _the_listener is None or _the_listener.pid != os.getpid() or not _the_listener.is_alive():
            _the_listener = _Listener(session_params())
            _the_listener.start()
        return _the_listener


def stop_listener() -> None:
    """For tests: drop this process's LISTEN connection (the next wait opens a new one)."""
    global _the_listener
    with _listener_lock:
        if _the_listener is not None:
            _the_listener.stopped = True
            os.write(_the_listener.pipe_w, b"x")
            _the_listener.join(timeout=5)
            _the_listener = None
