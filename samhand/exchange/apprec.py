"""Answering a received message with its one application receipt (HITS 1168).

The receiving EPR answers through the API (status + errors, or its own AppRec
XML); the node answers itself with a negative AppRec for errors found on
receipt, and with OK on behalf of a party whose system cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from samhand import cms, kith
from samhand.directory.services import party_by_her_id, signing_party


from . import protection, wakeup
from .checks import format_errors
from .errors import NotFound, Refused
from .models import Delivery, Message
from .outbox import insert_rows, update_rows
from .store import event, msghead_from_envelope, new_apprec, store_many

VALID_STATUS = {"1", "2", "3"}


def _original_msghead(delivery: Delivery) -> kith.MsgHead:
    """The answered message's addressing: from its stored envelope, else as its receiver reads it
    (decrypted with the receiver's key)."""
    if delivery.message.envelope:
        return msghead_from_envelope(delivery.message)
    if delivery.party is None:
        raise Refused("S99", f"no key on this node to read the message addressed to {delivery.her_id}", status=409)
    opened = protection.open_protected(bytes(delivery.message.content.payload), reader=delivery.party,
                                       max_bytes=settings.SAMHAND_MAX_MESSAGE_BYTES)
    return kith.parse_msghead(opened.root)


def answer(delivery: Delivery, *, status: str, errors: Sequence[tuple[str, str | None]], actor: str,
           origin: str = Message.Origin.NODE, original: kith.MsgHead | None = None) -> Message:
    """Build and send the AppRec for one delivery."""
    return _send_answer(delivery, build=_builder(delivery, status, errors), actor=actor, origin=origin,
                        original=original)


class AnswerBatch:
    """Answers for a batch of inbox entries whose rows the caller has locked in its transaction
    (one statement for the batch), with their messages and parties loaded. Each ``answer`` is
    checked, built and protected on its own and raises Refused before anything is written, so the
    batch goes on without a savepoint; ``write`` then stores them all together: two INSERTs for
    the AppRecs and their contents, one for their deliveries (inside ``outbox.collected()`` on
    PostgreSQL: in the block's one statement, like the UPDATE of the answered entries)."""

    def __init__(self) -> None:
        self.pending: list[_Answer] = []

    def answer(self, delivery: Delivery, *, status: str, errors: Sequence[tuple[str, str | None]], actor: str,
               origin: str = Message.Origin.API) -> Message:
        prepared = _prepare(delivery, build=_builder(delivery, status, errors), actor=actor, origin=origin,
                            original=None)
        self.pending.append(prepared)
        return prepared.message

    def write(self) -> None:
        _write(self.pending)
        self.pending = []


def _builder(delivery: Delivery, status: str, errors: Sequence[tuple[str, str | None]]):
    if status not in VALID_STATUS:
        raise Refused("X99", f"AppRec status must be 1, 2 or 3 (code system 8258), not {status!r}", status=400)
    if status == "1" and errors:
        raise Refused("X99", "status 1 (OK) carries no errors", status=400)
    if status != "1" and not errors:
        raise Refused("X99", f"status {status} needs at least one error (code system 8221)", status=400)
    unknown = [code for code, _ in errors if code not in kith.ERRORS_8221]
    if unknown:
        raise Refused("X99", f"unknown error code(s) {', '.join(unknown)} (code system 8221)", status=400)

    def build(original: kith.MsgHead, version: str) -> bytes:
        return kith.build_apprec(
            original, status=status, version=version,
            errors=[kith.AppRecError(code=c, text=t or kith.ERRORS_8221[c], details=None) for c, t in errors],
            **_copy_receiver_kwargs(original, delivery))

    return build


def _copy_receiver_kwargs(original: kith.MsgHead, delivery: Delivery) -> dict:
    # HITS 1168 §6.2: a copy receiver answers as itself with Role COP.
    if delivery.role != Delivery.Role.COPY:
        return {}
    for party in original.other_receivers:
        if party.her_id == delivery.her_id:
            return {"responding_as": party}
    return {}


@dataclass
class _Answer:
    delivery: Delivery  # the entry answered
    message: Message  # the AppRec, not yet saved
    raw: bytes
    stored: bytes
    to_party: object
    apprec: kith.AppRec
    actor: str


def _send_answer(delivery: Delivery, *, build, actor: str, origin: str,
                 original: kith.MsgHead | None = None) -> Message:
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("message", "party")
                    .get(pk=delivery.pk))
        prepared = _prepare(delivery, build=build, actor=actor, origin=origin, original=original)
        _write([prepared])
        return prepared.message


def _prepare(delivery: Delivery, *, build, actor: str, origin: str, original: kith.MsgHead | None) -> _Answer:
    """Check, build and protect (no writes; every Refused comes from here). The entry is marked
    answered in memory, so the same entry twice in one batch is refused the second time."""
    message = delivery.message
    if message.is_apprec:
        raise Refused("X99", "an AppRec is never answered with an AppRec (HITS 1168)", status=422)
    if delivery.answered_at is not None:
        raise Refused("apprec-already-sent", "this message has already been answered; HITS 1168 §5.5 "
                      "allows exactly one AppRec per message and receiver", status=409)
    if delivery.state not in (Delivery.State.DELIVERED, Delivery.State.REFUSED):
        raise Refused("not-delivered", f"the message is {delivery.state}, not in the inbox", status=409)
    original = original or _original_msghead(delivery)
    version = message.envelope.get("apprec_version") or kith.apprec_version_for(original.document_kind)
    raw = build(original, version)
    root = kith.parse_xml(raw)
    apprec = kith.parse_apprec(root)
    to_party = party_by_her_id(message.sender_her_id)
    signer = signing_party(apprec.sender.her_id, apprec.sender.organisation_her_id)
    if signer is None or to_party is None:
        raise Refused("S02", f"cannot protect the AppRec from {apprec.sender.her_id} to {message.sender_her_id}: "
                      "no signing key or no receiver certificate on this node", status=409)
    try:
        stored = protection.protect(raw, sender=signer, recipients=[to_party])
    except cms.CmsError as exc:
        raise Refused(exc.code, exc.text, status=409) from None
    apprec_message = new_apprec(raw=raw, apprec=apprec, root=root, origin=origin, original=message)
    delivery.answered_at, delivery.answer = timezone.now(), apprec_message
    return _Answer(delivery, apprec_message, raw, stored, to_party, apprec, actor)


def _write(answers: list[_Answer]) -> None:
    if not answers:
        return
    store_many([(a.message, a.raw, a.stored) for a in answers])
    insert_rows([Delivery(message=a.message, her_id=a.delivery.message.sender_her_id, party=a.to_party,
                          for_apprec=a.message.is_apprec) for a in answers])
    wakeup.notify("dispatch")  # the AppRecs are queued: wake a worker
    update_rows([a.delivery for a in answers], ["answered_at", "answer"])
    for a in answers:
        codes = ", ".join(e.code for e in a.apprec.errors)
        event(a.delivery.message, "apprec-sent", f"AppRec {a.apprec.version} status {a.apprec.status}"
              + (f" ({codes})" if codes else "") + f" from {a.delivery.her_id}", delivery=a.delivery, actor=a.actor)
        event(a.message, "created", f"answers {a.delivery.message.msg_id}", actor=a.actor)


def _parse_epr_apprec(raw: bytes, root=None) -> kith.AppRec:
    try:
        root = root if root is not None else kith.parse_xml(raw)
        apprec = kith.parse_apprec(root)
    except kith.KithError as exc:
        raise Refused(exc.code, exc.text) from None
    problems = format_errors(root)
    if problems:
        raise Refused(problems[0].code, problems[0].text)
    return apprec


def answer_with_xml(client, raw: bytes, root, *, actor: str) -> Message:
    """An AppRec posted to /messages: find the message it answers among those the client received."""
    apprec = _parse_epr_apprec(raw, root)
    if apprec.sender.her_id not in client.her_ids():
        raise Refused("abuse:spoofing-attack",
                      f"AppRec sender {apprec.sender.her_id} is not a party that {client.system} may act for",
                      status=403)
    delivery = (Delivery.objects.select_related("message")
                .filter(her_id=apprec.sender.her_id, message__msg_id=apprec.original_msg_id,
                        message__sender_her_id=apprec.receiver.her_id, message__is_apprec=False).first())
    if delivery is None:
        raise NotFound(f"{apprec.sender.her_id} has received no message {apprec.original_msg_id} "
                       f"from {apprec.receiver.her_id}")
    return _answer_with_parsed(delivery, raw, apprec, actor=actor)


def answer_delivery_with_xml(delivery: Delivery, raw: bytes, *, actor: str) -> Message:
    """An EPR's own AppRec XML for one inbox entry: it must answer exactly that message."""
    return _answer_with_parsed(delivery, raw, _parse_epr_apprec(raw), actor=actor)


def _answer_with_parsed(delivery: Delivery, raw: bytes, apprec: kith.AppRec, *, actor: str) -> Message:
    message = delivery.message
    if apprec.original_msg_id != message.msg_id:
        raise Refused("E10", f"OriginalMsgId {apprec.original_msg_id} does not match {message.msg_id}")
    if apprec.sender.her_id != delivery.her_id or apprec.receiver.her_id != message.sender_her_id:
        raise Refused("E21", "AppRec addressing must mirror the original message (HITS 1168 §6.1)")
    if apprec.status != "1" and not apprec.errors:
        raise Refused("T02", f"AppRec status {apprec.status} without an error")
    return _send_answer(delivery, build=lambda _original, _version: raw, actor=actor, origin=Message.Origin.API)
