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

from django.conf import settings

from samhand.exchange.inbound import receive
from samhand.exchange.models import NodeEvent
from samhand.exchange.transport import TransportError
from samhand.exchange.transport_errors import record_transport_error

from .amqp import AmqpConnection, AmqpError, AmqpNotFound, profile

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


def _drain(queue_of, handle, *, per_queue: int, wait: float) -> int:
    """Take up to ``per_queue`` messages from each hosted party's queue and handle each."""
    if not enabled():
        return 0
    handled = 0
    conn = connection()
    for her_id in hosted_her_ids():
        queue = queue_of(her_id)
        for _ in range(per_queue):
            try:
                msg = conn.receive(queue, timeout=wait)
            except AmqpError as exc:
                log.warning("receive from %s failed: %s", queue, exc)
                return handled
            if msg is None:
                break
            handle(conn, her_id, msg)
            handled += 1
    return handled


def receive_step(owner: str, *, per_queue: int = 20, wait: float = 0.01) -> int:
    """Take what has arrived for the hosted parties, record it, then accept it."""
    return _drain(profile.async_queue, _handle_message, per_queue=per_queue, wait=wait)


def error_step(owner: str, *, per_queue: int = 20, wait: float = 0.01) -> int:
    """Errors other nodes reported about what we sent: an event and a failed delivery."""
    return _drain(profile.error_queue, _handle_error, per_queue=per_queue, wait=wait)


def _handle_message(conn: AmqpConnection, her_id: str, msg) -> None:
    props = msg.properties or {}
    sender, to = props.get(profile.FROM_HER_ID), props.get(profile.TO_HER_ID)
    try:
        result = receive(msg.body, to_her_id=to or her_id, transport_sender=sender)
    except Exception as exc:  # noqa: BLE001 - returned to the queue, up to the profile's 10 receives
        log.exception("could not record message %s from %s", msg.message_id, sender)
        if profile.exhausted(msg.delivery_count):
            # Dead-lettered, not lost: the broker keeps it in its dead-letter queue (if configured),
            # and the node records it for the operator.
            NodeEvent.objects.create(kind=NodeEvent.Kind.TRANSPORT, code="dead-letter", her_id=to or her_id,
                                     actor="transport", detail=f"message {msg.message_id} from {sender} failed "
                                     f"{msg.delivery_count + 1} receives: {exc}"[:2000])
            msg.reject(profile.INTERNAL_ERROR, str(exc)[:200])
        else:
            msg.release()
        return
    if not result.accepted and result.message is None and sender:
        # Not addressable with an AppRec: the sender's _error queue gets the reason (profile 2.2).
        try:
            conn.publish(profile.error_queue(sender), msg.body, message_id=f"{msg.message_id}-error",
                         properties={**profile.message_properties(to or her_id, sender, None),
                                     **profile.error_properties(msg.message_id or "?", condition_for(result.code),
                                                                result.reason[:500])})
        except (AmqpError, ValueError) as exc:
            # The refusal is recorded here (NodeEvent); the sender's error queue is best effort.
            log.warning("could not report %s to %s's error queue: %s", msg.message_id, sender, exc)
    msg.accept()


def _handle_error(conn: AmqpConnection, her_id: str, msg) -> None:
    props = msg.properties or {}
    record_transport_error(sender_her_id=her_id, receiver_her_id=props.get(profile.FROM_HER_ID, ""),
                           msg_id=props.get(profile.ORIGINAL_MESSAGE_ID, ""),
                           condition=props.get(profile.ERROR_CONDITION, ""),
                           description=props.get(profile.ERROR_DESCRIPTION, ""))
    msg.accept()
