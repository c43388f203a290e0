"""S11 through the API only: UNN sends LOG_UTSKRIVNINGSKLAR to the wrong municipality, whose EPR marks
it misdirected; the content is refused to that municipality from then on, UNN receives a schema-valid
DIALOG_AVVIK referencing the original, an alert is raised at UNN, and the re-send reaches the right
municipality with a reference to the first."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from samhand import kith
from samhand.access.models import AccessLog
from samhand.dialogue.models import AvvikNotice, Misdirection
from samhand.dialogue.outbox import drain
from samhand.exchange.models import Event, MessageContent
from samhand.kith import dialog as dm
from samhand.monitoring.models import Alert

from msgfactory import readdress
from personas import BALSFJORD_CASE, TROMSO_CASE, UNN_MED_TROMSO, UNN_ORG

KLAR = "Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny.xml"


def misdirect(unn, balsfjord, work):
    """UNN sends the discharge-ready notice to Balsfjord instead of Tromsø; Balsfjord flags it."""
    xml = readdress(KLAR, sender=UNN_MED_TROMSO, receiver=BALSFJORD_CASE)
    response = unn.send(xml)
    assert response.status_code == 202, response.content
    sent_id = response.json()["id"]
    work()
    [entry] = [e for e in balsfjord.inbox(BALSFJORD_CASE) if e["type"] == "LOG_UTSKRIVNINGSKLAR"]
    assert balsfjord.document(entry["id"])  # readable before it is flagged
    assert balsfjord.post(f"/messages/{entry['id']}/apprec", {"status": "1"}).status_code == 202
    response = balsfjord.post(f"/messages/{entry['id']}/misdirected",
                              {"reason": "unknown-patient", "text": "Pasienten er ikke kjent i Balsfjord"})
    assert response.status_code == 202, response.content
    work()
    drain()
    return sent_id, entry, response.json()["id"], xml


@pytest.mark.django_db
def test_misdirected_discharge_notice_end_to_end(unn, balsfjord, tromso, work, schema_dir):
    sent_id, entry, avvik_id, original_xml = misdirect(unn, balsfjord, work)
    original_msg_id = kith.parse_msghead(kith.parse_xml(original_xml)).msg_id

    # Refused to the municipality from then on, with a problem saying why; the attempt is logged.
    before = AccessLog.objects.filter(actor="Profil Balsfjord", purpose__contains="refused").count()
    refused = balsfjord.get(f"/messages/{entry['id']}/business-document")
    assert refused.status_code == 410
    problem = refused.json()
    assert problem["code"] == "withdrawn" and "Ukjent pasient" in problem["detail"] and problem["title"] == "Gone"
    assert refused["Content-Type"] == "application/problem+json"
    assert AccessLog.objects.filter(actor="Profil Balsfjord", purpose__contains="refused").count() == before + 1
    assert entry["id"] not in [e["id"] for e in balsfjord.inbox(BALSFJORD_CASE)]
    assert balsfjord.post(f"/messages/{entry['id']}/misdirected", {"reason": "wrong-receiver"}).status_code == 409

    # UNN receives a schema-valid DIALOG_AVVIK referencing the original.
    [avvik_entry] = [e for e in unn.inbox(UNN_MED_TROMSO) if e["type"] == "DIALOG_AVVIK"]
    assert avvik_entry["originalMsgId"] == original_msg_id
    assert avvik_entry["senderHerId"] == BALSFJORD_CASE
    raw = unn.document(avvik_entry["id"])
    root = kith.parse_xml(raw)
    assert kith.SchemaSet(schema_dir).validate(root) == []
    head = kith.parse_msghead(root)
    assert head.msg_type == "DIALOG_AVVIK" and head.conversation_ref.ref_to_parent == original_msg_id
    assert head.patient is not None and head.patient.id  # HIS 1151 §4.2.1: patient from the original
    avvik = dm.dialog_of_msghead(root)
    assert avvik.kind == "avvik" and avvik.notes[0].theme_code.system == "8117"
    assert dm.avvik_reason(avvik) == "unknown-patient"
    # It gets its own AppRec like any message.
    assert unn.post(f"/messages/{avvik_entry['id']}/apprec", {"status": "1"}).status_code == 202
    work()
    assert balsfjord.status(avvik_id)["state"] == "acknowledged"

    # The sender side linked it to the original and alerted UNN's meldingsansvarlig.
    notice = AvvikNotice.objects.get(avvik__msg_id=head.msg_id)
    assert str(notice.original_id) == sent_id and notice.reason == "unknown-patient"
    alert = Alert.objects.get(kind="misdirected", organisation__her_id=UNN_ORG)
    assert alert.partner_her_id == BALSFJORD_CASE and alert.items.filter(message_id=sent_id).exists()
    from samhand.monitoring.watch import auto_resolve as monitoring_auto_resolve
    monitoring_auto_resolve()
    alert.refresh_from_db()
    assert alert.state == "open"  # not monitoring's to resolve
    published = Event.objects.filter(kind="misdirected", message_id=sent_id)
    assert published.count() == 1  # once per node, though both sides are here
    # The deviations app (when installed) opened its draft from the event: UNN is responsible.
    from django.apps import apps
    if apps.is_installed("samhand.deviations"):
        from samhand.deviations.models import Deviation
        draft = Deviation.objects.get(dedupe_key=f"misdirected:{sent_id}")
        assert draft.category == "misdirected" and draft.responsible.her_id == UNN_ORG

    # Re-send to the right municipality: a new message that refers to the first.
    resent = unn.post(f"/messages/{sent_id}/resend", {"receiverHerId": TROMSO_CASE})
    assert resent.status_code == 202, resent.content
    work()
    [arrived] = [e for e in tromso.inbox(TROMSO_CASE) if e["type"] == "LOG_UTSKRIVNINGSKLAR"]
    new_head = kith.parse_msghead(kith.parse_xml(tromso.document(arrived["id"])))
    assert new_head.msg_id != original_msg_id
    assert new_head.conversation_ref.ref_to_parent == original_msg_id
    assert new_head.receiver.her_id == TROMSO_CASE
    old_doc = kith.parse_msghead(kith.parse_xml(original_xml)).business_document
    from lxml import etree
    assert etree.tostring(new_head.business_document, method="c14n") == etree.tostring(old_doc, method="c14n")
    # Monitoring's auto-resolve leaves the alert alone; the re-send resolved it.
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_automatically
    # Not twice to the same place, and never for an unflagged message.
    assert unn.post(f"/messages/{sent_id}/resend", {"receiverHerId": BALSFJORD_CASE}).status_code == 409
    assert unn.post(f"/messages/{resent.json()['id']}/resend", {"receiverHerId": BALSFJORD_CASE}).status_code == 409


@pytest.mark.django_db
def test_only_the_receiver_marks_and_only_the_sender_resends(unn, balsfjord, tromso, outsider, work):
    xml = readdress(KLAR, sender=UNN_MED_TROMSO, receiver=BALSFJORD_CASE)
    sent_id = unn.send(xml).json()["id"]
    work()
    [entry] = balsfjord.inbox(BALSFJORD_CASE)
    for caller in (outsider, tromso, unn):
        assert caller.post(f"/messages/{entry['id']}/misdirected", {"reason": "wrong-receiver"}).status_code in (403, 404)
    assert unn.post(f"/messages/{sent_id}/misdirected", {"reason": "wrong-receiver"}).status_code == 404
    assert balsfjord.post(f"/messages/{entry['id']}/misdirected", {"reason": "nonsense"}).status_code == 400
    assert balsfjord.post(f"/messages/{entry['id']}/misdirected", {"reason": "wrong-receiver"}).status_code == 202
    work()
    drain()
    for caller in (outsider, tromso, balsfjord):
        assert caller.post(f"/messages/{sent_id}/resend", {"receiverHerId": TROMSO_CASE}).status_code in (403, 404)
    for caller in (outsider, tromso):
        assert caller.get("/dialogues", herId=BALSFJORD_CASE).status_code == 403
    assert outsider.get(f"/messages/{entry['id']}/business-document").status_code == 404


@pytest.mark.django_db
def test_e35_opens_the_resend_path(unn, balsfjord, tromso, work):
    sent_id = unn.send(readdress(KLAR, sender=UNN_MED_TROMSO, receiver=BALSFJORD_CASE)).json()["id"]
    work()
    assert unn.post(f"/messages/{sent_id}/resend", {"receiverHerId": TROMSO_CASE}).status_code == 409
    [entry] = balsfjord.inbox(BALSFJORD_CASE)
    assert balsfjord.post(f"/messages/{entry['id']}/apprec",
                          {"status": "2", "errors": [{"code": "E35", "text": "Ukjent"}]}).status_code == 202
    work()
    assert unn.post(f"/messages/{sent_id}/resend", {"receiverHerId": TROMSO_CASE}).status_code == 202
    work()
    assert [e["type"] for e in tromso.inbox(TROMSO_CASE)] == ["LOG_UTSKRIVNINGSKLAR"]


@pytest.mark.django_db
def test_retention_deletes_the_envelope_after_the_audit_period(unn, balsfjord, work, settings):
    settings.SAMHAND_MISDIRECTED_AUDIT_DAYS = 30
    sent_id, entry, _, _ = misdirect(unn, balsfjord, work)
    item = Misdirection.objects.get()
    from samhand.lib import clock
    from samhand.dialogue.misdirected import retention_step
    assert retention_step("t") == 0
    later = item.retain_until + timedelta(minutes=1)
    with mock.patch.object(clock, "now", return_value=later):
        assert retention_step("t") == 1
        assert retention_step("t") == 0
    item.refresh_from_db()
    assert item.purged_at == later and "re-encrypted without" in item.purge_note
    assert Event.objects.filter(kind="purged", message_id=sent_id).exists()
    # The sender (on this node) still reads its own record; the receiver's key opens nothing.
    assert unn.document(sent_id)
    from samhand.directory.services import party_by_her_id
    from samhand.exchange import protection
    from samhand import cms
    with pytest.raises(cms.CmsError):
        protection.open_protected(bytes(MessageContent.objects.get(message_id=sent_id).payload),
                                  reader=party_by_her_id(BALSFJORD_CASE), max_bytes=10**7)


@pytest.mark.django_db
def test_avvik_from_a_partner_node_is_linked_alerted_and_published(unn, work):
    """The receiver is on another node: its DIALOG_AVVIK arrives by transport. This node links it to
    the original, alerts UNN's meldingsansvarlig and publishes "misdirected" itself (nobody marked
    anything here)."""
    from samhand.dialogue.misdirected import build_avvik
    from samhand.directory.services import party_by_her_id
    from samhand.exchange.inbound import receive

    from msgfactory import protect_as

    xml = readdress(KLAR, sender=UNN_MED_TROMSO, receiver=BALSFJORD_CASE)
    sent_id = unn.send(xml).json()["id"]
    work()
    original = kith.parse_msghead(kith.parse_xml(xml))
    avvik_xml = build_avvik(original, party_by_her_id(BALSFJORD_CASE), reason="wrong-content", text="Feil skjema")
    result = receive(protect_as(avvik_xml, sender=BALSFJORD_CASE, receivers=(UNN_MED_TROMSO,)),
                     to_her_id=UNN_MED_TROMSO, transport_sender=BALSFJORD_CASE)
    assert result.accepted, result.reason
    drain()
    notice = AvvikNotice.objects.get(avvik=result.message)
    assert str(notice.original_id) == sent_id and notice.reason == "wrong-content"
    event = Event.objects.get(kind="misdirected", message_id=sent_id)
    assert event.data["reason"] == "wrong-content" and event.data["receiver_her_id"] == BALSFJORD_CASE
    assert Alert.objects.filter(kind="misdirected", organisation__her_id=UNN_ORG).exists()
    drain()  # at-least-once: handled again, nothing doubles
    assert AvvikNotice.objects.count() == 1 and Event.objects.filter(kind="misdirected").count() == 1
    [entry] = [e for e in unn.inbox(UNN_MED_TROMSO) if e["type"] == "DIALOG_AVVIK"]
    assert entry["originalMsgId"] == original.msg_id
    assert unn.post(f"/messages/{sent_id}/resend", {"receiverHerId": TROMSO_CASE}).status_code == 202
