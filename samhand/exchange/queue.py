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
from django.utils import timezone

from .models import Delivery


HoldRule = Callable[[datetime], Q]
_HOLDS: list[HoldRule] = []


def register_hold(rule: HoldRule) -> None:
    """A room above the exchange holds deliveries back (monitoring: a party in downtime, S8).
    ``rule(now)`` returns a condition on Delivery that is true for held deliveries; it becomes part
    of the claim statement itself, so a hold declared in any process applies at once everywhere."""
    if rule not in _HOLDS:
        _HOLDS.append(rule)


def claim(owner: str, limit: int) -> list:
    now = timezone.now()
    # Downtime (S8): deliveries to a party in downtime stay queued, in order, until it ends.
    due = Delivery.objects.filter(state=Delivery.State.QUEUED, next_attempt_at__lte=now)
    for rule in _HOLDS:
        due = due.exclude(rule(now))
    # A plain read first: an idle worker must not take SQLite's write lock (BEGIN IMMEDIATE)
    # or start a locking transaction on PostgreSQL just to find nothing.
    if not due.exists():
        return []
    with transaction.atomic():
        candidates = (due.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
                      .order_by("next_attempt_at"))
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if ids:
            Delivery.objects.filter(id__in=ids).update(
                lease_owner=owner, lease_until=now + timedelta(seconds=settings.SAMHAND_LEASE_SECONDS))
    return ids


def claimed(ids: list, owner: str) -> list[Delivery]:
    """The claimed deliveries with what dispatching them needs, in one query (no locks: each
    state change re-checks state and owner under a lock)."""
    return list(Delivery.objects.select_related("message", "message__content", "party", "party__organisation")
                .filter(id__in=ids, state=Delivery.State.QUEUED, lease_owner=owner).order_by("next_attempt_at"))


def lock_claimed(delivery_id, owner: str) -> Delivery | None:
    """Inside a transaction: the delivery, locked, if it is still queued and ours."""
    return (Delivery.objects.select_for_update(of=("self",))
            .select_related("message", "party", "party__organisation")
            .filter(id=delivery_id, state=Delivery.State.QUEUED, lease_owner=owner).first())


def backoff(attempts: int) -> timedelta:
    # 2, 4, 8 … seconds, capped at ten minutes.
    return timedelta(seconds=min(600, 2 ** attempts))
