"""The AMQP transport of the node: publishing deliveries to parties on other nodes, and the
worker steps that consume the hosted parties' ``_async`` and ``_error`` queues.

Guarantees (issue 4): a delivery is published only after the message is committed (it was
committed at submission; the worker publishes and only then records SENT), with broker
confirmation; an AMQP message is accepted only after what it caused is committed; a
redelivery is harmless because the receiving node deduplicates by sender and MsgId.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, transaction

from samhand.exchange import outbox
from samhand.exchange.inbound import Arrival, receive, receive_many
from samhand.exchange.models import NodeEvent
from samhand.exchange.transport import TransportError
from samhand.exchange.transport_errors import record_transport_error

from .amqp import AmqpConnection, AmqpError, AmqpNotFound, profile
from .amqp.messages import Outgoing

log = logging.getLogger("samhand.amqp")

# AppRec-style codes of a refused input -> the profile's error conditions (AMQP spec 2.2.6).
CONDITIONS = {
    "T01": profile.NOT_WELL_FORMED_XML, "T02": profile.INVALID_FIELD_VALUE, "T10": profile.UNSUPPORTED_MESSAGE,
    "T99": profile.INVALID_FIELD_VALUE, "E21": profile.INVALID_FIELD_VALUE, "S01": profile.INVALID_SIGNATURE,
    "S02": profile.INVALID_CERTIFICATE, "S03": profile.REVOKED_CERTIFICATE, "S99": profile.DECRYPTION_FAILED,
    profile.SPOOFING_ATTACK: profile.SPOOFING_ATTACK,
}

_local = threading.local()


def enabled() -> bool:
    return bool(settings.SAMHAND_AMQP_URL)


def connection() -> AmqpConnection:
    """One connection per thread (a connection is not safe for parallel use)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = AmqpConnection(settings.SAMHAND_AMQP_URL, timeout=settings.SAMHAND_AMQP_TIMEOUT)
    return conn


def disconnect() -> None:
    """Close this thread's connection: what it received and did not settle goes back to its queue,
    and the broker stops sending to it."""
    conn = getattr(_local, "conn", None)
    _local.conn = None
    if conn is not None:
        conn.close()


def condition_for(code: str) -> str:
    return CONDITIONS.get(code, profile.INTERNAL_ERROR)


class AmqpTransport:
    name = "amqp"
    in_transaction = False  # publishes outside the dispatch transaction, see dispatch_one

    def send(self, delivery) -> None:
        message = delivery.message
        try:
            connection().publish(
                profile.async_queue(delivery.her_id), bytes(message.content.payload), message_id=message.msg_id,
                properties=profile.message_properties(message.sender_her_id, delivery.her_id,
                                                      settings.SAMHAND_AMQP_CPA_ID or None),
                content_type=profile.CONTENT_TYPE_SIGNED_AND_ENVELOPED)
        except AmqpNotFound as exc:
            # The receiving node may not have declared its queue yet: retried, then dead-lettered.
            raise TransportError(f"no queue for {delivery.her_id}: {exc}") from exc
        except AmqpError as exc:
            raise TransportError(f"broker: {exc}") from exc

    def send_many(self, deliveries) -> dict:
        """Publish all, await the confirms together; returns {delivery id: TransportError} for what
        the broker did not confirm (message ids travel as the AMQP message-id)."""
        by_msg_id: dict[str, list] = {}
        items = []
        for delivery in deliveries:
            message = delivery.message
            # The profile's message-id is the MsgId; a message to two remote parties shares it, and
            # both are confirmed or retried together.
            outgoing_id = message.msg_id
            by_msg_id.setdefault(outgoing_id, []).append(delivery)
            items.append(Outgoing(profile.async_queue(delivery.her_id), bytes(message.content.payload), outgoing_id,
                                  profile.message_properties(message.sender_her_id, delivery.her_id,
                                                             settings.SAMHAND_AMQP_CPA_ID or None),
                                  profile.CONTENT_TYPE_SIGNED_AND_ENVELOPED))
        try:
            connection().publish_many(items)
        except AmqpError as exc:
            # Retried, then dead-lettered (the receiving node may not have declared its queue yet).
            error = TransportError(f"{'no queue' if isinstance(exc, AmqpNotFound) else 'broker'}: {exc}")
            failed_ids = getattr(exc, "message_ids", None) or tuple(by_msg_id)
            return {d.pk: error for mid in failed_ids for d in by_msg_id.get(mid, ())}
        return {}


# --- the receiving side -------------------------------------------------------------------

_hosted_cache: dict[str, tuple[float, list[str]]] = {}


def hosted_her_ids() -> list[str]:
    from samhand.directory.models import CommunicationParty

    hit = _hosted_cache.get("ids")
    if hit is not None and time.monotonic() - hit[0] < 30:
        return hit[1]
    ids = sorted(CommunicationParty.objects.filter(hosted=True, active=True).values_list("her_id", flat=True))
    _hosted_cache["ids"] = (time.monotonic(), ids)
    return ids


def declare_queues() -> None:
    conn = connection()
    for her_id in hosted_her_ids():
        conn.ensure_queue(profile.async_queue(her_id))
        conn.ensure_queue(profile.error_queue(her_id))


def _queues() -> dict[str, tuple[str, Callable]]:
    """Every hosted party's ``_async`` and ``_error`` queue -> (her_id, handler)."""
    queues: dict[str, tuple[str, Callable]] = {}
    for her_id in hosted_her_ids():
        queues[profile.async_queue(her_id)] = (her_id, _handle_message)
        queues[profile.error_queue(her_id)] = (her_id, _handle_error)
    return queues


def receive_step(owner: str = "", *, limit: int | None = None, wait: float = 0.0) -> int:
    """Take what has arrived on all hosted parties' queues at once (link credit on every queue, one
    wait), record the batch in one transaction, and only then settle each message.

    The batch is recorded together (``inbound.receive_many``: bulk inserts, one query for
    duplicates). If that fails, it is recorded again message by message, each in its own savepoint:
    a message whose recording fails is released (returned to the queue, up to the profile's ten
    receives) and the rest are kept. If even that cannot be committed, every message is released
    and the broker redelivers them (the node drops duplicates by sender and MsgId). Nothing is
    accepted, and no refusal is reported to a sender's error queue, before what it caused is
    committed.
    """
    if not enabled():
        return 0
    conn = connection()
    queues = _queues()
    try:
        batch = conn.receive_any(list(queues), timeout=wait, limit=limit or settings.SAMHAND_WORKER_BATCH,
                                 gather=settings.SAMHAND_WORKER_GATHER_MS / 1000 if wait else 0.0)
    except AmqpError as exc:
        _receive_failed(exc, wait)
        return 0
    down_since = getattr(_receive_state, "down_since", None)
    if down_since is not None:
        log.warning("receiving again after %.0f s without the broker", time.monotonic() - down_since)
        _receive_state.down_since = None
    if not batch:
        return 0
    outcomes = _record(conn, queues, batch, together=True)
    if outcomes is None:
        outcomes = _record(conn, queues, batch, together=False)
    # Settled together: one exchange with the broker for the batch's dispositions (conn.settling).
    with _settling(conn):
        if outcomes is None:  # nothing was committed: every message goes back to its queue
            for msg in batch:
                _settle_quietly(msg.release)
            return 0
        for _msg, settle in outcomes:
            _settle_quietly(settle)
    return len(batch)


_receive_state = threading.local()  # .down_since: since when this thread has not reached the broker


def _receive_failed(exc: AmqpError, wait: float) -> None:
    """The broker is unreachable (down, restarting): say so once, then once a minute, and keep
    the pace of a receive that waited ``wait`` (at most a second) instead of trying again at once:
    an outage must not turn every receiving thread into a busy loop that floods the log."""
    now = time.monotonic()
    first = getattr(_receive_state, "down_since", None) is None
    if first:
        _receive_state.down_since, _receive_state.said_at = now, now
        log.warning("receive failed: %s", exc)
    elif now - _receive_state.said_at >= 60:
        _receive_state.said_at = now
        log.warning("still no broker after %.0f s: %s", now - _receive_state.down_since, exc)
    time.sleep(min(wait, 1.0))


def _record(conn: AmqpConnection, queues, batch, *, together: bool) -> list[tuple[object, Callable[[], None]]] | None:
    """Record the batch in one transaction; its events go in one INSERT and its wake-ups in one
    statement at the end (outbox.collected). None if it could not be committed."""
    try:
        with transaction.atomic(), outbox.collected():
            if together:
                return _record_together(conn, queues, batch)
            return [(msg, queues[msg.queue][1](conn, queues[msg.queue][0], msg)) for msg in batch]
    except IntegrityError as exc:
        if together and _is_duplicate(exc):  # a redelivered message among them: expected now and then
            log.info("a batch of %d received messages holds one stored before; recording them one by one",
                     len(batch))
        else:
            log.exception("could not commit a batch of %d received messages%s", len(batch),
                          " together; recording them one by one" if together else "")
        return None
    except Exception:  # noqa: BLE001 - rolled back; the caller tries one by one, or releases
        log.exception("could not commit a batch of %d received messages%s", len(batch),
                      " together; recording them one by one" if together else "")
        return None


def _is_duplicate(exc: IntegrityError) -> bool:
    text = str(exc)  # PostgreSQL names the constraint; SQLite the columns
    return "unique_sender_msgid" in text or "exchange_message.sender_her_id, exchange_message.msg_id" in text


def _record_together(conn: AmqpConnection, queues, batch) -> list[tuple[object, Callable[[], None]]]:
    outcomes: list = [None] * len(batch)
    arrivals, positions = [], []
    for i, msg in enumerate(batch):
        her_id, handle = queues[msg.queue]
        if handle is _handle_error:
            outcomes[i] = (msg, _handle_error(conn, her_id, msg))
            continue
        props = msg.properties or {}
        arrivals.append(Arrival(msg.body, props.get(profile.TO_HER_ID) or her_id, props.get(profile.FROM_HER_ID)))
        positions.append(i)
    for i, result in zip(positions, receive_many(arrivals), strict=True):
        outcomes[i] = (batch[i], _settle_for(conn, queues[batch[i].queue][0], batch[i], result))
    return outcomes


@contextmanager
def _settling(conn: AmqpConnection) -> Iterator[None]:
    try:
        with conn.settling():
            yield
    except AmqpError as exc:
        log.warning("could not send the dispositions of received messages: %s", exc)


def _settle_quietly(settle: Callable[[], None]) -> None:
    try:
        settle()
    except AmqpError as exc:
        # The connection dropped after commit: the broker redelivers, and the duplicate is ignored.
        log.warning("could not settle a received message: %s", exc)


def _handle_message(conn: AmqpConnection, her_id: str, msg) -> Callable[[], None]:
    """Record one arrived message (inside the batch's transaction); returns how to settle it."""
    props = msg.properties or {}
    sender, to = props.get(profile.FROM_HER_ID), props.get(profile.TO_HER_ID)
    try:
        with outbox.item():  # a savepoint: one bad message does not spoil the batch (nor its events)
            result = receive(msg.body, to_her_id=to or her_id, transport_sender=sender)
    except Exception as exc:  # noqa: BLE001 - returned to the queue, up to the profile's 10 receives
        log.exception("could not record message %s from %s", msg.message_id, sender)
        reason = str(exc)[:200]  # the name ``exc`` is gone once this block ends; settling comes after commit
        if profile.exhausted(msg.delivery_count):
            # Dead-lettered, not lost: the broker keeps it in its dead-letter queue (if configured),
            # and the node records it for the operator.
            NodeEvent.objects.create(kind=NodeEvent.Kind.TRANSPORT, code="dead-letter", her_id=to or her_id,
                                     actor="transport", detail=f"message {msg.message_id} from {sender} failed "
                                     f"{msg.delivery_count + 1} receives: {exc}"[:2000])
            return lambda: msg.reject(profile.INTERNAL_ERROR, reason)
        return msg.release
    return _settle_for(conn, her_id, msg, result)


def _settle_for(conn: AmqpConnection, her_id: str, msg, result) -> Callable[[], None]:
    """How to settle a recorded message, after commit: accept it; a refusal that no AppRec can
    carry also goes to the sender's _error queue (profile 2.2)."""
    props = msg.properties or {}
    sender, to = props.get(profile.FROM_HER_ID), props.get(profile.TO_HER_ID)
    if result.accepted or result.message is not None or not sender:
        return msg.accept

    def report_then_accept() -> None:
        try:
            conn.publish(profile.error_queue(sender), msg.body, message_id=f"{msg.message_id}-error",
                         properties={**profile.message_properties(to or her_id, sender, None),
                                     **profile.error_properties(msg.message_id or "?", condition_for(result.code),
                                                                result.reason[:500])})
        except (AmqpError, ValueError) as exc:
            # The refusal is recorded here (NodeEvent); the sender's error queue is best effort.
            log.warning("could not report %s to %s's error queue: %s", msg.message_id, sender, exc)
        msg.accept()

    return report_then_accept


def _handle_error(conn: AmqpConnection, her_id: str, msg) -> Callable[[], None]:
    props = msg.properties or {}
    record_transport_error(sender_her_id=her_id, receiver_her_id=props.get(profile.FROM_HER_ID, ""),
                           msg_id=props.get(profile.ORIGINAL_MESSAGE_ID, ""),
                           condition=props.get(profile.ERROR_CONDITION, ""),
                           description=props.get(profile.ERROR_DESCRIPTION, ""))
    return msg.accept
