"""What every transport promises the dispatch step."""

from __future__ import annotations

from typing import Protocol


class TransportError(Exception):
    """Delivery failed; ``permanent`` errors are not retried."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


class Transport(Protocol):
    name: str

    def send(self, delivery) -> None:
        """Hand the delivery on, inside the caller's transaction.

        A transport that talks to a broker must publish only after commit
        (transaction.on_commit) and leave the delivery in SENT.
        """
