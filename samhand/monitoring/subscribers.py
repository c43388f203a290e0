"""Monitoring follows the exchange through its event feed (registered in MonitoringConfig.ready)."""

from __future__ import annotations

from samhand.exchange.outbox import subscriber

from .manual import manually_handled, note_delivered


@subscriber("monitoring.manual", kinds={"delivered"})
def manual_routine(events) -> None:
    # S9: a message already handled by the manual routine that now arrives electronically is
    # marked as such, so nobody enters it twice. One look-up for the batch finds the few that were.
    for delivery in manually_handled(event.delivery for event in events if event.delivery is not None):
        note_delivered(delivery)
