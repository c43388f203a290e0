"""Attaching and detaching links, one session per link (see the package docstring)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from proton import Connection, Endpoint, Link, Terminus

from .errors import AmqpNotFound, AmqpRejected

_names = itertools.count(1)


def open_link(conn: Connection, address: str, sender: bool, *, durable: bool,
              wait: Callable[[Callable[[], bool], str], None]) -> Link:
    """Attach a sender or receiver to ``address`` in a session of its own, so that a
    broker ending the session (``amqp:not-found``) costs only that link.

    ``durable`` asks for a durable terminus; on RabbitMQ's ``/queue/Q`` this makes a
    declared queue durable. Unsettled sends (confirms) and receiver-settles-first.
    """
    ssn = conn.session()
    ssn.open()
    name = f"{'snd' if sender else 'rcv'}-{address}-{next(_names)}"
    link = ssn.sender(name) if sender else ssn.receiver(name)
    terminus = link.target if sender else link.source
    terminus.address = address
    if durable:
        terminus.durability = Terminus.DELIVERIES
    link.snd_settle_mode = Link.SND_UNSETTLED
    link.rcv_settle_mode = Link.RCV_FIRST
    link.open()
    wait(lambda: not (link.state & Endpoint.REMOTE_UNINIT) or bool(ssn.state & Endpoint.REMOTE_CLOSED),
         f"attaching {address}")
    if ssn.state & Endpoint.REMOTE_CLOSED or link.state & Endpoint.REMOTE_CLOSED:
        cond = link.remote_condition or ssn.remote_condition
        close_quietly(link)
        name = cond.name if cond else None
        if name == "amqp:not-found":
            raise AmqpNotFound(f"no such queue: {address} ({cond.description})", condition=name)
        raise AmqpRejected(f"cannot attach {address}: {cond}", condition=name)
    return link


def close_quietly(link: Link) -> None:
    """Detach the link and end its session without waiting: RabbitMQ 3.10 answers a
    detach without ``closed=true``, so waiting for the close would time out."""
    for endpoint in (link, link.session):
        try:
            if endpoint.state & Endpoint.LOCAL_ACTIVE:
                endpoint.close()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            pass
