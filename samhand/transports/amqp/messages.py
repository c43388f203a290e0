"""What goes over the wire: outgoing items, received messages, and their proton mapping.

Bodies travel as a single AMQP *data* section (``inferred=True``), i.e. raw bytes as the
profile asks (2.1.5: "byte[] without MIME encoding") and as .NET / Service Bus clients
expect; a bytes body without ``inferred`` would go as an amqp-value instead. Messages
are always durable (``header.durable=true``: persisted by the broker). Properties are
AMQP *application properties*; ``to`` is set to the queue name, as the profile requires.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from proton import Condition, Delivery, Message

from .errors import AmqpError


@dataclass
class Outgoing:
    """One message for :meth:`AmqpConnection.publish_many` (same fields as ``publish``)."""
    queue: str
    body: bytes
    message_id: str
    properties: dict[str, Any]
    content_type: str = "application/octet-stream"
    subject: str | None = None
    reply_to: str | None = None
    correlation_id: str | None = None
    ttl: float | None = None  # seconds; None = never expires (async queues)


@dataclass(eq=False)
class Received:
    """A message taken from a queue and held (unsettled) until accept/release/reject.

    ``delivery_count`` = earlier deliveries of this message (0 the first time);
    ``redelivered`` is the broker's word that someone had it before (see ``client``).
    """
    queue: str
    body: bytes
    message_id: str | None
    properties: dict[str, Any]
    delivery_count: int
    redelivered: bool
    content_type: str | None = None
    subject: str | None = None
    reply_to: str | None = None
    correlation_id: str | None = None
    to: str | None = None
    _settle: Callable[..., None] | None = field(default=None, repr=False, compare=False)

    def accept(self) -> None:
        """Done with it (commit your own state first): the broker deletes it."""
        self._finish(Delivery.ACCEPTED)

    def release(self, delivery_failed: bool = True) -> None:
        """Return it for redelivery. ``delivery_failed=False`` (e.g. shutting down) does not
        count this delivery in ``delivery_count``."""
        self._finish(Delivery.RELEASED, failed=delivery_failed)

    def reject(self, condition: str, description: str = "") -> None:
        """Refuse it for good: never redelivered (dead-lettered if the queue has a DLX).
        Reporting to the sender's ``_error`` queue is a separate publish."""
        self._finish(Delivery.REJECTED, condition=Condition(condition, description or None))

    @property
    def settled(self) -> bool:
        return self._settle is None

    def _finish(self, state, **kwargs) -> None:
        settle, self._settle = self._settle, None
        if settle is None:
            raise AmqpError(f"message {self.message_id} is already settled")
        settle(state, **kwargs)


class DeliveryCounter:
    """Earlier deliveries per (queue, message-id), for brokers that leave the header's
    delivery-count at 0 (RabbitMQ 3.x): the header wins when set; otherwise a first
    delivery counts 0 and a redelivery what we saw before, at least 1."""

    def __init__(self, size: int = 10_000):
        self._seen: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._size = size

    def delivered(self, queue: str, message_id: Any, header_count: int | None, redelivered: bool) -> int:
        key = (queue, str(message_id))
        count = header_count or (max(1, self._seen.get(key, 0)) if redelivered else 0)
        if message_id is not None:
            self._seen[key] = count + 1
            self._seen.move_to_end(key)
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
        return int(count)

    def settled(self, queue: str, message_id: Any, *, final: bool, counts: bool = True) -> None:
        key = (queue, str(message_id))
        if final:
            self._seen.pop(key, None)
        elif not counts and self._seen.get(key, 0) > 0:
            self._seen[key] -= 1


def to_message(item: Outgoing) -> Message:
    if not isinstance(item.body, (bytes, bytearray, memoryview)):
        raise TypeError("body must be bytes")
    if not item.message_id:
        raise ValueError("message_id is required")
    msg = Message(body=bytes(item.body), inferred=True, durable=True, id=str(item.message_id),
                  address=item.queue, content_type=item.content_type, subject=item.subject,
                  reply_to=item.reply_to, correlation_id=item.correlation_id,
                  properties=dict(item.properties))
    if item.ttl is not None:
        msg.ttl = item.ttl
    return msg


def from_message(queue: str, msg: Message, *, delivery_count: int, redelivered: bool,
                 settle: Callable[..., None]) -> Received:
    return Received(queue=queue, body=_body_bytes(msg.body), message_id=_str(msg.id),
                    properties=dict(msg.properties or {}), delivery_count=delivery_count,
                    redelivered=redelivered, content_type=msg.content_type or None,
                    subject=msg.subject, reply_to=msg.reply_to,
                    correlation_id=_str(msg.correlation_id), to=msg.address, _settle=settle)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):  # an amqp-value string from some other client
        return body.encode("utf-8")
    raise TypeError(f"unsupported AMQP body type {type(body).__name__}")


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
