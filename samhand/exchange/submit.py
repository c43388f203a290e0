"""Submission by a local EPR system (POST /api/v1/messages, `samhand send`).

Everything the receiver would reject is refused here with the same code,
instead of being sent (issue 2 §4); what passes is recorded and queued.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from samhand import cms, kith
from samhand.directory.services import party_by_her_id
from samhand.kith.redact import redact_values

from . import protection
from .checks import check_msghead, parse
from .errors import Refused
from .models import Delivery, Event, Message, NodeEvent
from .store import arrival_facts, insert_message_once, new_message, sha256

APPREC_NAMESPACE_PREFIX = "http://www.kith.no/xmlstds/apprec/"


@dataclass
class Submitted:
    message: Message
    created: bool


def submit(client, raw: bytes, *, actor: str | None = None) -> Submitted:
    actor = actor or client.system
    try:
        return _submit(client, raw, actor)
    except Refused as refused:
        NodeEvent.objects.create(kind=NodeEvent.Kind.SECURITY if refused.status == 403 else NodeEvent.Kind.REFUSED,
                                 code=refused.code, actor=actor, detail=redact_values(refused.reason)[:2000])
        raise


def _submit(client, raw: bytes, actor: str) -> Submitted:
    limit = settings.SAMHAND_MAX_MESSAGE_BYTES
    if len(raw) > limit:
        raise Refused("T99", f"document is {len(raw)} bytes; the limit is {limit}", status=413)
    try:
        root = parse(raw, limit)
    except kith.KithError as exc:
        raise Refused(exc.code, exc.text) from None
    if isinstance(root.tag, str) and root.tag.startswith("{" + APPREC_NAMESPACE_PREFIX):
        from .apprec import answer_with_xml

        return Submitted(answer_with_xml(client, raw, root, actor=actor), created=True)
    try:
        checked = check_msghead(root)
    except kith.KithError as exc:
        raise Refused(exc.code, exc.text) from None
    msghead = checked.msghead
    sender = msghead.sender.her_id
    sender_party = party_by_her_id(sender)
    if sender not in client.her_ids() or sender_party is None or not sender_party.hosted:
        raise Refused("abuse:spoofing-attack",
                      f"MsgHead sender {sender} is not a party that {client.system} may send for", status=403)
    if checked.errors:
        # A resend of a message accepted earlier is answered as a duplicate even if it would be
        # refused today; only this (rare) refusing path pays for the look-up.
        existing = Message.objects.filter(sender_her_id=sender, msg_id=msghead.msg_id).first()
        if existing is not None:
            return _duplicate(existing, raw)
        first = checked.errors[0]
        raise Refused(first.code, first.text, errors=[(e.code, e.text) for e in checked.errors])
    try:
        stored = protection.protect(raw, sender=sender_party,
                                    recipients=[r.party for r in checked.recipients])
    except cms.CmsError as exc:
        raise Refused(exc.code, exc.text) from None
    # Duplicates are found by the insert itself (ON CONFLICT on sender + MsgId), and message, content,
    # deliveries and event go in with one statement each (issue 11 §4).
    message = new_message(
        raw=raw, msg_id=msghead.msg_id, sender_her_id=sender,
        receiver_her_id=msghead.receiver.her_id, msg_type=msghead.msg_type, origin=Message.Origin.API,
        kind=checked.kind, client=client, gen_date=msghead.gen_date,
        conversation_ref=msghead.conversation_ref,
        patient_id=msghead.patient.id if msghead.patient else None, msghead=msghead)
    deliveries = [Delivery(message=message, her_id=r.her_id, party=r.party, role=r.role, for_apprec=message.is_apprec)
                  for r in checked.recipients]
    # Subscribers (the chains' episode tracking, S7) take it from here, off this transaction.
    submitted = Event(message=message, kind="submitted", actor=actor, data=arrival_facts(msghead),
                      detail=f"{checked.kind.family} {checked.kind.version} {msghead.msg_type}, "
                             f"{len(checked.recipients)} receiver(s)")
    with transaction.atomic():
        # A worker wakes to dispatch it (the notification rides in the same statement on PostgreSQL).
        if not insert_message_once(message, raw, stored, deliveries=deliveries, events=[submitted],
                                   notify=("dispatch", "")):
            existing = Message.objects.filter(sender_her_id=sender, msg_id=msghead.msg_id).first()
            return _duplicate(existing, raw)
    return Submitted(message, created=True)


def _duplicate(existing: Message, raw: bytes) -> Submitted:
    # HITS 1168 §5.4: the same MsgId from the same sender is processed once. A resend
    # of identical bytes is answered with the first submission; different content
    # under a used MsgId is an invalid message id.
    if existing.sha256 == sha256(raw):
        return Submitted(existing, created=False)
    raise Refused("E10", f"MsgId {existing.msg_id} was already used by {existing.sender_her_id} "
                         "for a different message", status=409)
