"""The event outbox and its subscribers: secondary work off the message's own transaction.

The exchange records what happened (``publish``) in the same transaction as the change. Every
room above it — chains, monitoring, deviations, dialogue … — registers a subscriber::

    @subscriber("chains.tracking", kinds={"submitted", "received", "apprec-received"})
    def track(events: list[Event]) -> None: ...

A subscriber has a cursor (the last ``(txid, id)`` it handled). One worker step reads each
subscriber's next batch, calls the handler and moves the cursor in one transaction, so what the
handler writes and the cursor commit together. Delivery is at-least-once all the same (an e-mail
sent by a handler whose transaction then fails goes again), so handlers are idempotent.

Ordering without gaps on PostgreSQL: ids come from a sequence, so a transaction that took id 7
may commit after one that took id 8. Each event carries its transaction's id (``txid``), and a
batch only takes events from transactions older than every transaction still running on the
node's database (the horizon, ``_STEP_SQL``), in ``(txid, id)`` order, plus the reading
transaction's own. Anything that commits later has a larger txid than everything already read, so
nothing is skipped. The horizon is the database's, not the server's: transactions on other
databases of the same server (another node, a report) never hold the feed back. Prepared
(two-phase) transactions are not looked at; the node does not use them. On SQLite writers are
serialised: ids are assigned in commit order and ``txid`` stays 0.

A handler that raises is retried event by event; an event that fails on its own is recorded in
``FailedEvent`` and skipped, so one bad event never stops a subscriber.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from samhand.lib.bulk import update_many, update_statement
from samhand.lib.steps import Drained

from . import rows, wakeup
from .models import Delivery, Event, FailedEvent, Message, SubscriberCursor

log = logging.getLogger(__name__)

Handler = Callable[[list[Event]], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Handler
    kinds: frozenset[str] | None
    batch: int


_REGISTRY: dict[str, Subscriber] = {}


def subscriber(name: str, *, kinds: Iterable[str] | None = None, batch: int = 200) -> Callable[[Handler], Handler]:
    """Register ``handler(events)`` under ``name`` (explicitly, by importing the module that uses
    this decorator from the app's ``ready()``). ``kinds`` limits the feed to those event kinds."""

    def register(handler: Handler) -> Handler:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.handler.__qualname__ != handler.__qualname__:
            raise RuntimeError(f"two subscribers are registered as {name!r}")
        _REGISTRY[name] = Subscriber(name, handler, frozenset(kinds) if kinds else None, batch)
        return handler

    return register


def subscribers() -> list[Subscriber]:
    return list(_REGISTRY.values())


_batch = threading.local()  # .events, .rows: what the enclosing ``collected()`` block writes at its end, or None


def publish(kind: str, *, message: Message | None = None, delivery: Delivery | None = None,
            data: dict | None = None, detail: str = "", actor: str = "") -> Event:
    """Record that ``kind`` happened, in the caller's transaction (inside ``collected()``: when
    the block ends, together with the block's other events; the returned event has no id yet)."""
    event = Event(message=message, delivery=delivery, kind=kind, detail=detail, actor=actor, data=data or {})
    pending = getattr(_batch, "events", None)
    if pending is not None:
        pending.append(event)
    else:
        event.save(force_insert=True)
    return event


@contextmanager
def collected() -> Iterator[None]:
    """Inside a transaction: the events published in this block are inserted in one statement when
    it ends (still in the transaction), instead of one INSERT each, and the wake-ups sent in the
    block (``wakeup.notify``) ride in that same statement on PostgreSQL. A batch of N received
    messages writes its 3N events and its notifications at once. Nested blocks belong to the
    outermost one. Wrap each item that may be rolled back on its own in ``item()``, so its
    events go with it."""
    if getattr(_batch, "events", None) is not None:
        yield
        return
    with wakeup.deferred():
        _batch.events, _batch.rows = [], []
        try:
            yield
            events, pending = _batch.events, _batch.rows
            _batch.events = _batch.rows = None
            _flush(events, pending)
        finally:
            _batch.events = _batch.rows = None


@dataclass
class _Update:
    model: type
    objs: list
    fields: tuple[str, ...]


def insert_rows(objs: list) -> None:
    """Insert ``objs`` (new instances of one model with their primary keys set). Inside
    ``collected()`` on PostgreSQL they wait for the block's end and go in its one statement, with
    its events and wake-ups (Django's foreign keys are checked at commit, so the order of the
    block's rows does not matter); nothing in the block may read them back before then. Else now."""
    if not objs:
        return
    pending = getattr(_batch, "rows", None)
    if pending is not None and _postgres():
        pending.append(objs)
    else:
        type(objs[0]).objects.bulk_create(objs)


def update_rows(objs, fields) -> None:
    """Write ``fields`` of ``objs`` (saved instances of one model), like ``lib.bulk.update_many``.
    Inside ``collected()`` on PostgreSQL the update waits for the block's end and goes in its one
    statement; nothing in the block may read those rows back before then. All parts of that
    statement see the same snapshot and a row may change only once in it: an update of a row this
    block inserts or updates already writes what is held back first."""
    objs = list(objs)
    if not objs:
        return
    pending = getattr(_batch, "rows", None)
    if pending is None or not _postgres():
        update_many(type(objs[0]), objs, fields)
        return
    model, keys = type(objs[0]), {obj.pk for obj in objs}
    for held in pending:
        held_objs = held.objs if isinstance(held, _Update) else held
        if type(held_objs[0]) is model and not keys.isdisjoint(obj.pk for obj in held_objs):
            write_rows()
            break
    pending.append(_Update(model, objs, tuple(fields)))


def write_rows() -> None:
    """Write the rows ``insert_rows`` and ``update_rows`` hold back now, for a step of the block
    that reads them."""
    pending = getattr(_batch, "rows", None)
    if pending:
        taken = list(pending)
        pending.clear()
        _flush([], taken)


def _flush(events: list[Event], pending: list) -> None:
    """Write the block's rows and events; on PostgreSQL in one statement, with the block's deferred
    notifications (without rows or events they go out when ``wakeup.deferred()`` ends, as usual)."""
    if not events and not pending:
        return
    notifications = wakeup.take_deferred() if _postgres() else []
    if not notifications and not pending:
        Event.objects.bulk_create(events)
        return
    parts, params = [], []
    for held in [*pending, events] if events else pending:
        if isinstance(held, _Update):
            sql, sql_params = update_statement(held.model, held.objs, held.fields, connection.alias)
        else:
            sql, sql_params = rows.insert_sql(connection, held)
        parts.append(f"r{len(parts)} AS ({sql})")
        params += sql_params
    notify, notify_params = wakeup.notify_sql(notifications) if notifications else ("1", [])
    with connection.cursor() as cur:
        cur.execute(f"WITH {', '.join(parts)} SELECT {notify}", params + notify_params)
    for held in pending:
        if not isinstance(held, _Update):
            for obj in held:
                obj._state.adding, obj._state.db = False, connection.alias


@contextmanager
def item() -> Iterator[None]:
    """A savepoint for one item of a ``collected()`` batch: if the item fails, its rows are rolled
    back and its collected events dropped with them."""
    pending, waiting = getattr(_batch, "events", None), getattr(_batch, "rows", None)
    mark = len(pending) if pending is not None else 0
    rows_mark = len(waiting) if waiting is not None else 0
    try:
        with transaction.atomic():
            yield
    except BaseException:
        if pending is not None:
            del pending[mark:]
        if waiting is not None:
            del waiting[rows_mark:]
        raise


def publish_many(events: list[Event]) -> None:
    """Record several events in one statement (the worker's batches); inside ``collected()``, with
    the block's other events."""
    pending = getattr(_batch, "events", None)
    if pending is not None:
        pending.extend(events)
    elif events:
        Event.objects.bulk_create(events)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def horizon_of(xmax: int, running: Iterable[int]) -> int:
    """The smallest full (epoch-qualified) txid still running, or ``xmax`` when none is below it.
    ``running`` holds 32-bit xids (pg_stat_activity's ``backend_xid``); each is placed in the epoch
    nearest ``xmax`` (a running transaction is never 2³¹ transactions away from it)."""
    horizon = xmax
    low = xmax & 0xFFFFFFFF
    for xid in running:
        delta = (xid - low) & 0xFFFFFFFF
        if delta >= 0x80000000:
            delta -= 0x100000000
        horizon = min(horizon, xmax + delta)
    return horizon


def _settled_by(xmax: int, own: int | None, running) -> Q:
    """Events of transactions below the horizon (every transaction on this database with a smaller
    id has ended, committed or not), and this transaction's own (a test that runs in one
    transaction, or a handler reading what it just wrote)."""
    horizon = horizon_of(xmax, running or ())
    return Q(txid__lt=horizon) | Q(txid=own) if own is not None else Q(txid__lt=horizon)


def _after(position: tuple[int, int]) -> Q:
    txid, event_id = position
    return Q(txid__gt=txid) | Q(txid=txid, id__gt=event_id)


# How many events one step reads for all its subscribers together (each still takes at most its
# own ``batch`` of them).
WINDOW = 500

# PostgreSQL, the first statement of a step's transaction: lock the named cursors that are behind
# the newest event and no other worker holds, name those that do not exist yet, and take the
# horizon. The statement's snapshot is taken before it scans pg_stat_activity: an xid below that
# snapshot's xmax that is still running when the scan comes shows there; one assigned later is at
# least xmax. (PostgreSQL keeps a copy of the backend status for the rest of a transaction once
# read: fresh in a new one, cleared first inside an enclosing one.) The feed is read by the next
# statement, with a newer snapshot. One statement for a step whose cursors another worker runs.
_STEP_SQL = f"""
WITH head AS (SELECT txid, id FROM {Event._meta.db_table} ORDER BY txid DESC, id DESC LIMIT 1),
locked AS (SELECT c.name, c.txid, c.event_id FROM {SubscriberCursor._meta.db_table} c, head
           WHERE c.name = ANY(%s) AND (c.txid, c.event_id) < (head.txid, head.id)
           ORDER BY c.name FOR UPDATE OF c SKIP LOCKED)
SELECT ARRAY(SELECT name FROM locked ORDER BY name), ARRAY(SELECT txid FROM locked ORDER BY name),
       ARRAY(SELECT event_id FROM locked ORDER BY name),
       ARRAY(SELECT n FROM unnest(%s::text[]) AS n
             WHERE NOT EXISTS (SELECT 1 FROM {SubscriberCursor._meta.db_table} c WHERE c.name = n)),
       txid_snapshot_xmax(txid_current_snapshot()), txid_current_if_assigned(),
       ARRAY(SELECT backend_xid::text::bigint FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL)
"""


def _lock_behind(names: list[str], *, fresh_stats: bool) -> tuple[dict[str, SubscriberCursor], list[str], Q | None]:
    """(the cursors of ``names`` that are behind the newest event and no other worker is running,
    locked for this transaction; the names without a cursor; the feed's settled filter)."""
    if _postgres():
        with connection.cursor() as cur:
            if not fresh_stats:  # an enclosing transaction may hold an old copy of the backend status
                cur.execute("SELECT pg_stat_clear_snapshot()")
            cur.execute(_STEP_SQL, [names, names])
            locked, txids, event_ids, missing, xmax, own, running = cur.fetchone()
        cursors = {name: SubscriberCursor(name=name, txid=txid, event_id=event_id)
                   for name, txid, event_id in zip(locked, txids, event_ids, strict=True)}
        for cursor in cursors.values():
            cursor._state.adding, cursor._state.db = False, connection.alias
        return cursors, missing, _settled_by(xmax, own, running)
    # SQLite (one writer at a time, no row locks): the cursors, and the head of the feed.
    existing = {c.name: c for c in SubscriberCursor.objects.filter(name__in=names)}
    head = Event.objects.order_by("-txid", "-id").values_list("txid", "id").first()
    behind = {n: c for n, c in existing.items() if head is not None and (c.txid, c.event_id) < head}
    return behind, [n for n in names if n not in existing], None


def run_one(sub: Subscriber) -> int:
    """Hand the subscriber its next batch; returns how many events it was given."""
    return run_many([sub])


def run_many(chosen: list[Subscriber]) -> int:
    """Hand each chosen subscriber that is behind its next batch, all in one transaction: one
    statement to lock the cursors and take the horizon, one read of the feed from the earliest
    cursor, one update of the cursors, and a savepoint only around each handler that has events
    (a subscriber's first run creates its cursor first). Returns how many events were handed out."""
    return _run(chosen)[0]


def _run(chosen: list[Subscriber]) -> tuple[int, int, bool]:
    """(events handed out, cursors moved, whether the feed may hold more for them: a full window)."""
    if not chosen:
        return 0, 0, False
    names = sorted(s.name for s in chosen)
    fresh_stats = not connection.in_atomic_block
    with transaction.atomic():
        cursors, missing, settled = _lock_behind(names, fresh_stats=fresh_stats)
        if missing:  # a subscriber's first run (or one new since the last deploy)
            SubscriberCursor.objects.bulk_create([SubscriberCursor(name=n) for n in missing], ignore_conflicts=True)
            cursors, _missing, settled = _lock_behind(names, fresh_stats=False)
        mine = [s for s in chosen if s.name in cursors]  # the rest: caught up, or another worker runs them
        if not mine:
            return 0, 0, False
        positions = {s.name: (cursors[s.name].txid, cursors[s.name].event_id) for s in mine}
        feed = Event.objects.filter(_after(min(positions.values())))
        if settled is not None:
            feed = feed.filter(settled)
        window = list(feed.order_by("txid", "id").select_related("message", "delivery")[:WINDOW])
        if not window:
            return 0, 0, False
        head = (window[-1].txid, window[-1].id)
        handed, moved, full = 0, [], len(window) == WINDOW
        for sub in mine:
            start = positions[sub.name]
            events = [e for e in window if (e.txid, e.id) > start and (sub.kinds is None or e.kind in sub.kinds)]
            if len(events) > sub.batch:
                events = events[:sub.batch]
                last = (events[-1].txid, events[-1].id)
                full = True
            else:
                # Everything of its kinds in the window: move past the rest as well, so the next
                # read starts at the head instead of scanning other kinds again.
                last = head
            if events:
                _handle(sub, events)
                handed += len(events)
            if last > start:
                cursor = cursors[sub.name]
                cursor.txid, cursor.event_id, cursor.updated_at = last[0], last[1], timezone.now()
                moved.append(cursor)
        if moved:
            update_many(SubscriberCursor, moved, ["txid", "event_id", "updated_at"])
    return handed, len(moved), full


def _handle(sub: Subscriber, events: list[Event]) -> None:
    try:
        with transaction.atomic():
            sub.handler(events)
        return
    except Exception:  # noqa: BLE001 - find the event that fails, keep the rest
        log.exception("subscriber %s failed on a batch of %d; retrying one by one", sub.name, len(events))
    for event in events:
        try:
            with transaction.atomic():
                sub.handler([event])
        except Exception as exc:  # noqa: BLE001 - recorded and skipped, never blocks the feed
            log.exception("subscriber %s failed on event %s (%s)", sub.name, event.pk, event.kind)
            FailedEvent.objects.get_or_create(subscriber=sub.name, event=event,
                                              defaults={"error": f"{type(exc).__name__}: {exc}"[:4000]})


def _positions(names: list[str]) -> dict[str, bool]:
    """For each named subscriber that has a cursor: whether it has caught up with the newest
    visible event. One statement."""
    head = Event.objects.order_by("-txid", "-id")
    rows = (SubscriberCursor.objects.filter(name__in=names)
            .annotate(head_txid=Subquery(head.values("txid")[:1]), head_id=Subquery(head.values("id")[:1]))
            .values_list("name", "txid", "event_id", "head_txid", "head_id"))
    return {name: head_id is None or (txid, event_id) >= (head_txid, head_id)
            for name, txid, event_id, head_txid, head_id in rows}


def behind(chosen: list[Subscriber]) -> list[Subscriber]:
    """The subscribers whose cursor is before the newest visible event (a subscriber without a
    cursor yet counts as behind): one statement."""
    caught_up = _positions([s.name for s in chosen])
    return [sub for sub in chosen if not caught_up.get(sub.name, False)]


_was_busy = threading.local()


def subscribers_step(owner: str = "") -> int:
    """Worker step: every subscriber that is behind gets its next batch, in one transaction;
    ``Drained`` unless the feed may hold more for them (a full window, or a subscriber's batch).

    An idle step is one statement outside a transaction (who is behind). After a step that handed
    out events (a busy feed) the next one goes straight to the transaction, whose first statement
    locks only the cursors that are behind: the check would almost always say "everyone"."""
    chosen = subscribers()
    handed, full = 0, False
    try:
        if getattr(_was_busy, "value", False):
            handed, _moved, full = _run(chosen)
        if not handed:  # idle, or the busy spell is over: look who is behind first
            handed, _moved, full = _run(behind(chosen))
    except Exception:  # noqa: BLE001 - the next step tries again; handlers' failures are caught in _handle
        log.exception("the subscribers could not run")
        handed = 0
    _was_busy.value = handed > 0
    return handed if full else Drained(handed)  # a full window: more is waiting, come back at once


def drain(*names: str, rounds: int = 1000) -> int:
    """Run the named subscribers (all when none are named) until they are caught up (tests, CLI)."""
    chosen = [_REGISTRY[n] for n in names] if names else subscribers()
    total = 0
    for _ in range(rounds):
        handled, moved, _full = _run(chosen)
        total += handled
        if not moved:  # caught up (or held by another worker)
            return total
    return total
