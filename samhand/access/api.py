"""The access broker's API (issue 15), for an EPR acting for a named clinician, and for the
holder's privacy work. Mounted under /api/v1 by samhand.api.views (router "access")."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from samhand.lib.problems import PROBLEMS
from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.errors import Refused

from . import broker, door, fhir, privacy, sources
from .models import Decision, PatientBlock

# The EPR's routes, under the key's "messages" scope (the API's default), and the holder's privacy
# work, under "privacy": samhand.api mounts privacy_router with an auth that asks for that scope.
router = Router(tags=["access"])
privacy_router = Router(tags=["access"])


class Practitioner(Schema):
    hpr: str = Field(..., description="HPR number of the clinician the EPR acts for")
    name: str
    role: str = Field(..., description="profession, e.g. sykepleier, lege")


class AccessRequestIn(Schema):
    patientId: str
    holderHerId: str = Field(..., description="the organisation or service whose documents are asked for")
    purpose: Literal["TREAT", "COORD", "EMERGENCY"]
    practitioner: Practitioner
    reason: str | None = Field(None, description="required for EMERGENCY")


class DocumentOut(Schema):
    id: str
    type: str
    date: datetime
    holder: str


class DecisionOut(Schema):
    decision: Literal["permit", "deny", "emergency-only"]
    decisionRef: str
    reason: str
    rule: str
    expiresAt: datetime | None = None
    documents: list[DocumentOut]


class AccessDocumentOut(Schema):
    id: str
    type: str
    date: datetime
    holder: str
    decisionRef: str
    businessDocument: str = Field(..., description="base64 of the XML document")


class BlockIn(Schema):
    patientId: str
    scope: Literal["organisation", "practitioner"]
    hpr: str | None = None
    note: str | None = None


class BlockOut(Schema):
    id: int
    patientId: str
    scope: str
    hpr: str | None
    holderHerId: str
    createdAt: datetime
    active: bool


def _organisation(client) -> Organisation:
    """The one organisation a key acts for (its parties' organisation)."""
    org_ids = set(CommunicationParty.objects.filter(her_id__in=client.her_ids()).values_list("organisation_id", flat=True))
    if len(org_ids) != 1:
        raise Refused("forbidden", "this key does not act for exactly one organisation", status=403)
    return Organisation.objects.get(pk=org_ids.pop())


def _decision_out(decision: Decision) -> DecisionOut:
    docs = {str(d.id): d for d in (sources.documents_in_scope(decision.patient_id,
                                                              door_side(decision)) if decision.document_ids else [])}
    return DecisionOut(decision=decision.outcome, decisionRef=decision.ref, reason=decision.explanation,
                       rule=decision.rule, expiresAt=decision.expires_at,
                       documents=[DocumentOut(id=d.id, type=d.type, date=d.date, holder=d.holder)
                                  for i in decision.document_ids if (d := docs.get(i)) is not None])


def door_side(decision: Decision):
    from .relations import organisation_side

    return organisation_side(decision.holder_org_her_id)


@router.post("/access/requests", response={200: DecisionOut, **PROBLEMS},
             summary="Ask for another organisation's documents about a patient (logged, decided by rule)")
def post_request(request, body: AccessRequestIn):
    client = request.api_client
    org = _organisation(client)
    actor = door.client_actor(client, body.practitioner.dict())
    actor = door.Actor(actor.kind, actor.name, actor.clinician, actor.hpr, actor.role, org.her_id)
    decision = broker.request_access(actor, requester_org_her_id=org.her_id, requester_her_ids=client.her_ids(),
                                     patient_id=body.patientId, holder_her_id=body.holderHerId,
                                     purpose=body.purpose, reason=body.reason or "")
    return 200, _decision_out(decision)


@router.get("/access/documents/{id}", response={200: AccessDocumentOut, **PROBLEMS},
            summary="One document in scope of a permitting decision (the read is logged against it)")
def get_document(request, id: UUID, decisionRef: str = Query(...)):
    client = request.api_client
    decision = broker.decision_for(decisionRef, door.Actor("api-client", client.system))
    actor = door.Actor("api-client", client.system, decision.practitioner_name, decision.practitioner_hpr,
                       decision.practitioner_role)
    message, raw = broker.read_document(actor, decision_ref=decisionRef, document_id=str(id))
    holder = message.sender_her_id if message.sender_her_id in door_side(decision).her_ids else message.receiver_her_id
    return 200, AccessDocumentOut(id=str(message.pk), type=message.msg_type, date=message.gen_date or message.created_at,
                                  holder=holder, decisionRef=decision.ref,
                                  businessDocument=base64.b64encode(raw).decode("ascii"))


@router.get("/access/fhir/DocumentReference", response={200: dict, **PROBLEMS},
            openapi_extra={"responses": {200: {"content": {"application/json": {"example": {"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": [{"resource": {"resourceType": "DocumentReference", "status": "current", "type": {"text": "UTSKRIVNINGSRAPPORT"}, "subject": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "13116900216"}}}}]}}}}}},
            summary="FHIR DocumentReference search (searchset) over the documents of a permitting decision")
def search_document_references(request, decisionRef: str = Query(...)):
    client = request.api_client
    decision = broker.decision_for(decisionRef, door.Actor("api-client", client.system))
    if not decision.permits():
        raise Refused("forbidden", "the decision does not permit access (denied or expired)", status=403)
    docs = [d for d in sources.documents_in_scope(decision.patient_id, door_side(decision))
            if d.id in decision.document_ids]
    door.record(door.Kind.SEARCH, door.Actor("api-client", client.system, decision.practitioner_name,
                                              decision.practitioner_hpr, decision.practitioner_role),
                purpose=decision.purpose, patient_id=decision.patient_id, documents=[d.id for d in docs],
                organisation_her_id=decision.requester_org_her_id, holder_her_id=decision.holder_org_her_id,
                decision_ref=decision.ref, detail="FHIR DocumentReference search")
    base = request.build_absolute_uri("/api/v1/access/documents/")
    bundle = fhir.searchset(fhir.document_reference(d, f"{base}{d.id}?decisionRef={decision.ref}") for d in docs)
    return HttpResponse(bundle.model_dump_json(), content_type="application/fhir+json")


@privacy_router.get("/access/report", response={200: dict, **PROBLEMS},
            openapi_extra={"responses": {200: {"content": {"application/json": {"example": {"patientId": "13116900216", "reads": [{"at": "2026-11-30T09:12:00+01:00", "who": "Kari Nordmann", "hpr": "9144889", "organisation": "Tromsø kommune", "purpose": "TREAT", "documents": ["UTSKRIVNINGSRAPPORT 2026-11-29"], "decisionRef": "AD-3F2B9C1E8A4D4E57"}]}}}}}},
            summary="The patient's access report: who read what the key's organisation holds (privacy scope)")
def get_report(request, patientId: str = Query(...), format: Literal["json", "pdf"] = "json"):
    client = request.api_client
    org = _organisation(client)
    rows = privacy.patient_report(org, patientId)
    actor = door.client_actor(client)
    privacy.log_export(actor, org, patientId, f"access-report-{format}")
    report = privacy.report_json(org, patientId, rows)
    if format == "pdf":
        from .report import report_pdf

        response = HttpResponse(report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="tilgangsrapport-{org.her_id}.pdf"'
        return response
    return 200, report


@privacy_router.get("/access/audit", response={200: dict, **PROBLEMS},
            openapi_extra={"responses": {200: {"content": {"application/json": {"example": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "AuditEvent", "category": [{"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110", "display": "Patient Record"}]}], "action": "R", "recorded": "2026-11-30T09:12:00+01:00"}}]}}}}}},
            summary="The organisation's access log for a patient as a FHIR Bundle of AuditEvent (privacy scope)")
def get_audit(request, patientId: str = Query(...)):
    client = request.api_client
    org = _organisation(client)
    rows = list(privacy.organisation_log(org).filter(patient_id=patientId).order_by("seq"))  # before this export's row
    privacy.log_export(door.client_actor(client), org, patientId, "audit-export")
    bundle = fhir.searchset(fhir.audit_event(r) for r in rows)
    return HttpResponse(bundle.model_dump_json(), content_type="application/fhir+json")


def _block_out(block: PatientBlock) -> BlockOut:
    return BlockOut(id=block.pk, patientId=block.patient_id, scope=block.scope, hpr=block.hpr or None,
                    holderHerId=block.holder.her_id, createdAt=block.created_at, active=block.lifted_at is None)


@privacy_router.post("/access/blocks", response={201: BlockOut, **PROBLEMS},
             summary="Register a patient's block on the record the key's organisation holds (privacy scope)")
def post_block(request, body: BlockIn):
    client = request.api_client
    org = _organisation(client)
    block = privacy.register_block(door.client_actor(client), org, patient_id=body.patientId, scope=body.scope,
                                   hpr=body.hpr or "", note=body.note or "")
    return 201, _block_out(block)


@privacy_router.get("/access/blocks", response={200: list[BlockOut], **PROBLEMS},
            summary="The organisation's registered blocks (privacy scope)")
def list_blocks(request, patientId: str | None = None):
    client = request.api_client
    qs = privacy.blocks_for(_organisation(client)).select_related("holder")
    if patientId:
        qs = qs.filter(patient_id=patientId)
    return 200, [_block_out(b) for b in qs[:500]]


@privacy_router.get("/access/blocks/{id}/consent", response={200: dict, **PROBLEMS},
            openapi_extra={"responses": {200: {"content": {"application/json": {"example": {"resourceType": "Consent", "status": "active", "decision": "deny", "subject": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "13116900216"}}}}}}}},
            summary="A block as FHIR Consent (decision deny)")
def block_consent(request, id: int):
    client = request.api_client
    block = privacy.blocks_for(_organisation(client)).select_related("holder").filter(pk=id).first()
    if block is None:
        raise Refused("not-found", "no such block", status=404)
    return HttpResponse(fhir.consent(block).model_dump_json(), content_type="application/fhir+json")


