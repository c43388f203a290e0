"""Messages arriving from another node: checks on receipt answered with the node's own AppRec."""

from __future__ import annotations

import pytest
from lxml import etree

from samhand import kith
from samhand.exchange.inbound import receive
from samhand.exchange.models import Delivery, Message, NodeEvent

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
