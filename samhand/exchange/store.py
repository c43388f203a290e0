"""Recording messages and their timeline; the only place Message rows are created."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import protection, rows, wakeup
from .models import Delivery, Event, Message, MessageContent
from .outbox import insert_rows, publish, publish_many


def envelope_of(msghead, kind) -> dict:
    """The parts of a MsgHead an AppRec mirrors (see Message.envelope)."""
    from samhand import kith

    return {"msg_type_dn": msghead.msg_type_dn, "gen_date": msghead.gen_date,
            "sender": dataclasses.asdict(msghead.sender), "receiver": dataclasses.asdict(msghead.receiver),
            "other_receivers": [dataclasses.asdict(p) for p in msghead.other_receivers],
            "apprec_version": kith.apprec_version_for(kind)}


def msghead_from_envelope(message: Message):
    """A MsgHead without documents or patient, enough to build the AppRec answering ``message``."""
    from samhand import kith

    env = message.envelope
    return kith.MsgHead(msg_id=message.msg_id, msg_type=message.msg_type, msg_type_dn=env["msg_type_dn"],
                        mig_version="v1.2 2006-05-24", gen_date=env["gen_date"], conversation_ref=None,
                        sender=kith.Party(**env["sender"]), receiver=kith.Party(**env["receiver"]),
                        other_receivers=tuple(kith.Party(**p) for p in env["other_receivers"]), patient=None,
                        documents=())


def arrival_facts(msghead) -> dict:
    """What subscribers need of a business message besides the stored envelope (no patient data):
    the PLO Forsendelsesstatus, read while the document is parsed anyway."""
    from samhand import kith

    return {"status": kith.forsendelsesstatus(msghead.business_document)}


def parse_gen_date(value: str | None) -> datetime | None:
    """MsgHead GenDate is an xs:dateTime, usually without offset: Norwegian local time."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def store(message: Message, *, raw: bytes, stored: bytes, verified: bool = True) -> Message:
    """Insert a message from ``new_message`` with its content. ``raw`` is the plain document (its
    hash finds duplicates); ``stored`` its protected form. What was verified is kept sealed as
    well, so it is decrypted once, not on every read."""
    message.save(force_insert=True)
    _content(message, raw, stored, verified=verified).save(force_insert=True)
    return message


def store_many(items: list[tuple[Message, bytes, bytes]]) -> None:
    """``store`` for a batch of verified messages ``(message, raw, stored)``: two INSERTs in all, or
    none of its own inside ``outbox.collected()`` on PostgreSQL (``outbox.insert_rows``)."""
    if not items:
        return
    insert_rows([m for m, _, _ in items])
    insert_rows([_content(m, raw, stored) for m, raw, stored in items])


def _content(message: Message, raw: bytes, stored: bytes, *, verified: bool = True) -> MessageContent:
    """The content row of a message: its protected form, and the verified document sealed."""
    return MessageContent(message=message, payload=stored, sealed=protection.seal(message.pk, raw) if verified else None)


def _on_conflict(connection) -> str:
    """What makes an INSERT of messages skip a sender + MsgId that is taken, returning the ids it
    did insert."""
    quote = connection.ops.quote_name
    return f"ON CONFLICT ({quote('sender_her_id')}, {quote('msg_id')}) DO NOTHING RETURNING {quote('id')}"


def insert_message_once(message: Message, raw: bytes, stored: bytes, *, deliveries: list[Delivery] = (),
                        events: list[Event] = (), notify: tuple[str, str] | None = None) -> bool:
    """Insert ``message`` (from ``new_message``), its content, ``deliveries`` and ``events`` unless
    sender + MsgId is taken: ``INSERT … ON CONFLICT (sender_her_id, msg_id) DO NOTHING`` finds the
    duplicate and stores the new message in one go, instead of a look-up before every insert (HITS
    1168 §5.4). On PostgreSQL the rest rides in the same statement (data-modifying CTEs, each
    inserting only if the message was), and so does the wake-up ``notify`` (channel, payload),
    sent only if the message was new: a submission is one statement. Elsewhere one per table.
    False when the MsgId was already used (nothing is written then)."""
    from django.db import connection

    content = _content(message, raw, stored)
    quote = connection.ops.quote_name
    columns, values, params = rows.row_sql(connection, message)
    head = f"INSERT INTO {quote(Message._meta.db_table)} ({columns}) VALUES ({values}) {_on_conflict(connection)}"
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(head, params)
            inserted = cursor.fetchone() is not None
        if not inserted:
            return False
        message._state.adding, message._state.db = False, connection.alias
        MessageContent.objects.bulk_create([content])
        Delivery.objects.bulk_create(list(deliveries))
        publish_many(list(events))
        if notify:
            wakeup.notify(*notify)
        return True
    parts, tail = [f"m AS ({head})"], []
    for n, row in enumerate([content, *deliveries, *events]):
        cols, vals, row_params = rows.row_sql(connection, row, cast=True)
        parts.append(f"r{n} AS (INSERT INTO {quote(type(row)._meta.db_table)} ({cols}) "
                     f"SELECT {vals} WHERE EXISTS (SELECT 1 FROM m))")
        tail += row_params
    final = "SELECT count(*) FROM m"
    if notify:  # one notification per row of m: none for a duplicate
        sql, notify_params = wakeup.notify_sql([notify])
        final = f"SELECT count(*) FROM (SELECT {sql} FROM m) AS sent"
        tail += notify_params
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {final}", params + tail)
        inserted = cursor.fetchone()[0] == 1
    if inserted:
        for obj in (message, content, *deliveries):
            obj._state.adding, obj._state.db = False, connection.alias
    return inserted


def store_many_once(items: list[tuple[Message, bytes, bytes]]) -> set:
    """``store_many`` for submissions ``(message, raw, stored)`` with distinct sender + MsgId that
    may have been stored before: the messages in one ``INSERT … VALUES (…), (…) ON CONFLICT DO
    NOTHING RETURNING id`` (the batch form of ``insert_message_once``), then the contents of those
    inserted (``outbox.insert_rows``); the ids inserted. The caller writes the rest of them and
    looks up the others."""
    from django.db import connection

    if not items:
        return set()
    sql, params = rows.insert_sql(connection, [m for m, _, _ in items])
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} {_on_conflict(connection)}", params)
        returned = [row[0] for row in cursor.fetchall()]
    inserted = {Message._meta.pk.to_python(value) for value in returned}
    written = [(m, raw, stored) for m, raw, stored in items if m.pk in inserted]
    for message, _, _ in written:
        message._state.adding, message._state.db = False, connection.alias
    insert_rows([_content(m, raw, stored) for m, raw, stored in written])
    return inserted


def new_message(*, raw: bytes, msg_id: str, sender_her_id: str, receiver_her_id: str, msg_type: str,
                origin: str, kind=None, client=None, gen_date: str | None = None,
                conversation_ref=None, patient_id: str | None = None, original: Message | None = None,
                apprec_status: str = "", apprec_errors: list[dict] | None = None, msghead=None) -> Message:
    """A Message row, not yet saved."""
    return Message(
        msg_id=msg_id,
        sender_her_id=sender_her_id,
        receiver_her_id=receiver_her_id,
        msg_type=msg_type,
        family=kind.family if kind else "",
        doc_name=kind.name if kind else "",
        doc_version=kind.version if kind else "",
        is_apprec=bool(kind and kind.family == "AppRec"),
        original=original,
        apprec_status=apprec_status,
        apprec_errors=apprec_errors or [],
        envelope=envelope_of(msghead, kind) if msghead is not None else {},
        conversation_ref=(conversation_ref.ref_to_conversation if conversation_ref else "") or "",
        parent_ref=(conversation_ref.ref_to_parent if conversation_ref else "") or "",
        gen_date=parse_gen_date(gen_date),
        patient_id=patient_id or "",
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        origin=origin,
        # CLI actors are not API clients; only real ones are linked.
        submitted_by=client if getattr(client, "pk", None) else None,
    )


def new_apprec(*, raw: bytes, apprec, root, origin: str, original: Message | None) -> Message:
    """The Message row of an AppRec (parsed with kith.parse_apprec), not yet saved."""
    from samhand import kith

    return new_message(
        raw=raw, msg_id=apprec.id, sender_her_id=apprec.sender.her_id or "",
        receiver_her_id=apprec.receiver.her_id or "", msg_type="APPREC", origin=origin,
        kind=kith.identify_document(root), gen_date=apprec.gen_date,
        patient_id=original.patient_id if original else None, original=original, apprec_status=apprec.status,
        apprec_errors=[{"code": e.code, "text": e.text or ""} for e in apprec.errors])


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def event(message: Message, kind: str, detail: str = "", *, actor: str = "",
          delivery: Delivery | None = None, data: dict | None = None) -> Event:
    """A step in the message's timeline, and an entry in the event feed (outbox.py)."""
    return publish(kind, message=message, delivery=delivery, data=data, detail=detail, actor=actor)
