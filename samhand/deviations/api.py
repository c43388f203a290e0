"""REST endpoints for deviations, mounted under /api/v1 (EPR and quality systems).

An API key acts for the one organisation its parties belong to; it sees the cases that
organisation reported or is responsible for (drafts: only its own), and anything else is 404.
A key that acts for no party (or for several organisations) gets 403 everywhere.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse, JsonResponse
from ninja import Query, Router

from samhand.lib.problems import PROBLEMS
from samhand.exchange.errors import Refused

from . import actors, breach, patients, services
from .models import Deviation, State
from .schemas import (BreachIn, BreachOut, CloseIn, Created, DeviationIn, DeviationItem, DeviationOut, EntryOut, LinkOut,
                      ReasonIn, TextIn)

router = Router(tags=["deviations"])
STATES = {s.value for s in State}


def _actor(request) -> actors.Actor:
    return actors.for_client(request.api_client)


def item(d: Deviation) -> dict:
    return {"id": d.pk, "state": d.state, "category": d.category, "title": d.title, "deadline": d.deadline,
            "reporterOrganisation": d.reporter.name, "responsibleOrganisation": d.responsible.name,
            "automatic": d.automatic, "possibleBreach": d.possible_breach}


def _link_id(link) -> str:
    return str(link.message_id or link.episode_id or link.alert_id or link.downtime_id)


def detail(actor: actors.Actor, d: Deviation) -> DeviationOut:
    entries = services.timeline(actor, d)
    return DeviationOut(
        **item(d), description=d.description, severity=d.severity, occurredAt=d.occurred_at,
        discoveredAt=d.discovered_at, patientConsequence=d.patient_consequence,
        immediateMeasures=d.immediate_measures, reporterHerId=d.reporter.her_id,
        responsibleHerId=d.responsible_her_id or d.responsible.her_id, reportedBy=d.reported_by,
        handler=d.handler_name, routedToDisputeBody=d.routed_to_dispute_body, side=actors.side_of(actor, d),
        answer=d.answer, cause=d.cause, measures=d.measures, procedureChangeNeeded=d.procedure_change_needed,
        rejectedReason=d.rejected_reason,
        links=[LinkOut(kind=link.kind, id=_link_id(link)) for link in d.links.all()],
        patientIds=patients.patient_ids(actor, d, purpose="deviation-api"),
        breach=BreachOut(deadline=breach.deadline(d), hoursLeft=breach.hours_left(d)) if d.possible_breach else None,
        timeline=[EntryOut(at=e.at, kind=e.kind, text=e.text, actor=e.actor,
                           organisation=e.organisation.name if e.organisation_id else None, internal=e.internal)
                  for e in entries])


@router.post("/deviations", response={201: Created, **PROBLEMS},
             summary="Report a deviation about another organisation (registered and sent to its handler)")
def report(request, body: DeviationIn):
    actor = _actor(request)
    d = services.report(actor, services.Report(
        category=body.category, title=body.title, description=body.description, occurred_at=body.occurredAt,
        discovered_at=body.discoveredAt, severity=body.severity, responsible_her_id=body.responsibleHerId,
        patient_consequence=body.patientConsequence, immediate_measures=body.immediateMeasures,
        possible_breach=body.possibleBreach, message_ids=body.messageIds, episode_ids=body.episodeIds,
        alert_ids=body.alertIds, downtime_ids=body.downtimeIds))
    return 201, {"id": d.pk, "state": d.state, "deadline": d.deadline}


@router.get("/deviations", response={200: list[DeviationItem], **PROBLEMS},
            summary="The organisation's deviations, as reporter or as responsible party")
def list_deviations(request, side: str = Query("", description="reporter or responsible (default: both)"),
                    state: str = Query("", description="draft, registered, sent, in-treatment, answered, closed, "
                                                       "rejected")):
    actor = _actor(request)
    found = actors.visible(actor)
    if side == "reporter":
        found = found.filter(reporter=actor.organisation)
    elif side == "responsible":
        found = found.filter(responsible=actor.organisation)
    elif side:
        raise Refused("bad-request", "side is reporter or responsible", status=400)
    if state:
        if state not in STATES:
            raise Refused("bad-request", f"state must be one of {', '.join(sorted(STATES))}", status=400)
        found = found.filter(state=state)
    return 200, [item(d) for d in found.order_by("deadline", "-created_at")[:500]]


@router.get("/deviations/{id}", response={200: DeviationOut, **PROBLEMS},
            summary="One case with its timeline (the responsible side's first read puts it under treatment)")
def get_deviation(request, id: UUID):
    actor = _actor(request)
    d = services.take(actor, actors.case_for(actor, id))
    return 200, detail(actor, d)


@router.post("/deviations/{id}/confirm", response={200: Created, **PROBLEMS},
             summary="Confirm an automatic draft: it is registered and sent")
def confirm(request, id: UUID):
    actor = _actor(request)
    d = services.confirm(actor, actors.case_for(actor, id))
    return 200, {"id": d.pk, "state": d.state, "deadline": d.deadline}


@router.post("/deviations/{id}/answer", response={200: Created, **PROBLEMS},
             summary="Answer the deviation (responsible side)")
def answer(request, id: UUID, body: TextIn):
    actor = _actor(request)
    d = services.answer(actor, actors.case_for(actor, id), body.text)
    return 200, {"id": d.pk, "state": d.state, "deadline": d.deadline}


@router.post("/deviations/{id}/close", response={200: Created, **PROBLEMS},
             summary="Close an answered deviation with cause and measures (reporting side)")
def close(request, id: UUID, body: CloseIn):
    actor = _actor(request)
    d = services.close(actor, actors.case_for(actor, id), cause=body.cause, measures=body.measures,
                       procedure_change=body.procedureChange)
    return 200, {"id": d.pk, "state": d.state, "deadline": d.deadline}


@router.post("/deviations/{id}/reject", response={200: Created, **PROBLEMS},
             summary="Reject with a reason (the responsible side), or discard a draft (the reporting side)")
def reject(request, id: UUID, body: ReasonIn):
    actor = _actor(request)
    d = services.reject(actor, actors.case_for(actor, id), body.reason)
    return 200, {"id": d.pk, "state": d.state, "deadline": d.deadline}


@router.post("/deviations/{id}/notes", response={201: EntryOut, **PROBLEMS},
             summary="An internal note, seen only by your own organisation")
def add_note(request, id: UUID, body: TextIn):
    actor = _actor(request)
    e = services.note(actor, actors.case_for(actor, id), body.text)
    return 201, EntryOut(at=e.at, kind=e.kind, text=e.text, actor=e.actor, organisation=actor.organisation.name,
                         internal=True)


@router.get("/deviations/{id}/breach", response={200: dict, **PROBLEMS},
            openapi_extra={"responses": {200: {"content": {"application/json": {"example": {"deviation": "AV-2026-0012", "natureOfBreach": "Utskrivningsklar-melding sendt til feil kommune", "categoriesOfPersons": ["pasienter"], "approximatePersons": 1, "approximateRecords": 1, "likelyConsequences": "Helseopplysninger kjent for uvedkommende", "measures": "Innholdet trukket tilbake (S11)", "contactPoint": "personvernombud@unn.example.no", "discoveredAt": "2026-11-30T08:15:00+01:00", "deadline": "2026-12-03T08:15:00+01:00"}}}}}},
            summary="GDPR art. 33 notification fields of a possible breach (JSON; ?format=pdf for the PDF)")
def breach_export(request, id: UUID, format: str = Query("json")):
    actor = _actor(request)
    d = actors.case_for(actor, id)
    if not d.possible_breach:
        raise Refused("not-a-breach", "the deviation is not marked as a possible personal-data breach", status=409)
    entries = services.timeline(actor, d)
    if format == "pdf":
        response = HttpResponse(breach.render_pdf(d, entries), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="brudd-{d.pk}.pdf"'
        return response
    return JsonResponse(breach.notification(d, entries))


BREACH_FIELDS = {"possibleBreach": "possible_breach", "nature": "breach_nature",
                 "personCategories": "breach_person_categories", "persons": "breach_persons",
                 "recordCategories": "breach_record_categories", "records": "breach_records",
                 "consequences": "breach_consequences", "contact": "breach_contact",
                 "notifiedAt": "breach_notified_at"}


@router.post("/deviations/{id}/breach", response={200: BreachOut, **PROBLEMS},
             summary="Record the breach notification fields (either party)")
def breach_update(request, id: UUID, body: BreachIn):
    actor = _actor(request)
    d = actors.case_for(actor, id)
    given = {BREACH_FIELDS[k]: v for k, v in body.dict(exclude_unset=True).items() if v is not None}
    if not given.get("possible_breach", d.possible_breach):
        raise Refused("not-a-breach", "the deviation is not marked as a possible personal-data breach "
                      "(send possibleBreach: true)", status=409)
    d = services.update_breach(actor, d, **given)
    return 200, BreachOut(deadline=breach.deadline(d), hoursLeft=breach.hours_left(d))
