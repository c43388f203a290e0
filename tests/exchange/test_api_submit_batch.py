"""POST /messages/batch: many submissions in one request, each answered as POST /messages would
answer it alone, the accepted ones written together."""

from __future__ import annotations

import base64
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from samhand import kith
from samhand.exchange.models import Delivery, Event, Message, NodeEvent

from msgfactory import readdress
from personas import BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_MED_HARSTAD, UNN_MED_TROMSO

DISCHARGE = "Utskrivningsrapport_v1-6_Ny.xml"
ADMISSION = "Innleggelsesrapport_v1-6_Ny.xml"
LOGISTICS = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


def _item(xml: bytes) -> dict:
    return {"businessDocument": base64.b64encode(xml).decode()}


def _batch(caller, documents: list) -> list[dict]:
    response = caller.client.post("/api/v1/messages/batch", [d if isinstance(d, dict) else _item(d) for d in documents],
                                  content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {caller.key}")
    assert response.status_code == 202, response.content
    return response.json()


def _msg_id(xml: bytes) -> str:
    return kith.parse_msghead(kith.parse_xml(xml)).msg_id


def test_each_item_gets_what_a_single_submit_would_have_answered(unn, tromso, work):
    earlier = readdress(DISCHARGE, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    earlier_id = unn.send(earlier).json()["id"]
    new_one = readdress(ADMISSION, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    new_two = readdress(LOGISTICS, sender=UNN_MED_HARSTAD, receiver=TROMSO_NURSING, copies=(TROMSO_CASE,))
    reused = readdress(ADMISSION, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, msg_id=_msg_id(earlier))
    twin_other = readdress(DISCHARGE, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, msg_id=_msg_id(new_one))
    spoofed = readdress(ADMISSION, sender=TROMSO_NURSING, receiver=BALSFJORD_NURSING)  # not a party of unn's key
    unknown_receiver = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver="8299999")
    events_before = NodeEvent.objects.count()

    results = _batch(unn, [new_one, earlier, reused, new_two, new_one, twin_other, spoofed,
                           {"businessDocument": "not base64!"}, unknown_receiver, b"<not xml"])

    assert [r["status"] for r in results] == [202, 200, 409, 202, 200, 409, 403, 400, 422, 422]
    assert results[1]["id"] == earlier_id  # an identical resend: the first submission's id
    assert results[4]["id"] == results[0]["id"]  # the same document twice in one batch is one message
    assert [results[i]["code"] for i in (2, 5, 6, 7, 8)] == ["E10", "E10", "abuse:spoofing-attack", "bad-request",
                                                             "E21"]
    assert results[9]["code"] == "T01" and results[9]["errors"][0]["code"] == "T01"
    assert all(r["id"] is None for r in results if r["status"] >= 400)
    # What was accepted is stored once, with its deliveries and its "submitted" event.
    for index, xml, receivers in ((0, new_one, {TROMSO_NURSING}), (3, new_two, {TROMSO_NURSING, TROMSO_CASE})):
        message = Message.objects.get(pk=results[index]["id"])
        assert message.msg_id == _msg_id(xml)
        assert set(Delivery.objects.filter(message=message).values_list("her_id", flat=True)) == receivers
        assert Event.objects.filter(message=message, kind="submitted").count() == 1
        assert bytes(message.content.payload) != xml  # protected, never in clear
    assert Message.objects.filter(msg_id=_msg_id(new_one)).count() == 1
    assert Message.objects.get(msg_id=_msg_id(earlier)).sha256 == Message.objects.get(pk=earlier_id).sha256
    # Refusals are logged as a single submit logs them (the undecodable body never reached the node).
    logged = list(NodeEvent.objects.order_by("id")[events_before:].values_list("code", "kind"))
    assert sorted(c for c, _ in logged) == sorted(["E10", "E10", "abuse:spoofing-attack", "E21", "T01"])
    assert ("abuse:spoofing-attack", NodeEvent.Kind.SECURITY) in logged

    # And it reaches the receiver: the three new deliveries land in Tromsø's inboxes, decryptable.
    work()
    inbox = tromso.inbox(TROMSO_NURSING, TROMSO_CASE)
    assert sorted(e["msgId"] for e in inbox) == sorted([_msg_id(earlier), _msg_id(new_one), _msg_id(new_two),
                                                        _msg_id(new_two)])
    documents = {tromso.document(e["id"]) for e in inbox if e["msgId"] == _msg_id(new_two)}
    assert documents == {new_two}


def test_a_batch_of_new_messages_costs_two_statements_on_postgresql(unn):
    unn.send(readdress(DISCHARGE, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))  # warm caches
    documents = [readdress(s, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, copies=(TROMSO_CASE,))
                 for s in (DISCHARGE, ADMISSION, LOGISTICS) * 2]
    with CaptureQueriesContext(connection) as queries:
        results = _batch(unn, documents)
    assert [r["status"] for r in results] == [202] * 6
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(("INSERT", "WITH", "UPDATE"))]
    message_sql = [s for s in writes if s.startswith('INSERT INTO "exchange_message" ')]
    assert len(message_sql) == 1 and "ON CONFLICT" in message_sql[0] and "RETURNING" in message_sql[0]
    if connection.vendor == "postgresql":
        # Contents, twelve deliveries, six events and the worker's wake-up: one more statement.
        assert len(writes) == 2, writes
        rest = writes[1]
        assert rest.startswith("WITH") and "pg_notify" in rest
        assert all(f'INSERT INTO "{t}"' in rest for t in ("exchange_messagecontent", "exchange_delivery",
                                                          "exchange_event"))
    else:
        assert len(writes) == 4, writes  # one insert per table
    assert Delivery.objects.filter(message_id__in=[r["id"] for r in results]).count() == 12


def test_too_many_items_is_refused_whole_and_nothing_is_written(unn, settings):
    from samhand.api.views import SUBMIT_BATCH_MAX

    documents = [readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)] * (SUBMIT_BATCH_MAX + 1)
    before = Message.objects.count()
    response = unn.client.post("/api/v1/messages/batch", [_item(d) for d in documents],
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {unn.key}")
    assert response.status_code == 400 and response.json()["code"] == "bad-request"
    assert Message.objects.count() == before
    assert _batch(unn, []) == []


def test_a_batch_needs_a_key(unn, client):
    response = client.post("/api/v1/messages/batch", [], content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


@pytest.mark.django_db(transaction=True)
def test_two_batches_racing_with_the_same_msgids_store_each_once(unn, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite has one writer)")
    shared = [readdress(s, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING) for s in (DISCHARGE, ADMISSION, LOGISTICS)]
    own = [[readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)] for _ in range(2)]
    outcomes: list = [None, None]
    start = threading.Barrier(2)

    def post(n):
        from django.test import Client

        start.wait()
        try:
            response = Client().post("/api/v1/messages/batch", [_item(d) for d in shared + own[n]],
                                     content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {unn.key}")
            outcomes[n] = (response.status_code, response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [o[0] for o in outcomes] == [202, 202]
    first, second = outcomes[0][1], outcomes[1][1]
    for i in range(3):  # each shared message: one of them created it, the other got the same id back
        assert sorted([first[i]["status"], second[i]["status"]]) == [200, 202]
        assert first[i]["id"] == second[i]["id"]
    assert first[3]["status"] == second[3]["status"] == 202
    for xml in shared:
        assert Message.objects.filter(msg_id=_msg_id(xml)).count() == 1
        assert Delivery.objects.filter(message__msg_id=_msg_id(xml)).count() == 1
