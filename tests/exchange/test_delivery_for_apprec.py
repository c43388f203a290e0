"""``Delivery.for_apprec`` is set on every path that builds deliveries (exchange 0009): a business
message's deliveries say False, an AppRec's say True, from the row's first write on. The portal's
«levert» filter reads the deliveries waiting for an AppRec by it, so a path that forgot it would
list AppRecs as waiting messages."""

from __future__ import annotations

import base64

import pytest

from samhand import kith
from samhand.exchange.inbound import receive
from samhand.exchange.models import Delivery

from msgfactory import protect_as, readdress
from personas import BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO

LOGISTICS = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


def _marks() -> dict[tuple[str, bool], int]:
    """(is the message an AppRec, is the delivery marked for one) → how many deliveries."""
    out: dict[tuple[str, bool], int] = {}
    for is_apprec, for_apprec in Delivery.objects.values_list("message__is_apprec", "for_apprec"):
        out[(is_apprec, for_apprec)] = out.get((is_apprec, for_apprec), 0) + 1
    return out


def _assert_consistent(*, business: int, apprecs: int) -> None:
    marks = _marks()
    assert marks.get((False, True), 0) == 0, "a business message's delivery marked as an AppRec's"
    assert marks.get((True, False), 0) == 0, "an AppRec's delivery not marked"
    assert marks.get((False, False), 0) == business
    assert marks.get((True, True), 0) == apprecs


def test_submitted_message_and_the_apprecs_the_api_and_the_node_send(unn, tromso, balsfjord, work):
    # A business message with a copy receiver: two deliveries, neither for an AppRec.
    xml = readdress("Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO,
                    receiver=TROMSO_CASE, copies=(BALSFJORD_NURSING,))
    sent_id = unn.send(xml).json()["id"]
    assert set(Delivery.objects.filter(message_id=sent_id).values_list("for_apprec", flat=True)) == {False}
    work()
    _assert_consistent(business=2, apprecs=0)
    # The receiver answers through the API with its own AppRec XML, the copy receiver with a status.
    entry = tromso.inbox(TROMSO_CASE)[0]
    own = kith.build_apprec(kith.parse_msghead(kith.parse_xml(xml)), status="1", version="1.1", errors=[])
    response = tromso.post(f"/messages/{entry['id']}/apprec", {"businessDocument": base64.b64encode(own).decode()})
    assert response.status_code == 202, response.content
    entry = balsfjord.inbox(BALSFJORD_NURSING)[0]
    assert balsfjord.post(f"/messages/{entry['id']}/apprec", {"status": "1"}).status_code == 202
    work()
    assert {d["state"] for d in unn.status(sent_id)["deliveries"]} == {"acknowledged"}
    # Each AppRec's delivery to UNN, delivered like any message, is marked.
    apprec_deliveries = Delivery.objects.filter(message__is_apprec=True)
    assert apprec_deliveries.count() == 2
    assert set(apprec_deliveries.values_list("state", "for_apprec")) == {(Delivery.State.DELIVERED, True)}
    _assert_consistent(business=2, apprecs=2)


def test_the_nodes_own_apprec_for_a_party_it_answers_for(unn, seeded, work):
    from samhand.directory.models import CommunicationParty

    CommunicationParty.objects.filter(her_id=BALSFJORD_NURSING).update(auto_apprec=True)
    unn.send(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=BALSFJORD_NURSING))
    work()
    _assert_consistent(business=1, apprecs=1)


def test_received_over_transport_one_by_one(seeded, unn, work):
    # A business message from another node, and a refused one (the node answers it itself).
    xml = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    wire = protect_as(xml, sender=UNN_MED_TROMSO, receivers=(TROMSO_NURSING,))
    assert receive(wire, to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO).accepted
    _assert_consistent(business=1, apprecs=0)
    # An AppRec from another node for a message UNN sent through this node.
    sent_xml = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    unn.send(sent_xml)
    work()
    apprec = kith.build_apprec(kith.parse_msghead(kith.parse_xml(sent_xml)), status="1", version="1.1", errors=[])
    wire = protect_as(apprec, sender=TROMSO_NURSING, receivers=(UNN_MED_TROMSO,))
    assert receive(wire, to_her_id=UNN_MED_TROMSO, transport_sender=TROMSO_NURSING).accepted
    arrived = Delivery.objects.get(message__msg_id=kith.parse_apprec(kith.parse_xml(apprec)).id)
    assert arrived.for_apprec and arrived.state == Delivery.State.DELIVERED
    assert {d.for_apprec for d in Delivery.objects.filter(message__is_apprec=False)} == {False}


def test_received_over_transport_in_a_batch_and_refused_on_receipt(seeded, unn, work):
    """The batch's rows go in the block's one statement on PostgreSQL (outbox.insert_rows): the
    column is in it. A refused arrival's own entry is written on its own."""
    from django.db import transaction

    from samhand.exchange import outbox, wakeup
    from samhand.exchange.inbound import Arrival, receive_many

    sent_xml = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    unn.send(sent_xml)
    work()
    apprec = kith.build_apprec(kith.parse_msghead(kith.parse_xml(sent_xml)), status="1", version="1.1", errors=[])
    new = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    unknown = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=kith.Party(
        organisation_name="Tromsø kommune", organisation_her_id="8201000", service_name="Nedlagt",
        service_her_id="8201999"))

    def wire(xml, to=TROMSO_NURSING, sender=UNN_MED_TROMSO):
        return Arrival(protect_as(xml, sender=sender, receivers=(to,)), to, sender)

    with transaction.atomic(), outbox.collected(), wakeup.deferred():
        results = receive_many([wire(new), wire(apprec, to=UNN_MED_TROMSO, sender=TROMSO_NURSING),
                                wire(unknown, to=TROMSO_NURSING)])
    assert [r.accepted for r in results] == [True, True, False]
    refused = Delivery.objects.get(message=results[2].message)
    assert refused.state == Delivery.State.REFUSED and not refused.for_apprec
    # UNN's message and its delivery, the new one, the refused one; the arrived AppRec and the
    # node's AppRec for the refused one.
    _assert_consistent(business=3, apprecs=2)


@pytest.mark.django_db
def test_the_migration_fills_the_column_from_the_messages(seeded):
    """Exchange 0009's backfill marks the deliveries of the AppRecs there were, and only those."""
    import importlib

    from django.db import connection

    from samhand.bench.seed import seed

    seed(200, chunk=100)
    Delivery.objects.update(for_apprec=False)  # as the rows were before the column
    backfill = importlib.import_module("samhand.exchange.migrations.0009_delivery_for_apprec").backfill

    class Editor:  # what the backfill uses of a schema editor
        def __init__(self):
            self.connection = connection

        def execute(self, sql, params=()):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    backfill(None, Editor())
    marks = _marks()
    assert marks.get((True, True), 0) > 30 and marks.get((False, False), 0) > 100
    assert set(marks) == {(True, True), (False, False)}
