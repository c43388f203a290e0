"""The exchange's event outbox as the dialogue uses it: ``publish``, ``subscriber``, ``drain``.

When ``samhand.exchange.outbox`` exists it is used as is (the worker runs its subscribers). Until
it lands on this branch, a small fallback with the same interface reads the exchange's Event table
with a cursor of its own (SubscriberCursor) and is driven by the dialogue's worker step. Handlers
are written for at-least-once delivery either way (they de-duplicate on natural keys).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

log = logging.getLogger(__name__)

try:  # pragma: no cover - depends on what the branch has
    from samhand.exchange.outbox import drain, publish, subscriber  # type: ignore[attr-defined]

    FALLBACK = False
except ImportError:
    FALLBACK = True
    _SUBSCRIBERS: dict[str, tuple[frozenset[str], int, Callable]] = {}

    def subscriber(name: str, *, kinds: Iterable[str], batch: int = 200):
        def register(fn):
            _SUBSCRIBERS[name] = (frozenset(kinds), batch, fn)
            return fn
        return register

    def publish(kind: str, *, message=None, delivery=None, data=None, detail: str = "", actor: str = ""):
        from samhand.exchange.store import event

        if message is None:
            raise ValueError("the fallback outbox needs a message for every event")
        return event(message, kind, detail, actor=actor, delivery=delivery)

    def drain(*names: str) -> int:
        from samhand.exchange.models import Event

        from .models import SubscriberCursor

        handled = 0
        for name in names or tuple(_SUBSCRIBERS):
            kinds, batch, fn = _SUBSCRIBERS[name]
            while True:
                with transaction.atomic():
                    cursor, _ = SubscriberCursor.objects.select_for_update().get_or_create(name=name)
                    events = list(Event.objects.filter(id__gt=cursor.last_event_id)
                                  .select_related("message", "delivery").order_by("id")[:batch])
                    if not events:
                        break
                    wanted = [e for e in events if e.kind in kinds]
                    if wanted:
                        fn(wanted)
                    cursor.last_event_id = events[-1].id
                    cursor.save(update_fields=["last_event_id"])
                    handled += len(wanted)
        return handled


SUBSCRIBERS = ("dialogue.threads", "dialogue.avvik")


def outbox_step(owner: str) -> int:
    """Worker step: run the dialogue's subscribers (only with the fallback; the real outbox runs
    every subscriber in its own step)."""
    if not FALLBACK:
        return 0
    return drain(*SUBSCRIBERS)
