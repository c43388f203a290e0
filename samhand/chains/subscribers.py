"""The chains follow the exchange through its event feed (registered in ChainsConfig.ready)."""

from __future__ import annotations

from samhand.exchange.outbox import subscriber

from .episodes import Arrival
from .tracking import track_batch
from .unit import Work


@subscriber("chains.tracking", kinds={"submitted", "received", "apprec-received"})
def track(events) -> None:
    work = []
    for event in events:
        message = event.message
        if message is None:
            continue
        if event.kind == "apprec-received":
            work.append(Work(message, status=event.data.get("status", "")))
        elif not event.data.get("refused"):
            # Submitted by a local EPR, or arrived from another node: the episode on the standard chain (S7).
            # Deadlines run on the chains' clock (moved by tests); the feed's lag is well under a second.
            # The time is taken when the message is recorded (at=None), as when each event went alone.
            work.append(Work(message, Arrival.of_message(message, event.data.get("status", "N"), None)))
    track_batch(work)
