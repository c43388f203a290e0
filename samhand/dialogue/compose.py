"""Dialogue written in the portal, for services whose EPR has no dialogue support (S2).

The node builds a valid Dialogmelding 1.1 (DIALOG_HELSEFAGLIG) in a MsgHead from the form, with
attachments as MsgHead documents, and submits it like any message: signed, encrypted, validated
against the schemas, sent by the dispatch step and receipted by the receiver.
"""

from __future__ import annotations

import uuid

from django.conf import settings

from samhand import kith
from samhand.directory.services import party_by_her_id
from samhand.access.door import MessageView, read_content
from samhand.exchange.actors import LocalActor
from samhand.exchange.errors import Refused
from samhand.exchange.models import Message
from samhand.exchange.submit import submit
from samhand.kith import dialog as dm

from . import conf
from .misdirected import kith_party
from .models import Thread

MSG_TYPE = "DIALOG_HELSEFAGLIG"


def check_attachments(attachments: list[dm.Attachment]) -> None:
    limit = conf.attachment_bytes()
    for a in attachments:
        if a.mime_type not in dm.ATTACHMENT_TYPES:
            raise Refused("bad-request", f"{a.description}: only PDF, JPEG and PNG can be attached", status=400)
        if len(a.data) > limit:
            raise Refused("T99", f"{a.description} is {len(a.data)} bytes; the limit is {limit}", status=413)
        if not _looks_like(a):
            raise Refused("bad-request", f"{a.description} is not a {a.mime_type} file", status=400)


def _looks_like(a: dm.Attachment) -> bool:
    magic = {"application/pdf": (b"%PDF",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
    return a.data.startswith(magic[a.mime_type])


def _send(xml: bytes, sender_her_id: str, by: str) -> Message:
    return submit(LocalActor(f"samhand-portalen ({by})", {sender_her_id}), xml, actor=f"{by} (portal)").message


def ask(*, sender_her_id: str, receiver_her_id: str, patient: kith.Patient, text: str, subject: str = "",
        urgent: bool = False, author: dm.Author | None = None, attachments: list[dm.Attachment] = (),
        by: str, conversation_ref: kith.ConversationRef | None = None) -> Message:
    """A new forespørsel; ``conversation_ref`` ties it to a message it is about (HITS 1218 §3.4)."""
    sender, receiver = party_by_her_id(sender_her_id), party_by_her_id(receiver_her_id)
    if sender is None or receiver is None:
        raise Refused("E21", "unknown sender or receiver", status=422)
    if not text.strip():
        raise Refused("bad-request", "the question is empty", status=400)
    check_attachments(list(attachments))
    xml = kith.build_msghead(
        msg_type=MSG_TYPE, msg_type_dn=dm.MSG_TYPES[MSG_TYPE], sender=kith_party(sender),
        receiver=kith_party(receiver), patient=patient, msg_id=str(uuid.uuid4()), conversation_ref=conversation_ref,
        document=dm.build_dialog(dm.question(text.strip(), subject=subject.strip(), urgent=urgent, author=author)))
    return _send(dm.add_attachments(xml, list(attachments)), sender_her_id, by)


def reply(thread: Thread, *, text: str, as_answer: bool, by: str, reader_actor: str,
          author: dm.Author | None = None, attachments: list[dm.Attachment] = ()) -> Message:
    """A svar (repeating the question, HIS 80603) or a notat in the thread, to the other side,
    ConversationRef: RefToParent the question, RefToConversation the thread's conversation."""
    if not text.strip():
        raise Refused("bad-request", "the text is empty", status=400)
    if as_answer and thread.side != Thread.Side.ANSWERING:
        raise Refused("forbidden", "only the asked service answers the question", status=403)
    check_attachments(list(attachments))
    question = thread.question
    view = MessageView(question, question.deliveries.filter(her_id=thread.her_id).first()
                       if thread.side == Thread.Side.ANSWERING else None,
                       "receiver" if thread.side == Thread.Side.ANSWERING else "sender")
    raw = read_content(view, actor_kind="user", actor=reader_actor, purpose="dialogue-reply")
    head = kith.parse_msghead(kith.parse_xml(raw, max_bytes=settings.SAMHAND_MAX_MESSAGE_BYTES))
    asked = dm.dialog_of_msghead(head.root)
    us, them = party_by_her_id(thread.her_id), party_by_her_id(thread.partner_her_id)
    if us is None or them is None:
        raise Refused("E21", "unknown party", status=422)
    if as_answer:
        dialog = dm.answer(text.strip(), asked.questions[0] if asked and asked.questions else None, author=author)
    else:
        dialog = dm.note(text.strip(), theme=f"Re: {asked.subject}" if asked and asked.subject else "", author=author)
    xml = kith.build_msghead(
        msg_type=MSG_TYPE, msg_type_dn=dm.MSG_TYPES[MSG_TYPE], sender=kith_party(us), receiver=kith_party(them),
        patient=head.patient, msg_id=str(uuid.uuid4()), document=dm.build_dialog(dialog),
        conversation_ref=kith.ConversationRef(ref_to_parent=thread.question_msg_id,
                                              ref_to_conversation=thread.conversation_ref))
    return _send(dm.add_attachments(xml, list(attachments)), thread.her_id, by)
