"""Receipt of a message from another node (any network transport).

Errors found here are answered by the node itself with a negative AppRec of the
right code (HITS 1168 §4); what cannot even be addressed (not XML, no usable
MsgHead) goes back to the transport as an error, since no AppRec can be built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from samhand import cms, kith
from samhand.directory.services import party_by_her_id
from samhand.kith.redact import redact_values

from . import protection
from .apprec import answer
from .checks import check_msghead, format_errors
from .deliver import answered_by_key, landed
from .models import Delivery, Message, NodeEvent
from .outbox import insert_rows
from .store import arrival_facts, event, new_apprec, new_message, store, store_many
from .submit import APPREC_NAMESPACE_PREFIX


@dataclass
class Received:
    accepted: bool
    code: str = ""
    reason: str = ""
    message: Message | None = None
    duplicate: bool = False


def _transport_error(code: str, reason: str, *, her_id: str = "", kind=NodeEvent.Kind.TRANSPORT) -> Received:
    NodeEvent.objects.create(kind=kind, code=code, her_id=her_id, detail=redact_values(reason)[:2000], actor="transport")
    return Received(False, code, reason)


@dataclass
class Arrival:
    """One protected message (or AppRec) for the hosted party ``to_her_id``, as a transport got it."""
    raw: bytes
    to_her_id: str
    transport_sender: str | None = None


@dataclass
class _Opened:
    """What opening and checking found, before anything about the message itself is written."""
    raw: bytes  # as it arrived (CMS), kept for audit and non-repudiation
    plain: bytes  # the verified document
    root: object
    verified: bool
    checked: object = None  # business message: checks.Checked
    errors: list = field(default_factory=list)  # business message: answered with a negative AppRec
    apprec: object = None  # AppRec: kith.AppRec

    @property
    def key(self) -> tuple[str, str]:
        if self.apprec is not None:
            return self.apprec.sender.her_id or "", self.apprec.id
        return self.checked.msghead.sender.her_id, self.checked.msghead.msg_id


def receive(raw: bytes, *, to_her_id: str, transport_sender: str | None = None) -> Received:
    """A protected message (or AppRec) for the hosted party ``to_her_id`` arrives from a transport."""
    opened = _open(Arrival(raw, to_her_id, transport_sender))
    if isinstance(opened, Received):
        return opened
    with transaction.atomic(savepoint=False):  # the caller's savepoint, if any, isolates this message
        return _write_one(opened)


def receive_many(arrivals: list[Arrival]) -> list[Received]:
    """A batch from a transport, in the caller's transaction: each message is opened and checked
    on its own (the cryptography and schema work), then what is clean is written together,
    expected to be new (``_write_many``): one locked read of the deliveries the AppRecs answer,
    and the INSERTs for messages, contents and deliveries (events and wake-ups are collected by
    the caller; on PostgreSQL all of them go in one statement at the end of the caller's
    ``outbox.collected()`` block). A message with errors (answered with a negative AppRec) is
    written on its own. If anything fails — a duplicate of a stored message among them, too —
    the caller falls back to ``receive`` message by message."""
    results: list[Received | None] = [None] * len(arrivals)
    clean: list[tuple[int, _Opened]] = []
    for i, arrival in enumerate(arrivals):
        opened = _open(arrival)
        if isinstance(opened, Received):
            results[i] = opened
        elif opened.errors:
            results[i] = _write_one(opened)
        else:
            clean.append((i, opened))
    for (i, _), result in zip(clean, _write_many([o for _, o in clean]), strict=True):
        results[i] = result
    return results  # type: ignore[return-value]


def _open(arrival: Arrival) -> Received | _Opened:
    raw, to_her_id, transport_sender = arrival.raw, arrival.to_her_id, arrival.transport_sender
    limit = settings.SAMHAND_MAX_MESSAGE_BYTES
    if len(raw) > limit:
        return _transport_error("T99", f"{len(raw)} bytes exceeds the limit of {limit}")
    reader = party_by_her_id(to_her_id)
    if reader is None or not reader.hosted:
        return _transport_error("E21", f"{to_her_id} is not a party hosted on this node", her_id=to_her_id or "")
    try:
        opened = protection.open_protected(raw, reader=reader, max_bytes=limit)
    except cms.CmsError as exc:
        return _transport_error(exc.code, exc.text, her_id=to_her_id, kind=NodeEvent.Kind.SECURITY)
    except kith.KithError as exc:
        return _transport_error(exc.code, exc.text, her_id=to_her_id)
    root = opened.root
    if isinstance(root.tag, str) and root.tag.startswith("{" + APPREC_NAMESPACE_PREFIX):
        if opened.error is not None:
            return _transport_error(opened.error.code, opened.error.text, kind=NodeEvent.Kind.SECURITY)
        return _open_apprec(opened.content, raw, root, transport_sender, opened.header)
    try:
        checked = check_msghead(root, opened.header if isinstance(opened.header, kith.MsgHead) else None)
    except kith.KithError as exc:
        return _transport_error(exc.code, exc.text)
    msghead = checked.msghead
    if transport_sender and transport_sender != msghead.sender.her_id:
        # AMQP profile: the transport sender must be the MsgHead sender.
        return _transport_error("abuse:spoofing-attack", f"transport sender {transport_sender} sent a message "
                                f"from {msghead.sender.her_id}", her_id=transport_sender,
                                kind=NodeEvent.Kind.SECURITY)
    errors = list(checked.errors)
    if opened.error is not None:
        # HITS 1168: signature and certificate errors are answered with S01/S02/S03.
        errors.insert(0, kith.KithError(opened.error.code, opened.error.text))
        NodeEvent.objects.create(kind=NodeEvent.Kind.SECURITY, code=opened.error.code, her_id=msghead.sender.her_id,
                                 actor="transport", detail=redact_values(opened.error.text)[:2000])
    return _Opened(raw=raw, plain=opened.content, root=root, verified=opened.error is None, checked=checked,
                   errors=errors)


def _open_apprec(plain: bytes, raw: bytes, root, transport_sender: str | None, header=None) -> Received | _Opened:
    try:
        apprec = header if isinstance(header, kith.AppRec) else kith.parse_apprec(root)
    except kith.KithError as exc:
        return _transport_error(exc.code, exc.text)
    problems = format_errors(root)
    if problems:
        return _transport_error(problems[0].code, problems[0].text, her_id=apprec.sender.her_id or "")
    if transport_sender and transport_sender != apprec.sender.her_id:
        return _transport_error("abuse:spoofing-attack", f"transport sender {transport_sender} sent an AppRec "
                                f"from {apprec.sender.her_id}", her_id=transport_sender,
                                kind=NodeEvent.Kind.SECURITY)
    return _Opened(raw=raw, plain=plain, root=root, verified=True, apprec=apprec)


def _new(o: _Opened, original: Message | None) -> Message:
    """The Message row of an opened arrival (not saved)."""
    if o.apprec is not None:
        return new_apprec(raw=o.plain, apprec=o.apprec, root=o.root, origin=Message.Origin.TRANSPORT,
                          original=original)
    msghead = o.checked.msghead
    return new_message(
        raw=o.plain, msg_id=msghead.msg_id, sender_her_id=msghead.sender.her_id,
        receiver_her_id=msghead.receiver.her_id or "", msg_type=msghead.msg_type,
        origin=Message.Origin.TRANSPORT, kind=o.checked.kind, gen_date=msghead.gen_date,
        conversation_ref=msghead.conversation_ref, patient_id=msghead.patient.id if msghead.patient else None,
        msghead=msghead)


def _received_event(o: _Opened, message: Message) -> None:
    if o.apprec is not None:
        event(message, "received", f"AppRec from {o.apprec.sender.her_id} via transport", actor="transport")
    else:
        msghead = o.checked.msghead
        event(message, "received", f"from {msghead.sender.her_id} via transport", actor="transport",
              data={**arrival_facts(msghead), "refused": bool(o.errors)})


def _deliveries(o: _Opened, message: Message) -> list[Delivery]:
    """The inbox entries of a clean arrival, already delivered (verified on receipt: the hosted
    receivers have it now, no second decryption)."""
    now = timezone.now()
    if o.apprec is not None:
        return [Delivery(message=message, her_id=o.apprec.receiver.her_id or "",
                         party=party_by_her_id(o.apprec.receiver.her_id), state=Delivery.State.DELIVERED,
                         delivered_at=now, for_apprec=message.is_apprec)]
    return [Delivery(message=message, her_id=r.her_id, party=r.party, role=r.role, state=Delivery.State.DELIVERED,
                     delivered_at=now, for_apprec=message.is_apprec)
            for r in o.checked.recipients if r.party is not None and r.party.hosted]


def _original_key(o: _Opened) -> tuple[str, str] | None:
    return (o.apprec.receiver.her_id or "", o.apprec.original_msg_id) if o.apprec is not None else None


def _write_one(o: _Opened) -> Received:
    existing = Message.objects.filter(sender_her_id=o.key[0], msg_id=o.key[1]).first()
    if existing is not None:
        if o.apprec is None:
            event(existing, "duplicate-ignored", "the same MsgId arrived again", actor="transport")
        return Received(True, message=existing, duplicate=True)
    original = None
    if o.apprec is not None:
        original = Message.objects.filter(sender_her_id=_original_key(o)[0], msg_id=_original_key(o)[1]).first()
    message = _new(o, original)
    store(message, raw=o.plain, stored=o.raw, verified=o.verified)
    _received_event(o, message)
    if o.errors:
        # Refused on receipt: not part of the receiving side's episode.
        checked, msghead = o.checked, o.checked.msghead
        primary = checked.recipients[0] if checked.recipients else None
        delivery = Delivery.objects.create(
            message=message, her_id=(primary.her_id if primary else msghead.receiver.her_id) or "",
            party=primary.party if primary else None, state=Delivery.State.REFUSED, for_apprec=message.is_apprec)
        answer(delivery, status="2", errors=[(e.code, e.text) for e in o.errors],
               actor="node (checks on receipt)", original=msghead)
        return Received(False, o.errors[0].code, o.errors[0].text, message)
    deliveries = _deliveries(o, message)
    for delivery in deliveries:
        delivery.save(force_insert=True)
    landed(deliveries, via="transport")
    return Received(True, message=message)


def _write_many(items: list[_Opened]) -> list[Received]:
    """Write a batch of clean arrivals, expecting them to be new: a duplicate of a message stored
    before breaks the batch's INSERT on the (sender, MsgId) constraint, the caller's transaction
    is rolled back and the batch is written one by one (``receive``), where duplicates are found
    and ignored. Duplicates are rare (a redelivery after a crash or a broker restart); looking for
    them in every batch cost a statement each. The deliveries the AppRecs answer are read and
    locked first, with the original messages the AppRec rows point at."""
    if not items:
        return []
    answered = answered_by_key({k for k in map(_original_key, items) if k is not None})
    originals = {(d.message.sender_her_id, d.message.msg_id): d.message for d in answered}
    results: list[Received] = []
    new: list[tuple[_Opened, Message]] = []
    known: dict[tuple[str, str], Message] = {}
    for o in items:
        existing = known.get(o.key)
        if existing is not None:  # earlier in this batch
            if o.apprec is None:
                event(existing, "duplicate-ignored", "the same MsgId arrived again", actor="transport")
            results.append(Received(True, message=existing, duplicate=True))
            continue
        original_key = _original_key(o)
        original = (known.get(original_key) or originals.get(original_key)) if original_key else None
        message = _new(o, original)
        known[o.key] = message
        new.append((o, message))
        results.append(Received(True, message=message))
    store_many([(m, o.plain, o.raw) for o, m in new])
    deliveries = []
    for o, message in new:
        _received_event(o, message)
        deliveries += _deliveries(o, message)
    insert_rows(deliveries)
    landed(deliveries, via="transport", answered=answered)
    return results
