"""FHIR views validate with fhir.resources: the log as AuditEvent (BALP read/query patterns),
blocks as Consent (deny), and samhand's DocumentReference search read back through the
document-source interface a partner's record system would plug into."""

from __future__ import annotations

import json

from fhir.resources.auditevent import AuditEvent
from fhir.resources.bundle import Bundle
from fhir.resources.consent import Consent

from personas import UNN_MED_TROMSO
from samhand.access import relations
from samhand.access.sources import FhirDocumentReferenceSource

from accesspeople import HARSTAD_NURSE, PATIENT, TROMSO_NURSE


def _request(caller, nurse, purpose="TREAT", reason=None):
    body = {"patientId": PATIENT, "holderHerId": UNN_MED_TROMSO, "purpose": purpose, "practitioner": nurse}
    if reason:
        body["reason"] = reason
    return caller.post("/access/requests", body).json()


def test_audit_event_export_validates(ward, tromso, harstad, unn_privacy):
    permit = _request(tromso, TROMSO_NURSE)
    summary = permit["documents"][0]["id"]
    assert tromso.get(f"/access/documents/{summary}", decisionRef=permit["decisionRef"]).status_code == 200
    emergency = _request(harstad, HARSTAD_NURSE, "EMERGENCY", "Akutt innlagt, trenger utskrivningsrapport")
    assert harstad.get(f"/access/documents/{summary}", decisionRef=emergency["decisionRef"]).status_code == 200

    response = unn_privacy.get("/access/audit", patientId=PATIENT)
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate(json.loads(response.content))
    events = [AuditEvent.model_validate(e.resource.model_dump()) for e in bundle.entry]
    reads = [e for e in events if e.action == "R"]
    queries = [e for e in events if e.action == "E"]
    assert len(reads) == 2 and len(queries) == 4  # 2 requests + 2 decisions
    assert {e.code.coding[0].code for e in reads} == {"read"}
    assert {e.code.coding[0].code for e in queries} == {"search-type"}
    purposes = [e.authorization[0].coding[0].code for e in reads]
    assert purposes == ["TREAT", "ETREAT"]
    first = reads[0]
    assert first.agent[0].who.identifier.value == TROMSO_NURSE["hpr"] and first.agent[0].requestor
    assert first.patient.identifier.value == PATIENT
    whats = [ent.what.identifier.value for ent in first.entity]
    assert summary in whats and permit["decisionRef"] in whats
    # The export is itself logged (and not part of the patient's report).
    assert unn_privacy.get("/access/report", patientId=PATIENT).json()["accesses"][-1]["purpose"] == "EMERGENCY"


def test_blocks_export_as_fhir_consent_deny(ward, unn_privacy):
    block = unn_privacy.post("/access/blocks", {"patientId": PATIENT, "scope": "practitioner",
                                                "hpr": HARSTAD_NURSE["hpr"]}).json()
    response = unn_privacy.get(f"/access/blocks/{block['id']}/consent")
    assert response.status_code == 200
    consent = Consent.model_validate(json.loads(response.content))
    assert consent.decision == "deny" and consent.status == "active"
    assert consent.subject.identifier.value == PATIENT
    assert consent.provision[0].actor[0].reference.identifier.value == HARSTAD_NURSE["hpr"]
    listed = unn_privacy.get("/access/blocks", patientId=PATIENT).json()
    assert [b["id"] for b in listed] == [block["id"]]


def test_document_reference_search_through_the_source_interface(ward, tromso):
    permit = _request(tromso, TROMSO_NURSE)

    def get(url: str) -> str:
        # The partner-source client speaking to samhand's own endpoint (with the decision reference).
        path = url.split("/api/v1", 1)[1]
        response = tromso.client.get(f"/api/v1{path}&decisionRef={permit['decisionRef']}",
                                     HTTP_AUTHORIZATION=f"Bearer {tromso.key}")
        assert response.status_code == 200, response.content
        return response.content.decode()

    source = FhirDocumentReferenceSource("http://testserver/api/v1/access/fhir", get)
    found = source.search(PATIENT, relations.organisation_side("8100000"), ["UTSKRIVNINGSRAPPORT"])
    assert [(d.id, d.type) for d in found] == [(permit["documents"][0]["id"], "UTSKRIVNINGSRAPPORT")]
    assert found[0].url.endswith(f"/api/v1/access/documents/{found[0].id}?decisionRef={permit['decisionRef']}")
    assert source.search(PATIENT, relations.organisation_side("8100000"), ["EPIKRISE"]) == []
