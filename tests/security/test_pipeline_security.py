"""Signing and encryption in the exchange pipeline."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from samhand import kith
from samhand.cms import demo as cms_demo
from samhand.directory import certificates
from samhand.directory.models import Certificate, CommunicationParty
from samhand.exchange.inbound import receive
from samhand.exchange.models import MessageContent, NodeEvent

from msgfactory import protect_as, readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO

LOGISTICS = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


def message() -> bytes:
    return readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)


def party(her_id: str) -> CommunicationParty:
    return CommunicationParty.objects.select_related("organisation").get(her_id=her_id)


def test_stored_payload_is_encrypted_and_both_sides_read_their_copy(unn, tromso, work):
    xml = message()
    sent_id = unn.send(xml).json()["id"]
    stored = bytes(MessageContent.objects.get(message_id=sent_id).payload)
    assert stored[:1] == b"\x30" and b"Gundersen" not in stored and b"MsgHead" not in stored
    work()
    assert tromso.document(tromso.inbox(TROMSO_NURSING)[0]["id"]) == xml
    assert unn.document(sent_id) == xml  # the sender's own copy, encrypted to itself too


def test_revoked_sender_certificate_is_answered_with_s03(unn, tromso, work, demo_ca):
    sent_id = unn.send(message()).json()["id"]
    signing = certificates.signing_certificate(party(UNN_MED_TROMSO))
    certificates.trust_issuer("demo", demo_ca.cert, cms_demo.make_crl(demo_ca, [signing]))
    work()
    status = unn.status(sent_id)
    assert status["state"] == "rejected"
    assert [e["code"] for e in status["apprec"]["errors"]] == ["S03"]
    assert tromso.inbox(TROMSO_NURSING) == []
    assert NodeEvent.objects.filter(kind=NodeEvent.Kind.SECURITY, code="S03").exists()


def test_expired_receiver_certificate_refuses_at_submission(unn, demo_ca, key_pool):
    expired = cms_demo.issue(demo_ca, "Utløpt", usage="encryption", her_id=TROMSO_NURSING,
                             valid_from=datetime.now(timezone.utc) - timedelta(days=400), valid_days=30,
                             key=key_pool(f"{TROMSO_NURSING}:expired"))
    Certificate.objects.filter(party__her_id=TROMSO_NURSING, usage="encryption").delete()
    certificates._record(party(TROMSO_NURSING), "encryption", expired.cert, expired.key)
    response = unn.send(message())
    assert response.status_code == 422 and response.json()["code"] == "S02"
    assert "expired" in response.json()["detail"].lower() or "valid" in response.json()["detail"].lower()


def test_wrong_key_usage_on_receiver_certificate_is_s02(unn, demo_ca, key_pool):
    wrong = cms_demo.issue(demo_ca, "Feil bruk", usage="signing", her_id=TROMSO_NURSING,
                           key=key_pool(f"{TROMSO_NURSING}:wrong-usage"))
    Certificate.objects.filter(party__her_id=TROMSO_NURSING, usage="encryption").delete()
    certificates._record(party(TROMSO_NURSING), "encryption", wrong.cert, wrong.key)
    response = unn.send(message())
    assert response.status_code == 422 and response.json()["code"] == "S02"


def test_rollover_message_encrypted_to_previous_certificate_still_opens(unn, tromso, work, demo_ca, key_pool):
    xml = message()
    unn.send(xml)  # encrypted to Tromsø's current certificate
    renewed = cms_demo.issue(demo_ca, "Tromsø fornyet", usage="encryption", her_id=TROMSO_NURSING,
                             key=key_pool(f"{TROMSO_NURSING}:renewed"))
    certificates.install(party(TROMSO_NURSING), "encryption", renewed.cert, renewed.key)
    statuses = set(Certificate.objects.filter(party__her_id=TROMSO_NURSING, usage="encryption")
                   .values_list("status", flat=True))
    assert statuses == {"current", "previous"}
    work()
    inbox = tromso.inbox(TROMSO_NURSING)
    assert len(inbox) == 1 and tromso.document(inbox[0]["id"]) == xml


def test_unknown_signer_from_another_node_gets_s01(unn, work, key_pool):
    foreign_ca = cms_demo.make_ca("Fremmed CA", key=key_pool("foreign-ca"))
    impostor = cms_demo.issue(foreign_ca, "Falsk UNN", usage="signing", her_id=UNN_MED_TROMSO,
                              key=key_pool("impostor"))
    from samhand import cms

    xml = message()
    wire = cms.protect(xml, impostor, certificates.encryption_certificate(party(TROMSO_NURSING)))
    result = receive(wire, to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO)
    assert not result.accepted and result.code == "S01"
    work()
    apprecs = [e for e in unn.inbox(UNN_MED_TROMSO) if e["type"] == "APPREC"]
    apprec = kith.parse_apprec(kith.parse_xml(unn.document(apprecs[0]["id"])))
    assert apprec.status == "2" and apprec.errors[0].code == "S01"
    assert apprec.original_msg_id == kith.parse_msghead(kith.parse_xml(xml)).msg_id


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage"])
def test_damaged_ciphertext_is_a_transport_error(seeded, damage):
    wire = bytearray(protect_as(message(), sender=UNN_MED_TROMSO, receivers=(TROMSO_NURSING,)))
    if damage == "flip":
        wire[len(wire) // 2] ^= 0xFF
    elif damage == "truncate":
        wire = wire[: len(wire) // 3]
    else:
        wire = bytearray(b"\x30\x82\x01\x00" + b"\x00" * 256)
    result = receive(bytes(wire), to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO)
    assert not result.accepted and result.code in {"S99", "S01"}


def test_message_to_a_party_without_a_key_here_is_refused(unn):
    Certificate.objects.filter(party__her_id=TROMSO_NURSING, usage="encryption").delete()
    response = unn.send(message())
    assert response.status_code == 422 and response.json()["code"] == "S02"


def test_content_is_decrypted_once_and_kept_sealed_not_in_clear(unn, tromso, work, monkeypatch):
    """Issue 11 §6: the node decrypts and verifies once; reads open the sealed copy (AES-GCM)."""
    from samhand import cms
    from samhand.exchange import protection

    xml = message()
    sent_id = unn.send(xml).json()["id"]
    work()
    content = MessageContent.objects.get(message_id=sent_id)
    sealed = bytes(content.sealed)
    assert b"Gundersen" not in sealed and b"MsgHead" not in sealed
    assert protection.seal(sent_id, xml) != sealed  # a fresh nonce every time
    decryptions = []
    real_decrypt = cms.decrypt
    monkeypatch.setattr(cms, "decrypt", lambda *a, **k: decryptions.append(1) or real_decrypt(*a, **k))
    inbox_id = tromso.inbox(TROMSO_NURSING)[0]["id"]
    assert tromso.document(inbox_id) == xml
    assert tromso.document(inbox_id) == xml
    assert unn.document(sent_id) == xml
    assert decryptions == []
    # A sealed copy cannot be moved to another message: it is bound to its own.
    with pytest.raises(cms.CmsError):
        protection.data_key().unseal(sealed, str(uuid.uuid4()).encode())
