"""What every transport promises the dispatch step (the transports implement it; the exchange owns it)."""

from __future__ import annotations

from typing import Protocol


class TransportError(Exception):
    """Delivery failed; ``permanent`` errors are not retried."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


class Transport(Protocol):
    name: str
    # True: send() runs inside the dispatch transaction and changes state itself (local).
    # False: send() talks to a broker outside any transaction, after the message was
    # committed; dispatch records SENT only once the broker has confirmed.
    in_transaction: bool

    def send(self, delivery) -> None:
        """Hand the delivery on; raise TransportError when it cannot be handed on."""

    # A broker transport (in_transaction False) may also offer
    #   send_many(deliveries) -> {delivery id: TransportError}
    # publishing all of them and waiting for their confirms together; what is not in the
    # result was confirmed.
