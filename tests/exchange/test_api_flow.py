"""End to end through the API: official samples from UNN to Tromsø, AppRecs back."""

from __future__ import annotations

import pytest
from lxml import etree

from samhand import kith
from samhand.access.models import AccessLog
from samhand.exchange.models import Delivery, Event

from personas import BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO
from msgfactory import readdress

PLO_SAMPLES = [
    "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml",
    "Innleggelsesrapport_v1-6_Ny.xml",
    "Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny.xml",
    "Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny.xml",
    "Utskrivningsrapport_v1-6_Ny.xml",
    "Pasientlogistikk_Melding_om_utskrevet_pasient_v1-6_Ny.xml",
]


@pytest.mark.parametrize("sample", PLO_SAMPLES)
def test_official_sample_round_trip_with_apprec(unn, tromso, work, sample):
    xml = readdress(sample, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    response = unn.send(xml)
    assert response.status_code == 202, response.content
    sent_id = response.json()["id"]
    assert unn.status(sent_id)["state"] == "queued"

    assert work() >= 1
    inbox = tromso.inbox(TROMSO_NURSING)
    assert len(inbox) == 1
    entry = inbox[0]
    original = kith.parse_msghead(kith.parse_xml(xml))
    assert entry["msgId"] == original.msg_id
    assert entry["type"] == original.msg_type
    assert (entry["senderHerId"], entry["receiverHerId"]) == (UNN_MED_TROMSO, TROMSO_NURSING)
    assert tromso.document(entry["id"]) == xml
    assert AccessLog.objects.filter(message__msg_id=original.msg_id, actor="Gerica Tromsø").count() == 1
    assert unn.status(sent_id)["state"] == "delivered"

    assert tromso.put(f"/messages/{entry['id']}/read").status_code == 204
    assert tromso.inbox(TROMSO_NURSING) == []

    answer = tromso.post(f"/messages/{entry['id']}/apprec", {"status": "1"})
    assert answer.status_code == 202, answer.content
    work()
    status = unn.status(sent_id)
    assert status["state"] == "acknowledged"
    assert status["apprec"]["status"] == "1" and status["apprec"]["errors"] == []
    kinds = [e["kind"] for e in status["events"]]
    assert kinds[0] == "submitted" and "delivered" in kinds and kinds[-1] == "apprec-received"

    # The AppRec itself lands in UNN's inbox, mirrors the addressing and names the original.
    unn_inbox = unn.inbox(UNN_MED_TROMSO)
    assert [e["type"] for e in unn_inbox] == ["APPREC"]
    apprec = kith.parse_apprec(kith.parse_xml(unn.document(unn_inbox[0]["id"])))
    assert apprec.original_msg_id == original.msg_id
    assert apprec.sender.her_id == TROMSO_NURSING and apprec.receiver.her_id == UNN_MED_TROMSO
    assert apprec.version == "1.1"  # PLO 1.6 is answered with AppRec 1.1 (HITS 1168 §8.3)


def test_negative_business_apprec_from_epr(unn, tromso, work):
    response = unn.send(readdress("Innleggelsesrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
    sent_id = response.json()["id"]
    work()
    entry = tromso.inbox(TROMSO_NURSING)[0]
    answer = tromso.post(f"/messages/{entry['id']}/apprec",
                         {"status": "2", "errors": [{"code": "E35", "text": "Pasienten finnes ikke hos oss"}]})
    assert answer.status_code == 202
    work()
    status = unn.status(sent_id)
    assert status["state"] == "rejected"
    assert status["apprec"]["errors"] == [{"code": "E35", "text": "Pasienten finnes ikke hos oss"}]


def test_exactly_one_apprec_per_message_and_party(unn, tromso, work):
    unn.send(readdress("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
    work()
    entry = tromso.inbox(TROMSO_NURSING)[0]
    assert tromso.post(f"/messages/{entry['id']}/apprec", {"status": "1"}).status_code == 202
    second = tromso.post(f"/messages/{entry['id']}/apprec", {"status": "1"})
    assert second.status_code == 409
    assert second.json()["code"] == "apprec-already-sent"
    assert second["Content-Type"] == "application/problem+json"


def test_epr_may_post_its_own_apprec_xml(unn, tromso, work):
    xml = readdress("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    sent_id = unn.send(xml).json()["id"]
    work()
    entry = tromso.inbox(TROMSO_NURSING)[0]
    own = kith.build_apprec(kith.parse_msghead(kith.parse_xml(xml)), status="3", version="1.1",
                            errors=[kith.AppRecError(code="E36", text="Mangelfulle pasientopplysninger")])
    import base64

    response = tromso.post(f"/messages/{entry['id']}/apprec", {"businessDocument": base64.b64encode(own).decode()})
    assert response.status_code == 202, response.content
    work()
    status = unn.status(sent_id)
    assert status["state"] == "acknowledged-with-errors"
    assert status["apprec"]["errors"][0]["code"] == "E36"


def test_copy_receivers_each_get_the_message_and_answer_once(unn, tromso, balsfjord, work):
    xml = readdress("Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO,
                    receiver=TROMSO_CASE, copies=(BALSFJORD_NURSING, TROMSO_NURSING, TROMSO_CASE))
    sent_id = unn.send(xml).json()["id"]
    work()
    # The primary receiver named again as copy receiver gets it once (HITS 1168 §5.4).
    assert Delivery.objects.filter(message_id=sent_id).count() == 3
    tromso_inbox = tromso.inbox(TROMSO_CASE, TROMSO_NURSING)
    assert sorted(e["receiverHerId"] for e in tromso_inbox) == [TROMSO_NURSING, TROMSO_CASE]
    balsfjord_inbox = balsfjord.inbox(BALSFJORD_NURSING)
    assert len(balsfjord_inbox) == 1
    for caller, entry in [(tromso, e) for e in tromso_inbox] + [(balsfjord, balsfjord_inbox[0])]:
        assert caller.post(f"/messages/{entry['id']}/apprec", {"status": "1"}).status_code == 202
    work()
    status = unn.status(sent_id)
    assert {d["herId"]: (d["role"], d["state"]) for d in status["deliveries"]} == {
        TROMSO_CASE: ("primary", "acknowledged"),
        TROMSO_NURSING: ("copy", "acknowledged"),
        BALSFJORD_NURSING: ("copy", "acknowledged"),
    }
    # A copy receiver answers as itself with Role COP (HITS 1168 §6.2).
    copy_apprec = next(e for e in unn.inbox(UNN_MED_TROMSO) if e["senderHerId"] == BALSFJORD_NURSING)
    root = kith.parse_xml(unn.document(copy_apprec["id"]))
    roles = [el.get("V") for el in root.iter("{*}Role")]
    assert "COP" in roles


def test_duplicate_submission_is_processed_once(unn, tromso, work):
    xml = readdress("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    first = unn.send(xml)
    again = unn.send(xml)
    assert first.status_code == 202 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    work()
    assert len(tromso.inbox(TROMSO_NURSING)) == 1
    msg_id = kith.parse_msghead(kith.parse_xml(xml)).msg_id
    other = readdress("Innleggelsesrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, msg_id=msg_id)
    conflict = unn.send(other)
    assert conflict.status_code == 409 and conflict.json()["code"] == "E10"
    assert Event.objects.filter(kind="delivered", message__msg_id=msg_id).count() == 1


def test_auto_apprec_on_behalf_of_a_party(unn, seeded, work):
    from samhand.directory.models import CommunicationParty

    CommunicationParty.objects.filter(her_id=BALSFJORD_NURSING).update(auto_apprec=True)
    sent_id = unn.send(readdress("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO,
                                 receiver=BALSFJORD_NURSING)).json()["id"]
    work()
    status = unn.status(sent_id)
    assert status["state"] == "acknowledged"
    sent = [e for e in status["events"] if e["kind"] == "apprec-sent"]
    assert sent and sent[0]["actor"].startswith("node on behalf of")


def test_apprec_version_follows_the_document_version(unn, tromso, work):
    xml = readdress("Dialogmelding_foresporsel_PLO_v1-0.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    response = unn.send(xml)
    assert response.status_code == 202, response.content
    work()
    entry = tromso.inbox(TROMSO_NURSING)[0]
    tromso.post(f"/messages/{entry['id']}/apprec", {"status": "1"})
    work()
    apprec_entry = unn.inbox(UNN_MED_TROMSO)[0]
    root = kith.parse_xml(unn.document(apprec_entry["id"]))
    assert etree.QName(root).namespace == "http://www.kith.no/xmlstds/apprec/2004-11-21"  # 1.0 for Dialogmelding 1.0
