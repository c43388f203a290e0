"""Claiming queued deliveries: any number of workers, on any number of machines.

A claim is a lease (owner + expiry) written in one short transaction. On
PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so workers
never wait on each other; on SQLite the transaction starts with BEGIN
IMMEDIATE (see settings), which serialises claims. Processing then re-checks
state and owner under a row lock, so a delivery is delivered at most once even
if a lease expires while its worker is slow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from samhand.lib import clock
from samhand.lib.prepared import Prepared

from .models import Delivery


HoldRule = Callable[[datetime], Q]  # rule(at): ``at`` is the claim's time by ``lib.clock``
_HOLDS: list[HoldRule] = []


def register_hold(rule: HoldRule) -> None:
    """A room above the exchange holds deliveries back (monitoring: a party in downtime, S8).
    ``rule(now)`` returns a condition on Delivery that is true for held deliveries; it becomes part
    of the claim statement itself, so a hold declared in any process applies at once everywhere."""
    if rule not in _HOLDS:
        _HOLDS.append(rule)


def _due(now: datetime, held_at: datetime):
    # Downtime (S8): deliveries to a party in downtime stay queued, in order, until it ends.
    due = Delivery.objects.filter(state=Delivery.State.QUEUED, next_attempt_at__lte=now)
    for rule in _HOLDS:
        due = due.exclude(rule(held_at))
    return due


def _candidates(now: datetime, held_at: datetime):
    return _due(now, held_at).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).order_by("next_attempt_at")


# The claim's inner SELECT, compiled once per batch size and set of holds (lib.prepared).
_locked_candidates = Prepared(lambda now, held_at, *, limit, holds: _candidates(now, held_at)
                              .select_for_update(skip_locked=True, of=("self",)).values_list("id", flat=True)[:limit])


def claim(owner: str, limit: int) -> list[Delivery]:
    """Lease up to ``limit`` due deliveries to ``owner`` and return them with what dispatching
    them needs (message, content, party, organisation), oldest first. No locks are held
    afterwards: each state change re-checks state and owner under a lock."""
    now, held_at = timezone.now(), clock.now()
    until = now + timedelta(seconds=settings.SAMHAND_LEASE_SECONDS)
    if connection.vendor == "postgresql":
        return _claim_in_one_statement(now, held_at, owner, until, limit)
    # SQLite: a plain read first, so an idle worker does not take the write lock (BEGIN IMMEDIATE)
    # just to find nothing; the claim itself is serialised by that lock.
    if not _due(now, held_at).exists():
        return []
    with transaction.atomic():
        ids = list(_candidates(now, held_at).values_list("id", flat=True)[:limit])
        if ids:
            Delivery.objects.filter(id__in=ids).update(lease_owner=owner, lease_until=until)
    return list(_dispatchable().filter(id__in=ids, state=Delivery.State.QUEUED, lease_owner=owner)) if ids else []


def _dispatchable():
    """Deliveries with what dispatching them needs, oldest first."""
    return (Delivery.objects.select_related("message", "message__content", "party", "party__organisation")
            .defer("message__content__sealed")  # what is sent is the envelope; the sealed copy is for reads
            .order_by("next_attempt_at"))


# PostgreSQL: the claimed deliveries, read in the claim's own statement (lib.prepared).
_CLAIMED = "claimed"
_claimed = Prepared(lambda: _dispatchable().filter(id__in=RawSQL(f"SELECT id FROM {_CLAIMED}", [])))


def _claim_in_one_statement(now: datetime, held_at: datetime, owner: str, until: datetime,
                            limit: int) -> list[Delivery]:
    """PostgreSQL: WITH claimed AS (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)
    RETURNING id) SELECT the claimed deliveries with their message, content and party: one
    statement, its own transaction; workers never wait on each other's rows. The SELECT reads the
    statement's snapshot, from before the UPDATE, so the lease is set on the objects here."""
    table = Delivery._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:  # Django compiles FOR UPDATE only inside one
        sql, params = _locked_candidates.statement(now, held_at, limit=limit, holds=tuple(_HOLDS))
        update = f"UPDATE {table} SET lease_owner = %s, lease_until = %s WHERE id IN ({sql}) RETURNING id"
        claimed = _claimed.after(f"WITH {_CLAIMED} AS ({update}) ", [owner, until, *params])
        if claimed is None:  # the read could not be prepared: claim, then read
            cur.execute(update, [owner, until, *params])
            ids = [row[0] for row in cur.fetchall()]
            claimed = list(_dispatchable().filter(id__in=ids)) if ids else []
    for delivery in claimed:
        delivery.lease_owner, delivery.lease_until = owner, until
    return claimed


def lock_claimed(delivery_id, owner: str) -> Delivery | None:
    """Inside a transaction: the delivery, locked, if it is still queued and ours."""
    return (Delivery.objects.select_for_update(of=("self",))
            .select_related("message", "party", "party__organisation")
            .filter(id=delivery_id, state=Delivery.State.QUEUED, lease_owner=owner).first())


def backoff(attempts: int) -> timedelta:
    # 2, 4, 8 … seconds, capped at ten minutes.
    return timedelta(seconds=min(600, 2 ** attempts))
