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

from . import outbox, protection, wakeup
from .checks import check_msghead, parse
from .errors import NotFound, Refused
from .models import Delivery, Event, Message, NodeEvent
from .outbox import insert_rows, publish_many
from .store import arrival_facts, insert_message_once, new_message, sha256, store_many_once

APPREC_NAMESPACE_PREFIX = "http://www.kith.no/xmlstds/apprec/"


@dataclass
class Submitted:
    message: Message
    created: bool


@dataclass
class _Ready:
    """A checked and protected submission, not yet written."""

    message: Message
    raw: bytes
    stored: bytes
    deliveries: list[Delivery]
    event: Event

    @property
    def key(self) -> tuple[str, str]:
        return self.message.sender_her_id, self.message.msg_id


def submit(client, raw: bytes, *, actor: str | None = None) -> Submitted:
    actor = actor or client.system
    try:
        ready = _prepare(client, raw, actor)
        if isinstance(ready, Submitted):
            return ready
        with transaction.atomic():
            # A worker wakes to dispatch it (the notification rides in the same statement on PostgreSQL).
            if insert_message_once(ready.message, raw, ready.stored, deliveries=ready.deliveries,
                                   events=[ready.event], notify=("dispatch", "")):
                return Submitted(ready.message, created=True)
        return _duplicate(_stored(ready.key), raw)
    except Refused as refused:
        _log_refusals([refused], actor)
        raise


def submit_many(client, raws: list[bytes], *, actor: str | None = None) -> list[Submitted | Refused | NotFound]:
    """``submit`` for a batch (POST /messages/batch): each document is checked and protected on its
    own and gets its own outcome, in order — a ``Submitted`` (new or an identical resend), or the
    ``Refused``/``NotFound`` that ``submit`` would have raised for it alone. The new messages are
    written together: their messages in one INSERT (duplicates found by ON CONFLICT, as for one),
    and their contents, deliveries, events and one wake-up in one more statement on PostgreSQL."""
    actor = actor or client.system
    results: list = [None] * len(raws)
    ready: list[tuple[int, _Ready]] = []
    for i, raw in enumerate(raws):
        try:
            outcome = _prepare(client, raw, actor)
        except (Refused, NotFound) as exc:
            results[i] = exc
            continue
        if isinstance(outcome, Submitted):
            results[i] = outcome
        else:
            ready.append((i, outcome))
    for i, outcome in _write_many(ready):
        results[i] = outcome
    _log_refusals([r for r in results if isinstance(r, Refused)], actor)
    return results


def _write_many(ready: list[tuple[int, _Ready]]) -> list[tuple[int, Submitted | Refused]]:
    if not ready:
        return []
    first: dict[tuple[str, str], _Ready] = {}
    for _, r in ready:
        first.setdefault(r.key, r)  # a MsgId twice in one batch: the first one is the submission
    new = list(first.values())
    with transaction.atomic(), outbox.collected():
        inserted = store_many_once([(r.message, r.raw, r.stored) for r in new])
        written = [r for r in new if r.message.pk in inserted]
        insert_rows([d for r in written for d in r.deliveries])
        publish_many([r.event for r in written])
        if written:
            wakeup.notify("dispatch", "")
    taken = [r.key for r in new if r.message.pk not in inserted]
    earlier = _stored_many(taken) if taken else {}
    out = []
    for i, r in ready:
        winner = first[r.key]
        if winner is r and r.message.pk in inserted:
            out.append((i, Submitted(r.message, created=True)))
            continue
        try:
            out.append((i, _duplicate(winner.message if winner.message.pk in inserted else earlier[r.key], r.raw)))
        except Refused as refused:
            out.append((i, refused))
    return out


def _log_refusals(refusals: list[Refused], actor: str) -> None:
    if refusals:
        NodeEvent.objects.bulk_create([
            NodeEvent(kind=NodeEvent.Kind.SECURITY if r.status == 403 else NodeEvent.Kind.REFUSED, code=r.code,
                      actor=actor, detail=redact_values(r.reason)[:2000]) for r in refusals])


def _stored(key: tuple[str, str]) -> Message:
    return Message.objects.filter(sender_her_id=key[0], msg_id=key[1]).first()


def _stored_many(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Message]:
    wanted = set(keys)
    found = Message.objects.filter(sender_her_id__in={k[0] for k in keys}, msg_id__in={k[1] for k in keys})
    return {(m.sender_her_id, m.msg_id): m for m in found if (m.sender_her_id, m.msg_id) in wanted}


def _prepare(client, raw: bytes, actor: str) -> Submitted | _Ready:
    """Check and protect a submission: what to write, or the answer already (an AppRec, or a resend
    of a message accepted earlier that would be refused today); raises ``Refused``."""
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
        existing = _stored((sender, msghead.msg_id))
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
    return _Ready(message, raw, stored, deliveries, submitted)


def _duplicate(existing: Message, raw: bytes) -> Submitted:
    # HITS 1168 §5.4: the same MsgId from the same sender is processed once. A resend
    # of identical bytes is answered with the first submission; different content
    # under a used MsgId is an invalid message id.
    if existing.sha256 == sha256(raw):
        return Submitted(existing, created=False)
    raise Refused("E10", f"MsgId {existing.msg_id} was already used by {existing.sender_her_id} "
                         "for a different message", status=409)
