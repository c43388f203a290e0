"""The dispatch step: queued deliveries go to their transport; arrivals land in
the receiving party's inbox; AppRecs that arrive are correlated to the original.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable
from functools import reduce

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from samhand import cms, kith
from samhand.lib.prepared import Prepared
from samhand.lib.steps import Drained

from . import protection, queue, rows, wakeup
from .models import Delivery, Event, Message, NodeEvent
from .outbox import publish_many, update_rows, write_rows
from .store import event
from .transport import Transport, TransportError

log = logging.getLogger(__name__)

APPREC_STATE = {"1": Delivery.State.ACKNOWLEDGED, "2": Delivery.State.REJECTED, "3": Delivery.State.PARTLY}

TransportFor = Callable[[Delivery], Transport]
_transport_for: TransportFor | None = None


def use_transports(choose: TransportFor) -> None:
    """The transports are injected from above (samhand.transports registers itself at start-up),
    so the exchange never imports them."""
    global _transport_for
    _transport_for = choose


def transport_for(delivery: Delivery) -> Transport:
    if _transport_for is None:
        raise TransportError("no transports are registered (is samhand.transports installed?)")
    return _transport_for(delivery)


def dispatch_step(owner: str, limit: int | None = None) -> int:
    """Claim and process a batch; returns how many deliveries were claimed (``Drained`` when the
    claim came back short of its batch: nothing more was due).

    Deliveries for a broker are published together and their confirms awaited together, then
    marked sent in one statement (``_publish_batch``); local hand-overs are state changes in
    the database, each in its own transaction so that one bad message never holds up the rest.
    """
    limit = limit or settings.SAMHAND_WORKER_BATCH
    claimed = queue.claim(owner, limit)
    if not claimed:
        return Drained(0)
    brokered: dict[str, tuple[Transport, list[Delivery]]] = {}
    for delivery in claimed:
        try:
            transport = transport_for(delivery)
        except TransportError as exc:
            _failed(delivery.pk, owner, str(exc), permanent=exc.permanent)
            continue
        if transport.in_transaction or not hasattr(transport, "send_many"):
            dispatch_one(delivery.pk, owner)
        else:
            brokered.setdefault(transport.name, (transport, []))[1].append(delivery)
    for transport, deliveries in brokered.values():
        _publish_batch(transport, deliveries, owner)
    return Drained(len(claimed)) if len(claimed) < limit else len(claimed)


def _publish_batch(transport: Transport, deliveries: list[Delivery], owner: str) -> None:
    """Publish outside any transaction (the messages were committed at submission), then record
    SENT only for what the broker confirmed. A crash in between publishes again after the lease
    lapses; the receiving node deduplicates by sender and MsgId."""
    try:
        failures = transport.send_many(deliveries)
    except Exception as exc:  # noqa: BLE001 - nothing is known to be sent: every item retries
        log.exception("publishing a batch of %d failed", len(deliveries))
        failures = {d.pk: TransportError(f"{type(exc).__name__}: {exc}") for d in deliveries}
    confirmed = [d for d in deliveries if d.pk not in failures]
    if confirmed:
        _mark_sent(confirmed, owner, transport.name)
    for delivery in deliveries:
        error = failures.get(delivery.pk)
        if error is not None:
            _failed(delivery.pk, owner, str(error), permanent=getattr(error, "permanent", False))


def _mark_sent(confirmed: list[Delivery], owner: str, via: str) -> None:
    """Mark the confirmed deliveries still queued and ours as sent, with a "sent" event each. On
    PostgreSQL one statement (an UPDATE … RETURNING feeding the event INSERT); elsewhere a locked
    read, an update and an insert."""
    events = {d.pk: Event(message_id=d.message_id, delivery_id=d.pk, kind="sent", actor="node",
                          detail=f"to {d.her_id} via {via}") for d in confirmed}
    if connection.vendor == "postgresql":
        sent = next(iter(events.values()))
        columns, values, params = rows.row_sql(connection, sent, cast=True, skip={"message", "delivery", "detail"})
        delivery, event_table = Delivery._meta.db_table, Event._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"WITH s AS (UPDATE {delivery} SET state = %s, attempts = attempts + 1, lease_owner = '', "
                f"lease_until = NULL WHERE id = ANY(%s) AND state = %s AND lease_owner = %s "
                f"RETURNING id, message_id, her_id) "
                f"INSERT INTO {event_table} (message_id, delivery_id, detail, {columns}) "
                f"SELECT s.message_id, s.id, 'to ' || s.her_id || ' via ' || %s, {values} FROM s",
                [Delivery.State.SENT, list(events), Delivery.State.QUEUED, owner, via, *params])
        return
    with transaction.atomic():
        mine = list(Delivery.objects.select_for_update(of=("self",))
                    .filter(pk__in=list(events), state=Delivery.State.QUEUED, lease_owner=owner)
                    .values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=mine).update(state=Delivery.State.SENT, attempts=F("attempts") + 1,
                                                    lease_owner="", lease_until=None)
        publish_many([events[pk] for pk in mine])


def dispatch_one(delivery_id, owner: str) -> None:
    try:
        with transaction.atomic():
            delivery = queue.lock_claimed(delivery_id, owner)
            if delivery is None:
                return  # delivered by someone else after our lease lapsed
            transport = transport_for(delivery)
            if transport.in_transaction:
                delivery.attempts += 1
                transport.send(delivery)
                return
        # A broker: publish (with confirmation) outside the transaction, then record it. A crash
        # in between publishes again after the lease lapses; the receiving node deduplicates.
        transport.send(delivery)
        _sent(delivery_id, owner, transport.name)
    except TransportError as exc:
        _failed(delivery_id, owner, str(exc), permanent=exc.permanent)
    except Exception as exc:  # noqa: BLE001 - a bad item must not stop the worker
        log.exception("dispatch of %s failed", delivery_id)
        _failed(delivery_id, owner, f"{type(exc).__name__}: {exc}", permanent=False)


def _sent(delivery_id, owner: str, via: str) -> None:
    with transaction.atomic():
        delivery = queue.lock_claimed(delivery_id, owner)
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.state = Delivery.State.SENT
        delivery.lease_owner, delivery.lease_until = "", None
        delivery.save(update_fields=["attempts", "state", "lease_owner", "lease_until"])
        event(delivery.message, "sent", f"to {delivery.her_id} via {via}", delivery=delivery, actor="node")


def _failed(delivery_id, owner: str, reason: str, *, permanent: bool) -> None:
    with transaction.atomic():
        delivery = queue.lock_claimed(delivery_id, owner)
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.last_error = reason[:2000]
        delivery.lease_owner, delivery.lease_until = "", None
        if permanent or delivery.attempts >= settings.SAMHAND_MAX_ATTEMPTS:
            # Dead-lettered: kept with its error, visible in status and monitoring, never dropped.
            delivery.state = Delivery.State.FAILED
            event(delivery.message, "failed", f"to {delivery.her_id} after {delivery.attempts} attempt(s): {reason}",
                  delivery=delivery, actor="node")
        else:
            delivery.next_attempt_at = timezone.now() + queue.backoff(delivery.attempts)
            event(delivery.message, "retry", f"attempt {delivery.attempts} to {delivery.her_id}: {reason}",
                  delivery=delivery, actor="node")
        delivery.save()


def deliver_locally(delivery: Delivery) -> None:
    """Decrypt and verify as the receiving party, then put the message into its inbox
    (inside the dispatch transaction). A signature or certificate error is answered
    with the node's negative AppRec (S01/S02/S03); what cannot even be decrypted is
    dead-lettered, since no receipt can be addressed from it."""
    try:
        opened = protection.open_protected(bytes(delivery.message.content.payload), reader=delivery.party,
                                           max_bytes=settings.SAMHAND_MAX_MESSAGE_BYTES)
    except (cms.CmsError, kith.KithError) as exc:
        _security_event(delivery, exc)
        raise TransportError(f"{exc.code}: {exc.text}", permanent=True) from None
    if opened.error is not None:
        _refuse_unverified(delivery, opened)
        return
    land(delivery, via="the local transport")


def land(delivery: Delivery, *, via: str) -> None:
    """The verified message is in the party's inbox; an AppRec is tied to what it answers."""
    delivery.state = Delivery.State.DELIVERED
    delivery.delivered_at = timezone.now()
    delivery.lease_owner, delivery.lease_until = "", None
    delivery.save()
    landed([delivery], via=via)


def landed(deliveries: list[Delivery], *, via: str, answered: list[Delivery] | None = None) -> None:
    """After deliveries are stored as delivered: wake the receivers' long polls, record each
    (subscribers take it from there: S9, the manual-routine ledger, marks a message already
    handled by hand), tie the AppRecs among them to what they answer (``answered``: the
    deliveries they answer, if the caller has read and locked them: ``answered_by_key``), and
    answer for a party whose system cannot."""
    for delivery in deliveries:
        wakeup.notify("inbox", delivery.her_id)  # a long-polling EPR of this party answers at once
        role = "copy receiver" if delivery.role == Delivery.Role.COPY else "receiver"
        event(delivery.message, "delivered", f"to {delivery.her_id} ({role}) by {via}", delivery=delivery,
              actor="node")
    correlate_many([d.message for d in deliveries if d.message.is_apprec], locked=answered)
    auto = [d for d in deliveries if not d.message.is_apprec and d.party is not None and d.party.auto_apprec]
    if auto:
        from .apprec import answer

        write_rows()  # answering locks and updates the entries: they must be in the table
        for delivery in auto:
            answer(delivery, status="1", errors=[], actor=f"node on behalf of {delivery.her_id}")


def _security_event(delivery: Delivery, error: cms.CmsError | kith.KithError) -> None:
    NodeEvent.objects.create(kind=NodeEvent.Kind.SECURITY, code=error.code, her_id=delivery.her_id, actor="node",
                             detail=f"{delivery.message.msg_type} {delivery.message.msg_id}: {error.text}"[:2000])


def _refuse_unverified(delivery: Delivery, opened) -> None:
    error = opened.error
    _security_event(delivery, error)
    message = delivery.message
    delivery.state = Delivery.State.REFUSED
    delivery.lease_owner, delivery.lease_until = "", None
    delivery.save()
    event(message, "refused", f"{error.code}: {error.text}", delivery=delivery, actor="node",
          data={"code": error.code})
    if message.is_apprec:
        return  # an AppRec is never answered; the event and the security log carry it
    from .apprec import answer

    answer(delivery, status="2", errors=[(error.code, error.text)], actor="node (signature check on receipt)",
           original=kith.parse_msghead(opened.root))


_answered = Prepared(lambda originals: Delivery.objects.select_for_update(of=("self",))
                     .filter(message_id__in=originals).order_by("id"))
# The same by the originals' sender and MsgId, with the original messages: for a received batch of
# AppRecs, whose rows (and their original_id) are not written yet (lib.prepared).
_answered_by_key = Prepared(lambda senders, msg_ids: Delivery.objects.select_for_update(of=("self",))
                            .select_related("message")
                            .filter(reduce(operator.or_, (Q(message__sender_her_id=s, message__msg_id=m)
                                                          for s, m in zip(senders, msg_ids, strict=True))))
                            .order_by("id"))


def answered_by_key(keys) -> list[Delivery]:
    """Inside a transaction: the deliveries of the messages with these (sender HER-id, MsgId)
    keys, locked, each with its message: what arriving AppRecs answer, read once before their
    rows are written (``correlate_many(…, locked=…)`` then uses them)."""
    keys = sorted(keys)
    if not keys:
        return []
    senders, msg_ids = zip(*keys, strict=True)
    return _answered_by_key(list(senders), list(msg_ids))


def correlate_many(apprecs: list[Message], *, locked: list[Delivery] | None = None) -> None:
    """Tie arrived AppRecs to the deliveries they answer (by OriginalMsgId and the two parties):
    one locked read of the deliveries answered (or ``locked``, read by the caller in this
    transaction), one update (inside ``outbox.collected()`` on PostgreSQL: in the block's one
    statement)."""
    if not apprecs:
        return
    if locked is None:
        originals = [a.original_id for a in apprecs if a.original_id is not None]
        locked = _answered(originals) if originals else []
    targets = {(d.message_id, d.her_id): d for d in locked}
    answered: dict = {}
    for apprec in apprecs:
        original = apprec.original
        if original is None:
            event(apprec, "uncorrelated", "no sent message matches this AppRec's OriginalMsgId", actor="node")
            continue
        target = targets.get((original.pk, apprec.sender_her_id))
        if target is None:
            event(apprec, "uncorrelated", f"{original.msg_id} was not sent to {apprec.sender_her_id}", actor="node")
            continue
        if target.apprec_id is not None:
            # HITS 1168 §5.5: an AppRec is never sent twice; a second one is ignored, not applied.
            event(original, "apprec-ignored", f"second AppRec {apprec.msg_id} from {apprec.sender_her_id}",
                  delivery=target, actor="node")
            continue
        target.apprec = apprec
        target.acked_at = timezone.now()
        target.state = APPREC_STATE.get(apprec.apprec_status, Delivery.State.REJECTED)
        answered[target.pk] = target
        # Subscribers (the chains' episodes, deviations …) read the status and codes from the event.
        event(original, "apprec-received", f"status {apprec.apprec_status} from {apprec.sender_her_id}",
              delivery=target, actor="node", data={"status": apprec.apprec_status, "errors": apprec.apprec_errors,
                                                   "apprec": str(apprec.pk)})
    if answered:
        update_rows(answered.values(), ["apprec", "acked_at", "state"])
