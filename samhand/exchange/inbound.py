"""Receipt of a message from another node (any network transport).

Errors found here are answered by the node itself with a negative AppRec of the
right code (HITS 1168 §4); what cannot even be addressed (not XML, no usable
MsgHead) goes back to the transport as an error, since no AppRec can be built.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from samhand import cms, kith
from samhand.directory.services import party_by_her_id
from samhand.kith.redact import redact_values

from . import protection
from .apprec import answer
from .checks import check_msghead, format_errors
from .deliver import land
from .models import Delivery, Message, NodeEvent
from .store import arrival_facts, event, store_apprec, store_message
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


def receive(raw: bytes, *, to_her_id: str, transport_sender: str | None = None) -> Received:
    """A protected message (or AppRec) for the hosted party ``to_her_id`` arrives from a transport."""
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
        return _receive_apprec(opened.content, raw, root, transport_sender)
    try:
        checked = check_msghead(root)
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
    with transaction.atomic(savepoint=False):  # the caller's savepoint, if any, isolates this message
        existing = Message.objects.filter(sender_her_id=msghead.sender.her_id, msg_id=msghead.msg_id).first()
        if existing is not None:
            event(existing, "duplicate-ignored", "the same MsgId arrived again", actor="transport")
            return Received(True, message=existing, duplicate=True)
        message = store_message(
            raw=opened.content, stored=raw, msg_id=msghead.msg_id, sender_her_id=msghead.sender.her_id,
            receiver_her_id=msghead.receiver.her_id or "", msg_type=msghead.msg_type,
            origin=Message.Origin.TRANSPORT, kind=checked.kind, gen_date=msghead.gen_date,
            conversation_ref=msghead.conversation_ref, patient_id=msghead.patient.id if msghead.patient else None,
            msghead=msghead, verified=opened.error is None)
        event(message, "received", f"from {msghead.sender.her_id} via transport", actor="transport",
              data={**arrival_facts(msghead), "refused": bool(errors)})
        if errors:
            # Refused on receipt: not part of the receiving side's episode.
            primary = checked.recipients[0] if checked.recipients else None
            delivery = Delivery.objects.create(
                message=message, her_id=(primary.her_id if primary else msghead.receiver.her_id) or "",
                party=primary.party if primary else None, state=Delivery.State.REFUSED)
            answer(delivery, status="2", errors=[(e.code, e.text) for e in errors],
                   actor="node (checks on receipt)", original=msghead)
            return Received(False, errors[0].code, errors[0].text, message)
        # Verified on receipt above: the hosted receivers have it now, no second decryption.
        for recipient in checked.recipients:
            if recipient.party is not None and recipient.party.hosted:
                land(Delivery.objects.create(message=message, her_id=recipient.her_id, party=recipient.party,
                                             role=recipient.role), via="transport")
        return Received(True, message=message)


def _receive_apprec(plain: bytes, raw: bytes, root, transport_sender: str | None) -> Received:
    try:
        apprec = kith.parse_apprec(root)
    except kith.KithError as exc:
        return _transport_error(exc.code, exc.text)
    problems = format_errors(root)
    if problems:
        return _transport_error(problems[0].code, problems[0].text, her_id=apprec.sender.her_id or "")
    if transport_sender and transport_sender != apprec.sender.her_id:
        return _transport_error("abuse:spoofing-attack", f"transport sender {transport_sender} sent an AppRec "
                                f"from {apprec.sender.her_id}", her_id=transport_sender,
                                kind=NodeEvent.Kind.SECURITY)
    with transaction.atomic(savepoint=False):  # the caller's savepoint, if any, isolates this message
        existing = Message.objects.filter(sender_her_id=apprec.sender.her_id, msg_id=apprec.id).first()
        if existing is not None:
            return Received(True, message=existing, duplicate=True)
        original = Message.objects.filter(sender_her_id=apprec.receiver.her_id,
                                          msg_id=apprec.original_msg_id).first()
        message = store_apprec(raw=plain, stored=raw, apprec=apprec, root=root, origin=Message.Origin.TRANSPORT,
                               original=original)
        event(message, "received", f"AppRec from {apprec.sender.her_id} via transport", actor="transport")
        land(Delivery.objects.create(message=message, her_id=apprec.receiver.her_id or "",
                                     party=party_by_her_id(apprec.receiver.her_id)), via="transport")
        return Received(True, message=message)
