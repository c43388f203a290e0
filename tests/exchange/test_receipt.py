"""Messages arriving from another node: checks on receipt answered with the node's own AppRec."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from lxml import etree

from samhand import kith
from samhand.exchange.inbound import receive
from samhand.exchange.models import Delivery, Event, Message, NodeEvent

from msgfactory import protect_as, readdress, with_patient_id
from personas import TROMSO_NURSING, TROMSO_ORG, UNN_MED_TROMSO

LOGISTICS = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


def node_apprec_for(unn, work, msg_id: str) -> kith.AppRec:
    """Run the worker and fetch the node's AppRec from UNN's inbox (the sender here)."""
    work()
    entries = [e for e in unn.inbox(UNN_MED_TROMSO) if e["type"] == "APPREC"]
    assert len(entries) == 1
    apprec = kith.parse_apprec(kith.parse_xml(unn.document(entries[0]["id"])))
    assert apprec.original_msg_id == msg_id
    return apprec


def arrive(xml: bytes, *, sender: str = UNN_MED_TROMSO, to: str = TROMSO_NURSING,
           transport_sender: str | None = UNN_MED_TROMSO):
    """The message as another node sends it: protected, for the hosted party ``to``."""
    return receive(protect_as(xml, sender=sender, receivers=(to,)), to_her_id=to, transport_sender=transport_sender)


def msg_id_of(xml: bytes) -> str:
    return kith.parse_msghead(kith.parse_xml(xml)).msg_id


def test_valid_message_is_delivered_once_even_when_it_arrives_twice(seeded, tromso, work):
    xml = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    wire = protect_as(xml, sender=UNN_MED_TROMSO, receivers=(TROMSO_NURSING,))
    first = receive(wire, to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO)
    second = receive(wire, to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO)
    assert first.accepted and not first.duplicate
    assert second.accepted and second.duplicate and second.message.pk == first.message.pk
    work()
    assert len(tromso.inbox(TROMSO_NURSING)) == 1


@pytest.mark.parametrize("code, make", [
    ("T02", lambda: _drop_first_child(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))),
    ("E21", lambda: readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=kith.Party(
        organisation_name="Tromsø kommune", organisation_her_id=TROMSO_ORG, service_name="Nedlagt",
        service_her_id="8201999"))),
    ("E30", lambda: with_patient_id(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, national_id=None)),
    ("E31", lambda: with_patient_id(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                                    national_id="15076500566")),
    ("E32", lambda: with_patient_id(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                                    national_id="15076500565", family_name=None)),
])
def test_errors_on_receipt_get_a_negative_apprec_from_the_node(seeded, unn, tromso, work, code, make):
    xml = make()
    result = arrive(xml)
    assert not result.accepted and result.code == code
    apprec = node_apprec_for(unn, work, msg_id_of(xml))
    assert apprec.status == "2"
    assert code in [e.code for e in apprec.errors]
    # The receipt mirrors the addressed receiver, even one the node does not know (E21).
    original = kith.parse_msghead(kith.parse_xml(xml))
    assert apprec.sender.her_id == original.receiver.her_id
    # Nothing reached the receiver's inbox, and the sender's status shows the rejection.
    assert tromso.inbox(TROMSO_NURSING) == []
    assert Delivery.objects.get(message=result.message, role="primary").state == Delivery.State.REJECTED


def _drop_first_child(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    doc = root.find(".//{*}RefDoc/{*}Content")[0]
    doc.remove(doc[0])
    return etree.tostring(root)


def test_unreadable_input_is_a_transport_error_not_an_apprec(seeded):
    result = arrive(b"<MsgHead><unclosed>")
    assert not result.accepted and result.code == "T01"
    assert NodeEvent.objects.filter(kind=NodeEvent.Kind.TRANSPORT, code="T01").exists()
    assert Message.objects.count() == 0


def test_plain_or_garbage_bytes_are_not_decryptable(seeded):
    xml = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    for raw in (xml, b"\x30\x80garbage", b""):
        result = receive(raw, to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO)
        assert not result.accepted and result.code == "S99"
    assert Message.objects.count() == 0


def test_transport_sender_that_differs_from_msghead_sender_is_spoofing(seeded):
    xml = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    result = arrive(xml, transport_sender=TROMSO_NURSING)
    assert not result.accepted and result.code == "abuse:spoofing-attack"
    assert NodeEvent.objects.filter(kind=NodeEvent.Kind.SECURITY, her_id=TROMSO_NURSING).exists()
    assert Message.objects.count() == 0


def test_apprec_arriving_by_transport_is_correlated(unn, work):
    xml = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    sent_id = unn.send(xml).json()["id"]
    work()
    apprec = kith.build_apprec(kith.parse_msghead(kith.parse_xml(xml)), status="2", version="1.1",
                               errors=[kith.AppRecError(code="E35")])
    wire = protect_as(apprec, sender=TROMSO_NURSING, receivers=(UNN_MED_TROMSO,))
    assert receive(wire, to_her_id=UNN_MED_TROMSO, transport_sender=TROMSO_NURSING).accepted
    work()
    status = unn.status(sent_id)
    assert status["state"] == "rejected" and status["apprec"]["errors"][0]["code"] == "E35"
    # The same AppRec again changes nothing.
    assert receive(wire, to_her_id=UNN_MED_TROMSO, transport_sender=TROMSO_NURSING).duplicate


def test_a_batch_is_written_together_and_each_arrival_gets_its_own_result(seeded, unn, tromso, work):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from samhand.exchange import outbox, wakeup
    from samhand.exchange.inbound import Arrival, receive_many

    first, second = (readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING) for _ in range(2))
    broken = _drop_first_child(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
    sent_xml = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    sent_id = unn.send(sent_xml).json()["id"]
    work()
    apprec = kith.build_apprec(kith.parse_msghead(kith.parse_xml(sent_xml)), status="1", version="1.1", errors=[])

    def wire(xml, to=TROMSO_NURSING, sender=UNN_MED_TROMSO):
        return Arrival(protect_as(xml, sender=sender, receivers=(to,)), to, sender)

    arrivals = [wire(first), wire(second), wire(first),  # the same MsgId twice in one batch
                wire(broken),  # schema error: answered with the node's negative AppRec
                Arrival(wire(first).raw, TROMSO_NURSING, "8100999"),  # transport sender is not the sender
                wire(apprec, to=UNN_MED_TROMSO, sender=TROMSO_NURSING)]
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), outbox.collected(), wakeup.deferred():
        results = receive_many(arrivals)
    assert [r.accepted for r in results] == [True, True, True, False, False, True]
    assert [r.duplicate for r in results] == [False, False, True, False, False, False]
    assert results[2].message.pk == results[0].message.pk
    assert results[3].code == "T02" and results[4].code == "abuse:spoofing-attack"
    statements = [q["sql"] for q in queries.captured_queries]
    # The clean arrivals (two messages and an AppRec) in one INSERT; the refused one on its own
    # (with the node's AppRec): three in all, not one per arrival.
    inserts = [s for s in statements if 'INSERT INTO "exchange_message"' in s]
    if connection.vendor == "postgresql":
        # The refused one is stored at once; the clean ones, their contents and deliveries, the
        # node's AppRec and every event and wake-up of the batch go in the block's one statement.
        assert len(inserts) == 2 and inserts[0].startswith('INSERT INTO "exchange_message"')
        final = inserts[1]
        assert final.startswith("WITH") and final.count('INSERT INTO "exchange_message"') == 2
        for table in ("exchange_messagecontent", "exchange_delivery", "exchange_event"):
            assert f'INSERT INTO "{table}"' in final, table
        assert "pg_notify" in final
        # (the refused arrival's own entry is the only delivery written on its own)
        assert len([s for s in statements if s.startswith('INSERT INTO "exchange_delivery"')]) == 1
    else:
        assert len([s for s in inserts if s.startswith('INSERT INTO "exchange_message"')]) == 3
    # Savepoints: the test's own block, and the node's AppRec for the refused arrival; none per clean one.
    assert len([s for s in statements if s.startswith("SAVEPOINT")]) == 2
    work()
    # The two new messages, beside the one UNN sent through this node (which the AppRec answers).
    inbox = {e["msgId"] for e in tromso.inbox(TROMSO_NURSING) if e["type"] != "APPREC"}
    assert inbox == {msg_id_of(first), msg_id_of(second), msg_id_of(sent_xml)}
    assert unn.status(sent_id)["state"] == "acknowledged"
    assert NodeEvent.objects.filter(code="abuse:spoofing-attack").exists()
    assert Message.objects.filter(msg_id=msg_id_of(first)).count() == 1


class _Msg:
    """What the AMQP client hands the receive step (body, properties, settlement)."""

    def __init__(self, body, *, sender, to):
        self.queue, self.body, self.message_id, self.delivery_count = "q", body, "m", 0
        self.properties = {"x-sender": sender, "x-receiver": to}
        self.settled = None

    def accept(self):
        self.settled = "accepted"

    def release(self):
        self.settled = "released"


def test_a_batch_that_cannot_be_written_together_is_written_one_by_one(seeded, monkeypatch):
    from samhand.exchange import inbound
    from samhand.transports import network
    from samhand.transports.amqp import profile

    monkeypatch.setattr(profile, "FROM_HER_ID", "x-sender")
    monkeypatch.setattr(profile, "TO_HER_ID", "x-receiver")
    good = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    bad = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    batch = [_Msg(protect_as(x, sender=UNN_MED_TROMSO, receivers=(TROMSO_NURSING,)), sender=UNN_MED_TROMSO,
                  to=TROMSO_NURSING) for x in (good, bad)]
    real_write_one = inbound._write_one

    def failing(opened):
        if opened.key[1] == msg_id_of(bad):
            raise RuntimeError("this message cannot be stored")
        return real_write_one(opened)

    def write_many_fails(items):
        raise RuntimeError("the batch cannot be stored together")

    monkeypatch.setattr(inbound, "_write_one", failing)
    monkeypatch.setattr(inbound, "_write_many", write_many_fails)
    queues = {"q": (TROMSO_NURSING, network._handle_message)}
    assert network._record(None, queues, batch, together=True) is None
    outcomes = network._record(None, queues, batch, together=False)
    for _msg, settle in outcomes:
        settle()
    # The good message is kept and accepted; the bad one alone goes back to its queue.
    assert [m.settled for m in batch] == ["accepted", "released"]
    assert Message.objects.filter(msg_id=msg_id_of(good)).count() == 1
    assert not Message.objects.filter(msg_id=msg_id_of(bad)).exists()


def test_a_batch_for_a_party_the_node_answers_for_is_answered_in_the_same_transaction(seeded):
    """The batch's rows wait for the end of its block (one statement on PostgreSQL), but the node's
    own AppRec for a party that cannot answer needs the entries in the table: they are written first."""
    from django.db import transaction

    from samhand.directory.models import CommunicationParty
    from samhand.exchange import outbox
    from samhand.exchange.inbound import Arrival, receive_many

    CommunicationParty.objects.filter(her_id=TROMSO_NURSING).update(auto_apprec=True)
    xmls = [readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING) for _ in range(2)]
    arrivals = [Arrival(protect_as(x, sender=UNN_MED_TROMSO, receivers=(TROMSO_NURSING,)), TROMSO_NURSING,
                        UNN_MED_TROMSO) for x in xmls]
    with transaction.atomic(), outbox.collected():
        results = receive_many(arrivals)
    assert all(r.accepted and not r.duplicate for r in results)
    for xml in xmls:
        entry = Delivery.objects.get(message__msg_id=msg_id_of(xml), her_id=TROMSO_NURSING)
        assert entry.state == Delivery.State.DELIVERED and entry.answer_id is not None
        apprec = Message.objects.get(pk=entry.answer_id)
        assert apprec.is_apprec and apprec.apprec_status == "1"
        assert Delivery.objects.filter(message=apprec, her_id=UNN_MED_TROMSO, state=Delivery.State.QUEUED).exists()


def test_a_batch_holding_a_redelivered_message_is_written_one_by_one_and_keeps_it_once(seeded, monkeypatch):
    """A batch is written expecting every message to be new (no lookup per batch); a message stored
    before (a redelivery after a crash) breaks the batch on the (sender, MsgId) constraint, and the
    one-by-one pass stores the new one and ignores the duplicate. Both are accepted, each once."""
    from django.db import transaction

    from samhand.exchange import outbox
    from samhand.exchange.inbound import Arrival, receive_many
    from samhand.transports import network
    from samhand.transports.amqp import profile

    monkeypatch.setattr(profile, "FROM_HER_ID", "x-sender")
    monkeypatch.setattr(profile, "TO_HER_ID", "x-receiver")
    old, new = (readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING) for _ in range(2))
    wires = {x: protect_as(x, sender=UNN_MED_TROMSO, receivers=(TROMSO_NURSING,)) for x in (old, new)}
    assert receive(wires[old], to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO).accepted
    with pytest.raises(IntegrityError), transaction.atomic(), outbox.collected():
        receive_many([Arrival(wires[x], TROMSO_NURSING, UNN_MED_TROMSO) for x in (new, old)])
    batch = [_Msg(wires[x], sender=UNN_MED_TROMSO, to=TROMSO_NURSING) for x in (new, old)]
    queues = {"q": (TROMSO_NURSING, network._handle_message)}
    assert network._record(None, queues, batch, together=True) is None  # rolled back: nothing written
    assert not Message.objects.filter(msg_id=msg_id_of(new)).exists()
    for _msg, settle in network._record(None, queues, batch, together=False):
        settle()
    assert [m.settled for m in batch] == ["accepted", "accepted"]
    assert Message.objects.filter(msg_id=msg_id_of(new)).count() == 1
    assert Message.objects.filter(msg_id=msg_id_of(old)).count() == 1
    assert Event.objects.filter(kind="duplicate-ignored", message__msg_id=msg_id_of(old)).count() == 1


def test_an_arriving_message_and_apprec_are_read_once(seeded, monkeypatch):
    """Finding the signer reads the MsgHead (or AppRec); the receipt checks use that reading
    instead of parsing the header again."""
    calls = {"msghead": 0, "apprec": 0}
    real_msghead, real_apprec = kith.parse_msghead, kith.parse_apprec

    def counted(name, real):
        def parse(root):
            calls[name] += 1
            return real(root)
        return parse

    xml = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    wire = protect_as(xml, sender=UNN_MED_TROMSO, receivers=(TROMSO_NURSING,))
    other = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    forged = protect_as(other, sender=TROMSO_NURSING, receivers=(TROMSO_NURSING,))  # signed by the wrong party
    monkeypatch.setattr(kith, "parse_msghead", counted("msghead", real_msghead))
    monkeypatch.setattr(kith, "parse_apprec", counted("apprec", real_apprec))
    result = receive(wire, to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO)
    assert result.accepted and calls == {"msghead": 1, "apprec": 0}
    # A message whose signature fails is still checked (and answered) from the same reading.
    calls.update(msghead=0)
    receive(forged, to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO)
    assert calls["msghead"] == 1
