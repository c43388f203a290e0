"""The privacy contact's services: patients' blocks, the review queue, the organisation's log.

Blocks are registered by the organisation that holds the record (issue 15 §3); reviews are
decided by its privacy contact (§6). Each change is logged in the access log as well.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from samhand.directory.models import Organisation
from samhand.exchange.errors import Refused

from . import door, rules
from .models import AccessLog, Decision, PatientBlock, ReviewItem
from .relations import organisation_side


def register_block(actor: door.Actor, holder: Organisation, *, patient_id: str, scope: str, hpr: str = "",
                   note: str = "") -> PatientBlock:
    patient_id = (patient_id or "").strip()
    if not (patient_id.isdigit() and len(patient_id) == 11):
        raise Refused("bad-request", "patientId must be an 11-digit national identity or D-number", status=400)
    if scope not in PatientBlock.Scope.values:
        raise Refused("bad-request", "scope must be organisation or practitioner", status=400)
    hpr = (hpr or "").strip()
    if scope == PatientBlock.Scope.PRACTITIONER and not rules.HPR.match(hpr):
        raise Refused("bad-request", "a block against named health personnel needs their HPR number", status=400)
    if scope == PatientBlock.Scope.ORGANISATION:
        hpr = ""
    with transaction.atomic():
        block = PatientBlock.objects.create(patient_id=patient_id, holder=holder, scope=scope, hpr=hpr,
                                            note=note[:300], registered_by=actor.name)
        door.record(AccessLog.Kind.BLOCK, actor, purpose="block-registered", patient_id=patient_id,
                    holder_her_id=holder.her_id, organisation_her_id=holder.her_id,
                    detail=f"block {block.pk}: {scope}{' ' + hpr if hpr else ''}")
    return block


def lift_block(actor: door.Actor, holder: Organisation, block_id: int) -> PatientBlock:
    with transaction.atomic():
        block = PatientBlock.objects.select_for_update().filter(pk=block_id, holder=holder).first()
        if block is None:
            raise Refused("not-found", "no such block", status=404)
        if block.lifted_at is None:
            block.lifted_at, block.lifted_by = timezone.now(), actor.name
            block.save(update_fields=["lifted_at", "lifted_by"])
            door.record(AccessLog.Kind.BLOCK, actor, purpose="block-lifted", patient_id=block.patient_id,
                        holder_her_id=holder.her_id, organisation_her_id=holder.her_id, detail=f"block {block.pk} lifted")
    return block


def blocks_for(holder: Organisation) -> QuerySet:
    return PatientBlock.objects.filter(holder=holder)


def review_queue(holder: Organisation, *, open_only: bool = False) -> QuerySet:
    qs = ReviewItem.objects.filter(holder=holder).select_related("decision")
    return qs.filter(status=ReviewItem.Status.OPEN) if open_only else qs


def decide_review(actor: door.Actor, holder: Organisation, item_id: int, *, status: str, note: str) -> ReviewItem:
    if status not in (ReviewItem.Status.JUSTIFIED, ReviewItem.Status.FOLLOW_UP):
        raise Refused("bad-request", "status must be justified or follow-up", status=400)
    if not note.strip():
        raise Refused("bad-request", "write what was found", status=400)
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().filter(pk=item_id, holder=holder).first()
        if item is None:
            raise Refused("not-found", "no such review item", status=404)
        item.status, item.note, item.decided_by, item.decided_at = status, note.strip(), actor.name, timezone.now()
        item.save(update_fields=["status", "note", "decided_by", "decided_at"])
    return item


def organisation_log(holder: Organisation) -> QuerySet:
    """The log rows about the organisation's data: reads of what it holds, by anyone (the broker),
    and its own members' reads of its own messages."""
    her_ids = sorted(organisation_side(holder.her_id).her_ids)
    return AccessLog.objects.filter(Q(holder_her_id=holder.her_id) | Q(holder_her_id="", organisation_her_id__in=her_ids))


REPORT_KINDS = (AccessLog.Kind.READ, AccessLog.Kind.SEARCH, AccessLog.Kind.LIST)


def patient_report(holder: Organisation, patient_id: str) -> list[AccessLog]:
    """Who read the patient's data held by the organisation: reads, searches and lists, oldest first."""
    return list(organisation_log(holder).filter(patient_id=patient_id, kind__in=REPORT_KINDS).order_by("seq"))


def report_json(holder: Organisation, patient_id: str, rows: list[AccessLog]) -> dict:
    decisions = {d.ref: d for d in Decision.objects.filter(ref__in={r.decision_ref for r in rows if r.decision_ref})}
    names = dict(Organisation.objects.values_list("her_id", "name"))
    from samhand.directory.models import CommunicationParty

    orgs = dict(CommunicationParty.objects.values_list("her_id", "organisation__her_id"))
    out = []
    for r in rows:
        org = orgs.get(r.organisation_her_id, r.organisation_her_id)
        decision = decisions.get(r.decision_ref)
        out.append({
            "at": r.at.isoformat(), "kind": r.kind, "who": r.actor_name or r.actor, "hpr": r.actor_hpr or None,
            "role": r.actor_role or None, "organisation": names.get(org, org), "organisationHerId": org,
            "documents": [str(r.message_id)] if r.message_id else list(r.documents), "purpose": r.purpose,
            "decisionRef": r.decision_ref or None, "emergency": bool(decision and decision.emergency),
        })
    return {"patientId": patient_id, "holder": holder.name, "holderHerId": holder.her_id,
            "generatedAt": timezone.now().isoformat(), "accesses": out}


def log_export(actor: door.Actor, holder: Organisation, patient_id: str, what: str) -> None:
    door.record(AccessLog.Kind.EXPORT, actor, purpose=what, patient_id=patient_id, holder_her_id="",
                organisation_her_id=holder.her_id, detail=f"{what} for {holder.her_id}")
