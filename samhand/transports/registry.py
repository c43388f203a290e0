"""Choosing the transport for a delivery from the directory."""

from __future__ import annotations

from .base import Transport, TransportError
from .local import LocalTransport

_LOCAL = LocalTransport()


def transport_for(delivery) -> Transport:
    party = delivery.party
    if party is not None and party.hosted:
        return _LOCAL
    # Parties on other nodes need a network transport (AMQP, issue 4); until one is
    # configured there is no route, and retrying would not create one.
    raise TransportError(f"no transport configured for HER-id {delivery.her_id} (not hosted on this node)",
                         permanent=True)
