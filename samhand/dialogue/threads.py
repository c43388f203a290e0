"""Clinical dialogue threads (S2): forespørsel, svar and notat in Dialogmelding, threaded by
conversation reference (HITS 1218 §3.3: RefToConversation = the first message's MsgId, RefToParent
= the previous one), with an answer deadline per question.

Threads are built from the exchange's outbox events ("submitted" on the asking node, "delivered" on
the receiving one), never in the exchange's own transaction. Each side keeps its own Thread row.
A reply from the asked party whose RefToParent is the question closes it (a svar, or a Helsefaglig
dialog notat, HIS 1077, which answers with a notat).
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from samhand.directory.services import party_by_her_id
from samhand.exchange.errors import Refused
from samhand.exchange.models import Delivery, Message
from samhand.kith import dialog as dm
from samhand.lib import clock

from . import conf
from .misdirected import node_read
from .models import Thread, ThreadMessage

log = logging.getLogger(__name__)

DIALOGUE_TYPES = {"DIALOG_FORESPORSEL", "DIALOG_SVAR", "DIALOG_NOTAT", "DIALOG_HELSEFAGLIG"}


def is_dialogue(message: Message) -> bool:
    return not message.is_apprec and message.family == "Dialogmelding" and message.msg_type in DIALOGUE_TYPES


def track(message: Message, her_id: str) -> Thread | None:
    """Thread one dialogue message as the hosted party ``her_id`` (its sender or a receiver) sees it.
    Idempotent: a message already on the thread changes nothing."""
    if not is_dialogue(message):
        return None
    reader = party_by_her_id(her_id)
    if reader is None or not reader.hosted:
        return None
    try:
        head = node_read(message, reader, purpose="dialogue-threading")
    except Refused as exc:
        log.warning("cannot thread %s as %s: %s", message.msg_id, her_id, exc.reason)
        return None
    dialog = dm.dialog_of_msghead(head.root)
    if dialog is None:
        return None
    asking = message.sender_her_id == her_id
    partner = message.receiver_her_id if asking else message.sender_her_id
    thread = (_question(message, dialog, her_id, partner, asking) if dialog.kind == "foresporsel"
              else _reply(message, dialog, her_id, partner))
    if thread is not None and thread.episode_id is None:
        # Chain tracking is another subscriber and may come later: fill the episode in when known.
        episode_id = _episode_id(thread.question)
        if episode_id is not None:
            Thread.objects.filter(pk=thread.pk, episode_id__isnull=True).update(episode_id=episode_id)
            thread.episode_id = episode_id
    return thread


def _episode_id(message: Message):
    try:
        entry_model = apps.get_model("chains", "EpisodeMessage")
    except LookupError:
        return None
    entry = entry_model.objects.filter(message=message).only("episode_id").first()
    return entry.episode_id if entry else None


def _question(message, dialog, her_id, partner, asking) -> Thread:
    asked_at = message.created_at
    try:
        with transaction.atomic():
            thread, _ = Thread.objects.get_or_create(question=message, her_id=her_id, defaults=dict(  # noqa: C408
                side=Thread.Side.ASKING if asking else Thread.Side.ANSWERING, partner_her_id=partner,
                conversation_ref=message.conversation_ref or message.msg_id, question_msg_id=message.msg_id,
                patient_id=message.patient_id, episode_id=_episode_id(message), urgent=dialog.urgent,
                asked_at=asked_at, answer_by=asked_at + conf.answer_time(dialog.urgent)))
    except IntegrityError:
        thread = Thread.objects.get(question=message, her_id=her_id)
    _entry(thread, message, "foresporsel")
    return thread


def _reply(message, dialog, her_id, partner) -> Thread | None:
    thread = _thread_for_reply(message, her_id, partner)
    if thread is None:
        return None
    _entry(thread, message, dialog.kind)
    answering_party = thread.partner_her_id if thread.side == Thread.Side.ASKING else thread.her_id
    if message.sender_her_id == answering_party and message.parent_ref == thread.question_msg_id:
        answered(thread, message)
    return thread


def _thread_for_reply(message, her_id, partner) -> Thread | None:
    threads = Thread.objects.filter(her_id=her_id, partner_her_id=partner)
    if message.parent_ref:
        found = threads.filter(question_msg_id=message.parent_ref).first()
        if found is not None:
            return found
        # A reply to a reply: the thread of the message it answers.
        parent = ThreadMessage.objects.filter(thread__her_id=her_id, message__msg_id=message.parent_ref).first()
        if parent is not None:
            return parent.thread
    if message.conversation_ref:
        return threads.filter(conversation_ref=message.conversation_ref).order_by("-asked_at").first()
    return None


def _entry(thread: Thread, message: Message, kind: str) -> None:
    try:
        with transaction.atomic():
            ThreadMessage.objects.get_or_create(thread=thread, message=message,
                                                defaults={"kind": kind, "at": message.created_at})
    except IntegrityError:
        pass


def answered(thread: Thread, answer: Message) -> None:
    """A svar closes the question; an urgent escalation stops and its alert item clears."""
    from .urgent import stop_escalation

    with transaction.atomic():
        row = Thread.objects.select_for_update().get(pk=thread.pk)
        if row.answer_id is not None:
            return
        row.answer, row.answered_at = answer, answer.created_at
        if row.state == Thread.State.OPEN:
            row.state = Thread.State.ANSWERED
        row.save(update_fields=["answer", "answered_at", "state"])
        stop_escalation(row, reason="besvart")


def close_by_phone(thread: Thread, *, by: str, outcome: str) -> int:
    """The matter was settled on the phone: every open row of this question on this node closes
    (both sides when both are here), with who, when and what was agreed."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise Refused("bad-request", "say what was agreed on the phone", status=400)
    from .urgent import stop_escalation

    now = clock.now()
    with transaction.atomic():
        rows = list(Thread.objects.select_for_update().filter(question_id=thread.question_id,
                                                              state=Thread.State.OPEN))
        for row in rows:
            row.state, row.closed_by, row.closed_at, row.outcome = Thread.State.CLOSED_BY_PHONE, by, now, outcome[:2000]
            row.save(update_fields=["state", "closed_by", "closed_at", "outcome"])
            stop_escalation(row, reason=f"avklart på telefon av {by}")
    return len(rows)


# -- queries --------------------------------------------------------------------------------------

STATES = ("open", "answered", "overdue")


def threads_for(her_ids, state: str = "open", *, now=None) -> QuerySet:
    """Threads of the given parties: urgent first, then by deadline (overdue first)."""
    now = now or clock.now()
    qs = Thread.objects.filter(her_id__in=sorted(her_ids))
    if state == "open":
        qs = qs.filter(state=Thread.State.OPEN)
    elif state == "overdue":
        qs = qs.filter(state=Thread.State.OPEN, answer_by__lte=now)
    elif state == "answered":
        qs = qs.exclude(state=Thread.State.OPEN)
    else:
        raise Refused("bad-request", f"state must be one of {', '.join(STATES)}", status=400)
    return qs.select_related("question", "answer").order_by("-urgent", "answer_by", "id")


def track_delivery(delivery: Delivery) -> Thread | None:
    return track(delivery.message, delivery.her_id)
