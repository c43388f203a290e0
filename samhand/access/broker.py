"""The access broker (issue 15): a clinician asks for another organisation's documents about a
patient with a purpose; the rules decide; the decision is recorded with a reference, logged,
and — for emergencies and odd patterns — put on the holder's review queue.

``request_access`` and ``read_document`` are the two services; portal, API and tests call them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from samhand import kith
from samhand.exchange.errors import Refused
from samhand.exchange.models import Delivery, Message

from . import door, relations, rules, sources
from .models import AccessLog, Decision, PatientBlock, ReviewItem

log = logging.getLogger(__name__)
Kind = AccessLog.Kind
NATIONAL_ID_LENGTH = 11


def active_blocks(patient_id: str, holder_org_her_id: str):
    return PatientBlock.objects.filter(patient_id=patient_id, holder__her_id=holder_org_her_id, lifted_at__isnull=True)


def is_blocked(patient_id: str, holder_org_her_id: str, hpr: str) -> bool:
    blocks = active_blocks(patient_id, holder_org_her_id)
    return any(b.scope == PatientBlock.Scope.ORGANISATION or (hpr and b.hpr == hpr) for b in blocks)


def request_access(actor: door.Actor, *, requester_org_her_id: str, requester_her_ids, patient_id: str,
                   holder_her_id: str, purpose: str, reason: str = "") -> Decision:
    """Decide, record the decision with its reference, log request and decision, queue reviews."""
    patient_id = (patient_id or "").strip()
    if not (patient_id.isdigit() and len(patient_id) == NATIONAL_ID_LENGTH):
        raise Refused("bad-request", "patientId must be an 11-digit national identity or D-number", status=400)
    purpose = (purpose or "").strip().upper()
    holder = relations.side(holder_her_id)
    requester = relations.organisation_side(requester_org_her_id)
    relation = relations.find(patient_id, requester, holder) if holder else ""
    facts = rules.Facts(
        purpose=purpose, role=actor.role, hpr=actor.hpr, reason=reason or "", holder_known=holder is not None,
        same_organisation=holder is not None and holder.organisation_her_id == requester_org_her_id,
        care_relation=bool(relation),
        blocked=holder is not None and is_blocked(patient_id, holder.organisation_her_id, actor.hpr))
    outcome = rules.decide(facts)
    now = timezone.now()
    documents = (sources.documents_in_scope(patient_id, holder) if outcome.outcome == rules.PERMIT else [])
    minutes = settings.SAMHAND_ACCESS_EMERGENCY_MINUTES if outcome.emergency else settings.SAMHAND_ACCESS_PERMIT_MINUTES
    with transaction.atomic():
        decision = Decision.objects.create(
            at=now, actor_kind=actor.kind, actor=actor.name, practitioner_name=actor.clinician,
            practitioner_hpr=actor.hpr, practitioner_role=actor.role, requester_org_her_id=requester_org_her_id,
            requester_her_ids=sorted(requester_her_ids), patient_id=patient_id, holder_her_id=holder_her_id,
            holder_org_her_id=holder.organisation_her_id if holder else "", purpose=purpose[:12], reason=reason or "",
            outcome=outcome.outcome, rule=outcome.rule, explanation=outcome.explanation, relation=relation,
            emergency=outcome.emergency,
            expires_at=now + timedelta(minutes=minutes) if outcome.outcome == rules.PERMIT else None,
            document_ids=[d.id for d in documents])
        holder_org = decision.holder_org_her_id
        common = {"patient_id": patient_id, "holder_her_id": holder_org, "decision_ref": decision.ref,
                  "organisation_her_id": requester_org_her_id, "purpose": purpose[:100], **actor.fields()}
        door.log.append_many([
            {"kind": Kind.REQUEST, "detail": f"asked for {holder_her_id}; reason: {reason}".strip(), **common},
            {"kind": Kind.DECISION, "documents": decision.document_ids,
             "detail": f"{outcome.outcome} ({outcome.rule}){'; relation: ' + relation if relation else ''}", **common},
        ])
        if decision.outcome == rules.PERMIT and holder_org:
            _queue_reviews(decision)
    return decision


def _queue_reviews(decision: Decision) -> None:
    from samhand.directory.models import Organisation

    holder = Organisation.objects.get(her_id=decision.holder_org_her_id)
    reasons = []
    if decision.emergency:
        reasons.append(ReviewItem.Reason.EMERGENCY)
        if not decision.relation:
            reasons.append(ReviewItem.Reason.NO_RELATION)
    since = decision.at - timedelta(days=1)
    volume = Decision.objects.filter(actor_kind=decision.actor_kind, actor=decision.actor,
                                     practitioner_hpr=decision.practitioner_hpr, at__gte=since).count()
    if volume > settings.SAMHAND_ACCESS_VOLUME_PER_DAY:
        reasons.append(ReviewItem.Reason.VOLUME)
    for reason in reasons:
        ReviewItem.objects.get_or_create(decision=decision, reason=reason, defaults={"holder": holder})
    if decision.emergency:
        transaction.on_commit(lambda: alert_privacy_contact(decision, holder))


def privacy_contacts(holder) -> list[str]:
    """The holder's privacy contacts (members with the personvern role and an e-mail address);
    the meldingsansvarlig when none is registered, so an emergency alert always reaches someone."""
    from samhand.accounts.models import Membership

    emails = sorted({m.user.email for m in Membership.objects.select_related("user").filter(
        organisation=holder, role=Membership.Role.PERSONVERN, user__is_active=True) if m.user.email})
    return emails or ([holder.ma_email] if holder.ma_email else [])


def alert_privacy_contact(decision: Decision, holder) -> None:
    # No patient identity in the e-mail: the privacy contact opens the review queue to see it.
    recipients = privacy_contacts(holder)
    if not recipients:
        log.warning("emergency access %s: no privacy contact or meldingsansvarlig e-mail for %s",
                    decision.ref, holder.her_id)
        return
    subject = f"[samhand] Nødtilgang til journaldokumenter ({decision.ref})"
    body = (f"Nødtilgang er gitt til dokumenter {holder.name} har om en pasient.\n\n"
            f"Referanse: {decision.ref}\nTidspunkt: {timezone.localtime(decision.at):%d.%m.%Y %H:%M}\n"
            f"Helsepersonell: {decision.practitioner_name or decision.actor} (HPR {decision.practitioner_hpr}, "
            f"{decision.practitioner_role}) fra {decision.requester_org_her_id}\n"
            f"Begrunnelse: {decision.reason}\n\nTilgangen står i kontrollkøen: {settings.PUBLIC_URL}/personvern/\n")
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def decision_for(ref: str, actor: door.Actor) -> Decision:
    """The decision, if it was made for this requester; NotFound-as-403 otherwise."""
    decision = Decision.objects.filter(ref=ref, actor_kind=actor.kind, actor=actor.name).first()
    if decision is None:
        raise Refused("forbidden", "no decision with that reference for you", status=403)
    return decision


def read_document(actor: door.Actor, *, decision_ref: str, document_id: str) -> tuple[Message, bytes]:
    """One document in scope of a permitting, unexpired decision, read through the door (logged
    against the decision). Blocks registered after the decision are honoured (except emergency)."""
    decision = decision_for(decision_ref, actor)
    if not decision.permits():
        raise Refused("forbidden", "the decision does not permit access (denied or expired)", status=403)
    if str(document_id) not in decision.document_ids:
        raise Refused("forbidden", "the document is not in the decision's scope", status=403)
    if not decision.emergency and is_blocked(decision.patient_id, decision.holder_org_her_id, decision.practitioner_hpr):
        raise Refused("blocked", "the patient has blocked access (sperret)", status=403)
    message = Message.objects.select_related("content").get(pk=document_id)
    holder = relations.organisation_side(decision.holder_org_her_id)
    reader = _holder_party(message, holder.her_ids)
    raw = door.read_content(door.MessageView(message, None, "holder"), actor=door.Actor(
        actor.kind, actor.name, actor.clinician, actor.hpr, actor.role, decision.requester_org_her_id),
        purpose=decision.purpose, reader_her_id=reader, decision_ref=decision.ref,
        holder_her_id=decision.holder_org_her_id, on_behalf_of=decision.requester_org_her_id)
    _name_heuristics(decision, actor, raw)
    return message, raw


def _holder_party(message: Message, holder_her_ids) -> str:
    """Decrypt as the holder's own party on the message: sender, receiver or copy receiver."""
    if message.sender_her_id in holder_her_ids:
        return message.sender_her_id
    if message.receiver_her_id in holder_her_ids:
        return message.receiver_her_id
    copy = Delivery.objects.filter(message=message, her_id__in=sorted(holder_her_ids)).values_list("her_id", flat=True)
    return next(iter(copy), message.receiver_her_id)


def _name_heuristics(decision: Decision, actor: door.Actor, raw: bytes) -> None:
    """Own record or namesake: the reader's name against the patient's in the document."""
    reader = (actor.clinician or "").strip().lower().split()
    if len(reader) < 2:
        return
    try:
        patient = kith.parse_msghead(kith.parse_xml(raw)).patient
    except kith.KithError:
        return
    if patient is None:
        return
    names = [n for n in (patient.given_name, patient.middle_name, patient.family_name) if n]
    full = " ".join(names).lower().split()
    reason = None
    if full and full == reader:
        reason = ReviewItem.Reason.OWN_RECORD
    elif patient.family_name and patient.family_name.lower() == reader[-1]:
        reason = ReviewItem.Reason.NAMESAKE
    if reason is not None:
        from samhand.directory.models import Organisation

        holder = Organisation.objects.get(her_id=decision.holder_org_her_id)
        ReviewItem.objects.get_or_create(decision=decision, reason=reason, defaults={"holder": holder})
