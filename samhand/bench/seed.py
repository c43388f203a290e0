"""`samhand bench seed --messages N`: a node's history at volume, written fast.

Messages between the demo directory's hospital and municipal services over the last two years,
each with its delivery and its events ("submitted", "delivered"); about a third of them AppRecs
answering the message before them. Most deliveries end "acknowledged"; as on a real node a few
do not (about 0.3 % rejected, 0.2 % acknowledged with errors, 0.1 % failed, the newest few still
waiting for their AppRec), and about 0.5 % of the messages also go to a copy receiver, so the
portal's status filters and copy streams meet the rare cases too. Content rows hold a short placeholder, not a protected
document (nothing here is readable patient data, and opening one in the portal fails cleanly).

PostgreSQL: ``COPY … FROM STDIN`` in chunks (about a million rows a minute on a small machine);
SQLite: ``bulk_create`` in chunks. Columns the seeder does not know (added by later migrations)
get their model default, so the seeder follows the models.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from datetime import timedelta

from django.db import connection, models, transaction
from django.utils import timezone

from samhand.directory.models import CommunicationParty
from samhand.exchange.models import Delivery, Event, Message, MessageContent

TYPES = ["INNLEGGELSESRAPPORT", "UTSKRIVNINGSRAPPORT", "LOG_INNLAGT", "LOG_UTSKRIVNINGSKLAR",
         "LOG_UTSKREVET", "DIALOG_FORESPORSEL", "DIALOG_SVAR"]
PLACEHOLDER = b"samhand bench seed: no document"
WAITING = 40  # the newest business messages, still waiting for their AppRec
APPREC_STATUS = {"acknowledged": "1", "rejected": "2", "acknowledged-with-errors": "3"}


def _outcome(rng: random.Random, i: int, n: int) -> str:
    """The primary delivery's state of a business message: nearly always acknowledged."""
    if i >= n - WAITING:
        return "delivered"
    r = rng.random()
    return ("failed" if r < 0.001 else "rejected" if r < 0.004 else "acknowledged-with-errors" if r < 0.006
            else "acknowledged")


def _default(field: models.Field):
    if field.has_default():
        value = field.get_default()
        return value
    return None if field.null else ("" if isinstance(field, (models.CharField, models.TextField)) else None)


def _fields(model):
    """Concrete fields to write: all but an auto-incremented primary key and those the database
    fills itself (``db_default``, e.g. the event feed's transaction id)."""
    return [f for f in model._meta.concrete_fields
            if not (f.primary_key and isinstance(f, models.AutoField)) and f.db_default is models.NOT_PROVIDED]


def _adapt(value):
    if isinstance(value, (dict, list)):
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


def _write(model, rows: list[dict]) -> None:
    fields = _fields(model)
    defaults = {f.attname: _default(f) for f in fields}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_adapt(row.get(f.attname, defaults[f.attname])) for f in fields])
    else:
        model.objects.bulk_create([model(**{f.attname: row.get(f.attname, defaults[f.attname]) for f in fields})
                                   for row in rows], batch_size=500)


def _patient(rng: random.Random) -> str:
    return f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(30, 99):02d}{rng.randint(10000, 99999)}"


def seed(n: int, *, chunk: int = 20_000, days: int = 730, seed_value: int = 11, out=None) -> dict:
    """Write ``n`` messages (with deliveries and events); returns counts and the time it took."""
    started = time.perf_counter()
    rng = random.Random(seed_value)
    parties = list(CommunicationParty.objects.filter(hosted=True).select_related("organisation"))
    if not parties:
        from samhand.directory.seed import seed_demo_directory

        seed_demo_directory()
        parties = list(CommunicationParty.objects.filter(hosted=True).select_related("organisation"))
    hospital = [p for p in parties if p.her_id.startswith("81")]
    municipal = [p for p in parties if not p.her_id.startswith("81")]
    if not hospital or not municipal:
        hospital = municipal = parties
    patients = [_patient(rng) for _ in range(max(100, n // 10))]
    now = timezone.now()
    span = timedelta(days=days).total_seconds()
    written = {"messages": 0, "deliveries": 0, "events": 0}
    previous: dict | None = None
    for start in range(0, n, chunk):
        messages, contents, deliveries, events = [], [], [], []
        for i in range(start, min(n, start + chunk)):
            at = now - timedelta(seconds=span * (1 - i / n)) + timedelta(microseconds=rng.randint(0, 999))
            answer = previous is not None and rng.random() < 0.5
            if answer:  # the AppRec of the message before, from its receiver
                sender, receiver = previous["receiver_her_id"], previous["sender_her_id"]
                msg_type, patient = "APPREC", previous["patient_id"]
                state, status = "delivered", APPREC_STATUS[previous["_state"]]
            else:
                a, b = rng.choice(hospital), rng.choice(municipal)
                sender, receiver = (a.her_id, b.her_id) if rng.random() < 0.6 else (b.her_id, a.her_id)
                msg_type, patient = rng.choice(TYPES), rng.choice(patients)
                state, status = _outcome(rng, i, n), ""
            message_id = uuid.uuid4()
            msg = {"id": message_id, "msg_id": str(uuid.UUID(int=rng.getrandbits(128))),
                   "sender_her_id": sender, "receiver_her_id": receiver, "msg_type": msg_type,
                   "family": "AppRec" if answer else "PLO", "doc_name": msg_type, "doc_version": "1.6",
                   "is_apprec": answer, "original_id": previous["id"] if answer else None,
                   "apprec_status": status, "apprec_errors": [], "envelope": {},
                   "conversation_ref": "", "parent_ref": "", "gen_date": at, "patient_id": patient,
                   "size": 17_500 if not answer else 900, "sha256": hashlib.sha256(message_id.bytes).hexdigest(),
                   "origin": "api" if sender.startswith("81") else "transport", "submitted_by_id": None,
                   "created_at": at}
            messages.append(msg)
            contents.append({"message_id": message_id, "payload": PLACEHOLDER})
            delivery_id = uuid.uuid4()
            failed = state == "failed"
            deliveries.append({"id": delivery_id, "message_id": message_id, "her_id": receiver, "party_id": None,
                               "role": "primary", "state": state, "attempts": 5 if failed else 1,
                               "next_attempt_at": at, "lease_owner": "", "lease_until": None,
                               "last_error": "seeded: receiver unreachable" if failed else "", "created_at": at,
                               "delivered_at": None if failed else at + timedelta(seconds=2),
                               "read_at": None if failed else at + timedelta(seconds=30),
                               "answered_at": None, "answer_id": None, "acked_at": None, "apprec_id": None,
                               "for_apprec": answer})
            if not answer and not failed and rng.random() < 0.005:  # a copy to another service
                copy = rng.choice([p.her_id for p in parties if p.her_id not in (sender, receiver)] or [receiver])
                if copy != receiver:
                    deliveries.append({"id": uuid.uuid4(), "message_id": message_id, "her_id": copy, "party_id": None,
                                       "role": "copy", "state": "delivered", "attempts": 1, "next_attempt_at": at,
                                       "lease_owner": "", "lease_until": None, "last_error": "", "created_at": at,
                                       "delivered_at": at + timedelta(seconds=2), "read_at": None,
                                       "answered_at": None, "answer_id": None, "acked_at": None,
                                       "apprec_id": None, "for_apprec": False})
            events.append({"message_id": message_id, "delivery_id": None, "at": at, "kind": "submitted",
                           "detail": "seeded", "actor": "bench seed"})
            events.append({"message_id": message_id, "delivery_id": delivery_id, "at": at + timedelta(seconds=2),
                           "kind": "delivered", "detail": "seeded", "actor": "bench seed"})
            # Only a message that reached its receiver and was answered gets an AppRec.
            previous = None if answer or state in ("failed", "delivered") else {**msg, "_state": state}
        with transaction.atomic():
            _write(Message, messages)
            _write(MessageContent, contents)
            _write(Delivery, deliveries)
            _write(Event, events)
        written["messages"] += len(messages)
        written["deliveries"] += len(deliveries)
        written["events"] += len(events)
        if out is not None:
            out.write(f"{written['messages']:,} messages ({time.perf_counter() - started:.0f} s)\n")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give them after a while
    return {**written, "seconds": round(time.perf_counter() - started, 1)}
