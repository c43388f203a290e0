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
node's database (the horizon, ``_settled``), in ``(txid, id)`` order, plus the reading
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

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


def publish(kind: str, *, message: Message | None = None, delivery: Delivery | None = None,
            data: dict | None = None, detail: str = "", actor: str = "") -> Event:
    """Record that ``kind`` happened, in the caller's transaction."""
    return Event.objects.create(message=message, delivery=delivery, kind=kind, detail=detail, actor=actor,
                                data=data or {})


def publish_many(events: list[Event]) -> None:
    """Record several events in one statement (the worker's batches)."""
    if events:
        Event.objects.bulk_create(events)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# One round trip. The first statement drops the backend-status copy PostgreSQL keeps for the rest
# of a transaction, so the second reads the transactions running now. The second statement's
# snapshot is taken before it scans pg_stat_activity: an xid below that snapshot's xmax that is
# still running when the scan comes shows there; one assigned later is at least xmax.
_HORIZON_SQL = (
    "SELECT pg_stat_clear_snapshot();"
    " SELECT txid_snapshot_xmax(txid_current_snapshot()), txid_current_if_assigned(),"
    " ARRAY(SELECT backend_xid::text::bigint FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL)"
)


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


def _settled() -> Q | None:
    """On PostgreSQL: events of transactions below the horizon (every transaction on this database
    with a smaller id has ended, committed or not), and this transaction's own (a test that runs in
    one transaction, or a handler reading what it just wrote)."""
    if not _postgres():
        return None
    with connection.cursor() as cur:
        cur.execute(_HORIZON_SQL)
        cur.nextset()
        xmax, own, running = cur.fetchone()
    horizon = horizon_of(xmax, running or ())
    return Q(txid__lt=horizon) | Q(txid=own) if own is not None else Q(txid__lt=horizon)


def _after(cursor: SubscriberCursor) -> Q:
    return Q(txid__gt=cursor.txid) | Q(txid=cursor.txid, id__gt=cursor.event_id)


def _lock_cursor(name: str) -> SubscriberCursor | None:
    """The cursor, locked for this transaction; None when another worker is running it now.
    One statement once the cursor exists."""
    query = SubscriberCursor.objects.filter(name=name)
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True)
    cursor = query.first()
    if cursor is None and SubscriberCursor.objects.get_or_create(name=name)[1]:
        cursor = query.first()  # the first run of a new subscriber (else: locked by another worker)
    return cursor


def run_one(sub: Subscriber) -> int:
    """Hand the subscriber its next batch; returns how many events it was given."""
    with transaction.atomic():
        cursor = _lock_cursor(sub.name)
        if cursor is None:
            return 0
        settled = _settled()
        feed = Event.objects.filter(_after(cursor))
        if settled is not None:
            feed = feed.filter(settled)
        ordered = feed.order_by("txid", "id")
        wanted = ordered.filter(kind__in=sub.kinds) if sub.kinds else ordered
        events = list(wanted.select_related("message", "delivery")[:sub.batch])
        if len(events) < sub.batch:
            # Caught up: move past the kinds this subscriber does not want as well, so the next
            # read starts at the head instead of scanning them again.
            last = ordered.reverse().values_list("txid", "id").first()
        else:
            last = (events[-1].txid, events[-1].id)
        if events:
            _handle(sub, events)
        if last is not None and (last[0], last[1]) > (cursor.txid, cursor.event_id):
            SubscriberCursor.objects.filter(name=sub.name).update(txid=last[0], event_id=last[1],
                                                                  updated_at=timezone.now())
    return len(events)


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


def behind(chosen: list[Subscriber]) -> list[Subscriber]:
    """The subscribers whose cursor is before the newest visible event: one statement, instead
    of a locked transaction per subscriber when they are all caught up (an idle worker, or a busy
    one between batches). An event that commits later is found at the next step; a subscriber
    without a cursor yet is always run (its first run creates it)."""
    head = Event.objects.order_by("-txid", "-id")
    rows = (SubscriberCursor.objects.filter(name__in=[s.name for s in chosen])
            .annotate(head_txid=Subquery(head.values("txid")[:1]), head_id=Subquery(head.values("id")[:1]))
            .values_list("name", "txid", "event_id", "head_txid", "head_id"))
    caught_up = {name for name, txid, event_id, head_txid, head_id in rows
                 if head_id is None or (txid, event_id) >= (head_txid, head_id)}
    return [sub for sub in chosen if sub.name not in caught_up]


def subscribers_step(owner: str = "") -> int:
    """Worker step: every subscriber's next batch."""
    found = 0
    for sub in behind(subscribers()):
        try:
            found += run_one(sub)
        except Exception:  # noqa: BLE001 - one subscriber must not stop the others
            log.exception("subscriber %s could not run", sub.name)
    return found


def drain(*names: str, rounds: int = 1000) -> int:
    """Run the named subscribers (all when none are named) until they are caught up (tests, CLI)."""
    chosen = [_REGISTRY[n] for n in names] if names else subscribers()
    total = 0
    for _ in range(rounds):
        handled = sum(run_one(sub) for sub in behind(chosen))
        total += handled
        if handled == 0:
            return total
    return total
