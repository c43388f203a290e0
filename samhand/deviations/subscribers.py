"""The deviations' subscriber on the event feed: automatic drafts (rules.py).

Delivery is at-least-once; every rule de-duplicates on its natural key (Deviation.dedupe_key),
so handling an event twice is harmless.
"""

from __future__ import annotations

from .rules import KINDS, handle


def on_events(events) -> None:
    for event in events:
        handle(event)


try:  # the event outbox (samhand.exchange.outbox) registers subscribers by decorator
    from samhand.exchange.outbox import subscriber
except ImportError:  # pragma: no cover - before the outbox existed
    subscriber = None

if subscriber is not None:
    on_events = subscriber("deviations.drafts", kinds=KINDS, batch=200)(on_events)
