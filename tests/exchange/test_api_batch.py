"""The batch workflow of the EPR API: long poll with documents inline, AppRecs and reads in batches.

An EPR under load needs about one request per message (its submit), not five.
"""

from __future__ import annotations

import base64
import threading
import time
from uuid import uuid4

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from samhand.access.models import AccessLog
from samhand.exchange import wakeup
from samhand.exchange.models import Delivery, Event

from msgfactory import readdress
from personas import BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_MED_HARSTAD, UNN_MED_TROMSO

SAMPLES = ["Innleggelsesrapport_v1-6_Ny.xml", "Utskrivningsrapport_v1-6_Ny.xml",
           "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"]


def _send(unn, work, n=3, receiver=TROMSO_NURSING, sender=UNN_MED_TROMSO):
    sent = {}
    for i in range(n):
        xml = readdress(SAMPLES[i % len(SAMPLES)], sender=sender, receiver=receiver)
        response = unn.send(xml)
        assert response.status_code == 202, response.content
        sent[response.json()["id"]] = xml
    work()
    return sent


def test_inbox_with_documents_inline_logs_every_read_in_one_insert(unn, tromso, work):
    sent = _send(unn, work, n=3)
    before = AccessLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = tromso.get("/messages", receiverHerIds=TROMSO_NURSING, include="document")
    assert response.status_code == 200, response.content
    statements = [q["sql"] for q in queries.captured_queries]
    # One query for the entries with their payloads, one insert for all three access-log lines.
    assert len([s for s in statements if 'INSERT INTO "access_accesslog"' in s]) == 1
    assert len([s for s in statements if 'FROM "exchange_delivery"' in s]) == 1
    assert not [s for s in statements if 'FROM "exchange_messagecontent"' in s]
    entries = response.json()
    assert len(entries) == 3
    assert sorted(base64.b64decode(e["businessDocument"]) for e in entries) == sorted(sent.values())
    logged = AccessLog.objects.order_by("-id")[:3]
    assert AccessLog.objects.count() == before + 3
    assert {row.actor for row in logged} == {"Gerica Tromsø"}
    assert {row.purpose for row in logged} == {"epr-fetch"}
    assert {row.organisation_her_id for row in logged} == {TROMSO_NURSING}
    assert all(row.patient_id for row in logged)
    # Without include=document nothing is read and nothing logged.
    assert all(e.get("businessDocument") is None for e in tromso.inbox(TROMSO_NURSING))
    assert AccessLog.objects.count() == before + 3


def test_limit_bounds_the_entries(unn, tromso, work):
    _send(unn, work, n=3)
    response = tromso.get("/messages", receiverHerIds=TROMSO_NURSING, limit=2)
    assert response.status_code == 200 and len(response.json()) == 2
    assert tromso.get("/messages", receiverHerIds=TROMSO_NURSING, include="everything").status_code == 400


def test_batch_apprecs_answer_and_mark_read_with_a_result_per_id(unn, tromso, balsfjord, outsider, work):
    sent = _send(unn, work, n=3)
    _send(unn, work, n=1, receiver=BALSFJORD_NURSING)
    balsfjord_entry = balsfjord.inbox(BALSFJORD_NURSING)[0]["id"]
    entries = [e["id"] for e in tromso.inbox(TROMSO_NURSING)]
    unknown = str(uuid4())
    batch = [{"id": entries[0], "status": "1"},
             {"id": balsfjord_entry, "status": "1"},  # another organisation's entry: 404 for that item only
             {"id": entries[1], "status": "2", "errors": [{"code": "E35", "text": "Ukjent pasient"}]},
             {"id": unknown, "status": "1"},
             {"id": entries[2], "status": "2"},  # status 2 without an error: refused, others unaffected
             {"id": entries[0], "status": "1"}]  # answered twice: the second is refused (HITS 1168 §5.5)
    response = tromso.post("/messages/apprecs", batch)
    assert response.status_code == 202, response.content
    results = response.json()
    assert [r["id"] for r in results] == [b["id"] for b in batch]
    assert [r["status"] for r in results] == [202, 404, 202, 404, 400, 409]
    assert results[0]["apprecId"] and results[2]["apprecId"]
    assert results[1]["code"] == "not-found" and results[4]["code"] == "X99"
    assert results[5]["code"] == "apprec-already-sent"
    # Answered entries are read; the refused one stays in the inbox to be answered properly.
    assert [e["id"] for e in tromso.inbox(TROMSO_NURSING)] == [entries[2]]
    read = Delivery.objects.filter(pk__in=entries[:2])
    assert all(d.read_at is not None and d.answered_at is not None for d in read)
    assert Event.objects.filter(kind="read", delivery_id__in=entries[:2]).count() == 2
    # Balsfjord's entry was not touched by Tromsø's batch.
    untouched = Delivery.objects.get(pk=balsfjord_entry)
    assert untouched.read_at is None and untouched.answered_at is None
    # The outsider gets 404 for every id, and nothing changes.
    response = outsider.post("/messages/apprecs", [{"id": entries[2], "status": "1"}])
    assert response.status_code == 202 and [r["status"] for r in response.json()] == [404]
    assert Delivery.objects.get(pk=entries[2]).answered_at is None

    # The AppRecs travel back; the sender's list carries each one's verdict and the original's id.
    work()
    apprecs = unn.get("/messages", receiverHerIds=UNN_MED_TROMSO).json()
    by_original = {a["originalId"]: a for a in apprecs}
    assert set(by_original) <= set(sent) and len(by_original) == 2
    statuses = sorted(a["apprec"]["status"] for a in apprecs)
    assert statuses == ["1", "2"]
    negative = next(a for a in apprecs if a["apprec"]["status"] == "2")
    assert negative["apprec"]["errors"] == [{"code": "E35", "text": "Ukjent pasient"}]
    assert all(a["isAppRec"] and a["businessDocument"] is None for a in apprecs)


def test_batch_read_marks_only_own_entries(unn, tromso, outsider, work):
    _send(unn, work, n=2)
    entries = [e["id"] for e in tromso.inbox(TROMSO_NURSING)]
    assert [r["status"] for r in outsider.post("/messages/read", entries).json()] == [404, 404]
    assert len(tromso.inbox(TROMSO_NURSING)) == 2
    unknown = str(uuid4())
    response = tromso.post("/messages/read", [entries[0], unknown, entries[1]])
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()] == [204, 404, 204]
    assert tromso.inbox(TROMSO_NURSING) == []
    assert Event.objects.filter(kind="read", delivery_id__in=entries).count() == 2
    # Again: already read, still 204, no second event.
    assert [r["status"] for r in tromso.post("/messages/read", entries).json()] == [204, 204]
    assert Event.objects.filter(kind="read", delivery_id__in=entries).count() == 2


def test_long_poll_refuses_foreign_parties_at_once(tromso):
    started = time.monotonic()
    response = tromso.get("/messages", receiverHerIds=f"{TROMSO_NURSING},{BALSFJORD_NURSING}", wait=10)
    assert response.status_code == 403
    assert time.monotonic() - started < 2


def test_long_poll_returns_at_once_when_the_inbox_has_entries(unn, tromso, work):
    _send(unn, work, n=1)
    started = time.monotonic()
    assert len(tromso.get("/messages", receiverHerIds=TROMSO_NURSING, wait=10).json()) == 1
    assert time.monotonic() - started < 2


def test_long_poll_times_out_empty(tromso):
    started = time.monotonic()
    response = tromso.get("/messages", receiverHerIds=TROMSO_CASE, wait=1)
    assert response.status_code == 200 and response.json() == []
    assert 0.9 < time.monotonic() - started < 4


@pytest.mark.django_db(transaction=True)
def test_long_poll_wakes_when_a_delivery_lands(unn, tromso, work):
    """The waiting request returns within a moment of the delivery's commit, not after ``wait``."""
    _send(unn, work, n=1, receiver=BALSFJORD_NURSING)  # warm up; not Tromsø's
    result = {}

    def poll():
        started = time.monotonic()
        result["entries"] = tromso.get("/messages", receiverHerIds=TROMSO_NURSING, wait=20).json()
        result["after"] = time.monotonic() - started
        connection.close()  # this thread's own connection would keep the test database open

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.5)
    xml = readdress(SAMPLES[0], sender=UNN_MED_HARSTAD, receiver=TROMSO_NURSING)
    assert unn.send(xml).status_code == 202
    work()
    with transaction.atomic():  # what deliver.land does when the delivery lands (see exchange.wakeup)
        wakeup.notify("inbox", TROMSO_NURSING)
    poller.join(25)
    assert len(result["entries"]) == 1
    assert result["after"] < 5, result
    wakeup.stop_listener()


def test_batch_apprecs_cost_no_savepoint_and_one_event_insert(unn, tromso, work):
    _send(unn, work, n=3)
    entries = [e["id"] for e in tromso.inbox(TROMSO_NURSING)]
    with CaptureQueriesContext(connection) as queries:
        response = tromso.post("/messages/apprecs", [{"id": i, "status": "1"} for i in entries]
                               + [{"id": entries[0], "status": "1"}])  # refused, after the others
    assert [r["status"] for r in response.json()] == [202, 202, 202, 409]
    statements = [q["sql"] for q in queries.captured_queries]
    # The entries are locked in one statement, so a refused item needs no savepoint to roll back to.
    # (The one pair left is the view's own transaction, a savepoint inside the test's transaction.)
    assert len([s for s in statements if s.startswith("SAVEPOINT")]) == 1
    # The batch's events (apprec-sent, created, read) go in one INSERT, and on PostgreSQL its wake-up
    # rides in the same statement.
    event_sql = [s for s in statements if 'INSERT INTO "exchange_event"' in s]
    assert len(event_sql) == 1
    if connection.vendor == "postgresql":
        assert "pg_notify" in event_sql[0]
    # The entries were locked once; marking them read does not lock them again.
    if connection.features.has_select_for_update:
        assert len([s for s in statements if "FOR UPDATE" in s]) == 1
    assert len([s for s in statements if "pg_notify" in s]) <= 1
    # The three AppRecs are stored together: one INSERT each for messages, contents and deliveries
    # (on PostgreSQL inside the events' statement).
    for table in ("exchange_message", "exchange_messagecontent", "exchange_delivery"):
        holding = [s for s in statements if f'INSERT INTO "{table}"' in s]
        assert len(holding) == 1 and holding[0].count(f'INSERT INTO "{table}"') == 1, table
        if connection.vendor == "postgresql":
            assert holding[0] == event_sql[0]
    assert Event.objects.filter(kind="apprec-sent", delivery_id__in=entries).count() == 3
    assert Event.objects.filter(kind="read", delivery_id__in=entries).count() == 3
    assert Delivery.objects.filter(pk__in=entries, answer__isnull=False).count() == 3


@pytest.mark.django_db(transaction=True)
def test_linger_gathers_what_arrives_just_after_the_first_entry(unn, tromso, work):
    _send(unn, work, n=1)  # one entry waiting
    result = {}

    def poll():
        started = time.monotonic()
        result["entries"] = tromso.get("/messages", receiverHerIds=TROMSO_NURSING, wait=10, linger=1000).json()
        result["after"] = time.monotonic() - started
        connection.close()

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.2)
    _send(unn, work, n=1)  # lands while the poll lingers
    poller.join(15)
    assert len(result["entries"]) == 2  # without linger the poll would have answered with the first alone
    assert 0.9 < result["after"] < 5, result
    # Without wait linger does nothing.
    started = time.monotonic()
    assert len(tromso.get("/messages", receiverHerIds=TROMSO_NURSING, linger=1000).json()) == 2
    assert time.monotonic() - started < 0.9
    assert tromso.get("/messages", receiverHerIds=TROMSO_NURSING, linger=5000).status_code == 400
    wakeup.stop_listener()


@pytest.mark.django_db(transaction=True)
def test_a_lingering_poll_looks_once_at_the_start_and_once_per_wake_up(unn, tromso, work):
    if not wakeup.cross_process():
        pytest.skip("SQLite's poll looks again every quarter second, woken or not")
    result = {}

    def poll():
        with CaptureQueriesContext(connection) as queries:
            result["entries"] = tromso.get("/messages", receiverHerIds=TROMSO_NURSING, wait=10, linger=700).json()
        result["looks"] = len([q for q in queries.captured_queries
                               if q["sql"].startswith('SELECT "exchange_delivery"') and "read_at" in q["sql"]])
        connection.close()

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(1.2)  # the poll lingered, found nothing and waits
    _send(unn, work, n=1)  # wakes it
    time.sleep(0.2)
    _send(unn, work, n=1)  # lands during the linger
    poller.join(15)
    assert len(result["entries"]) == 2  # both, from one look after the linger
    assert result["looks"] == 2, result  # the empty look after the first linger, and that one
    wakeup.stop_listener()


def test_one_poll_request_hands_in_the_last_batch_and_takes_the_next(unn, tromso, outsider, work):
    """POST /messages/poll: the receiving EPR answers batch N in the request that fetches N + 1, and
    the sender marks the AppRecs it took in read in the one that fetches its next."""
    sent = _send(unn, work, n=2)
    first = tromso.post("/messages/poll", {"receiverHerIds": [TROMSO_NURSING], "include": "document"})
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["answered"] == [] and body["read"] == []
    entries = body["entries"]
    assert {base64.b64decode(e["businessDocument"]) for e in entries} == set(sent.values())
    _send(unn, work, n=1)  # batch N + 1 arrives
    unknown = str(uuid4())
    second = tromso.post("/messages/poll", {"receiverHerIds": [TROMSO_NURSING], "include": "document", "wait": 5,
                                            "apprecs": [{"id": e["id"], "status": "1"} for e in entries]
                                            + [{"id": unknown, "status": "1"}]}).json()
    assert [r["status"] for r in second["answered"]] == [202, 202, 404]
    assert len(second["entries"]) == 1 and second["entries"][0]["id"] not in {e["id"] for e in entries}
    assert all(Delivery.objects.get(pk=e["id"]).answered_at is not None for e in entries)
    # The sender takes the AppRecs in, and marks them read with its next poll.
    work()
    apprecs = unn.post("/messages/poll", {"receiverHerIds": [UNN_MED_TROMSO]}).json()["entries"]
    assert len(apprecs) == 2 and all(a["isAppRec"] and a["apprec"]["status"] == "1" for a in apprecs)
    after = unn.post("/messages/poll", {"receiverHerIds": [UNN_MED_TROMSO], "read": [a["id"] for a in apprecs]})
    assert [r["status"] for r in after.json()["read"]] == [204, 204] and after.json()["entries"] == []
    # Foreign parties: 403 before anything is answered; too large a batch: 400.
    refused = outsider.post("/messages/poll", {"receiverHerIds": [TROMSO_NURSING],
                                               "apprecs": [{"id": second["entries"][0]["id"], "status": "1"}]})
    assert refused.status_code == 403
    assert Delivery.objects.get(pk=second["entries"][0]["id"]).answered_at is None
    too_many = tromso.post("/messages/poll", {"receiverHerIds": [TROMSO_NURSING], "read": [unknown] * 501})
    assert too_many.status_code == 400


def test_inline_documents_without_a_sealed_copy_are_opened_from_the_envelope(unn, tromso, work):
    """The inbox query leaves the CMS envelope out (reads open the sealed copy); a message stored
    before sealed copies existed is still read, from its envelope, fetched for that row alone."""
    from samhand.exchange.models import MessageContent

    sent = _send(unn, work, n=2)
    legacy_delivery = Delivery.objects.get(pk=tromso.inbox(TROMSO_NURSING)[0]["id"])
    MessageContent.objects.filter(message_id=legacy_delivery.message_id).update(sealed=None)
    with CaptureQueriesContext(connection) as queries:
        response = tromso.get("/messages", receiverHerIds=TROMSO_NURSING, include="document")
    assert response.status_code == 200, response.content
    contents = [q["sql"] for q in queries.captured_queries if 'FROM "exchange_messagecontent"' in q["sql"]]
    assert len(contents) == 1  # the one row without a sealed copy
    inbox_sql = next(q["sql"] for q in queries.captured_queries if 'FROM "exchange_delivery"' in q["sql"])
    assert '"exchange_messagecontent"."sealed"' in inbox_sql and '"exchange_messagecontent"."payload"' not in inbox_sql
    documents = sorted(base64.b64decode(e["businessDocument"]) for e in response.json())
    assert documents == sorted(sent.values())
