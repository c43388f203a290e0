"""Choosing the transport for a delivery from the directory."""

from __future__ import annotations

from . import network
from samhand.exchange.transport import Transport, TransportError
from .local import LocalTransport

_LOCAL = LocalTransport()
_AMQP = network.AmqpTransport()


def transport_for(delivery) -> Transport:
    """Local or remote is the directory's word (CommunicationParty.hosted)."""
    party = delivery.party
    if party is not None and party.hosted:
        return _LOCAL
    if network.enabled() and party is not None:
        return _AMQP
    # Without a network transport there is no route, and retrying would not create one.
    raise TransportError(f"no transport configured for HER-id {delivery.her_id} (not hosted on this node)",
                         permanent=True)
