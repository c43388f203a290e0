"""FHIR R5 views of the access records (fhir.resources validates every resource it builds):

- ``audit_event``: one access-log row as an AuditEvent following IHE Basic Audit Log Patterns
  (BALP): reads as the "Read" pattern (code restful-interaction#read, action R), searches and
  lists as "Query" (code restful-interaction#search-type, action E), broker requests and
  decisions as "Query" with the decision reference as entity; purposeOfUse in ``authorization``.
- ``consent``: a patient block as Consent with decision "deny".
- ``document_reference`` / ``searchset``: the documents in scope (IHE MHD-like).
"""

from __future__ import annotations

from fhir.resources.auditevent import AuditEvent
from fhir.resources.bundle import Bundle
from fhir.resources.consent import Consent
from fhir.resources.documentreference import DocumentReference

from .models import AccessLog, PatientBlock
from .sources import PATIENT_SYSTEM, DocumentInfo

HPR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.4"
HER_SYSTEM = "urn:oid:2.16.578.1.12.4.1.2"
EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
INTERACTION = "http://hl7.org/fhir/restful-interaction"
PURPOSE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
# The broker's purposes as HL7 PurposeOfUse; other reads (the node's own users and systems) are
# operational work with their own organisation's messages.
PURPOSE_OF_USE = {"TREAT": "TREAT", "COORD": "COC", "EMERGENCY": "ETREAT"}
AGENT_ROLE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
BINARY_BASE = "urn:samhand:message:"


def _patient(patient_id: str) -> dict:
    return {"identifier": {"system": PATIENT_SYSTEM, "value": patient_id}}


def audit_event(row: AccessLog) -> AuditEvent:
    query = row.kind != AccessLog.Kind.READ
    code = "search-type" if query else "read"
    agents = [{
        "type": {"coding": [{"system": AGENT_ROLE, "code": "IRCP", "display": "information recipient"}]},
        "who": ({"identifier": {"system": HPR_SYSTEM, "value": row.actor_hpr}, "display": row.actor_name or row.actor}
                if row.actor_hpr else {"display": f"{row.actor_kind}:{row.actor}"}),
        "requestor": True,
        "role": [{"text": row.actor_role}] if row.actor_role else None,
    }]
    if row.organisation_her_id:
        agents.append({"type": {"coding": [{"system": AGENT_ROLE, "code": "PRCP", "display": "primary information recipient"}]},
                       "who": {"identifier": {"system": HER_SYSTEM, "value": row.organisation_her_id}},
                       "requestor": False})
    entities = []
    if row.patient_id:
        entities.append({"what": _patient(row.patient_id), "role": {"coding": [{"system": OBJECT_ROLE, "code": "1",
                                                                                  "display": "Patient"}]}})
    documents = [str(row.message_id)] if row.message_id else [str(d) for d in row.documents]
    for doc in documents:
        entities.append({"what": {"identifier": {"system": "urn:samhand:document", "value": doc}},
                         "role": {"coding": [{"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"}]}})
    if row.decision_ref:
        entities.append({"what": {"identifier": {"system": "urn:samhand:access-decision", "value": row.decision_ref}},
                         "role": {"coding": [{"system": OBJECT_ROLE, "code": "24", "display": "Query"}]},
                         "detail": [{"type": {"text": "kind"}, "valueString": row.kind}]})
    purpose = PURPOSE_OF_USE.get(row.purpose)
    data = {
        "id": f"samhand-access-{row.seq}",
        "category": [{"coding": [{"system": EVENT_TYPE, "code": "rest", "display": "RESTful Operation"}]}],
        "code": {"coding": [{"system": INTERACTION, "code": code}], "text": f"{row.kind} ({row.purpose})"},
        "action": "E" if query else "R",
        "recorded": row.at.isoformat(),
        "outcome": {"code": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-outcome", "code": "0"}},
        "agent": agents,
        "source": {"observer": {"display": "samhand"},
                   "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                                         "code": "4", "display": "Application Server"}]}]},
        "entity": entities or None,
        "authorization": ([{"coding": [{"system": PURPOSE_SYSTEM, "code": purpose}]}] if purpose
                          else [{"text": row.purpose}]),
    }
    if row.patient_id:
        data["patient"] = _patient(row.patient_id)
    return AuditEvent.model_validate(_prune(data))


def consent(block: PatientBlock) -> Consent:
    provision = {}
    if block.scope == PatientBlock.Scope.PRACTITIONER:
        provision["actor"] = [{"reference": {"identifier": {"system": HPR_SYSTEM, "value": block.hpr}}}]
    data = {
        "id": f"samhand-block-{block.pk}",
        "status": "inactive" if block.lifted_at else "active",
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
        "subject": _patient(block.patient_id),
        "date": block.created_at.date().isoformat(),
        "controller": [{"identifier": {"system": HER_SYSTEM, "value": block.holder.her_id}, "display": block.holder.name}],
        "decision": "deny",
        "provision": [provision] if provision else None,
    }
    return Consent.model_validate(_prune(data))


def document_reference(doc: DocumentInfo, url: str) -> DocumentReference:
    data = {
        "id": doc.id,
        "status": "current",
        "type": {"coding": [{"system": "urn:oid:2.16.578.1.12.4.1.1.8279", "code": doc.type}]},
        "date": doc.date.isoformat(),
        "custodian": {"identifier": {"system": HER_SYSTEM, "value": doc.holder}},
        "content": [{"attachment": {"contentType": "application/xml", "url": url}}],
    }
    return DocumentReference.model_validate(data)


def searchset(resources) -> Bundle:
    resources = list(resources)
    return Bundle.model_validate({"type": "searchset", "total": len(resources),
                                  "entry": [{"resource": r} for r in resources]})


def _prune(value):
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value
