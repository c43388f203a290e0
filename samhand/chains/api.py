"""REST endpoints for capabilities (S13) and patient episodes (S7), mounted under /api/v1.

Errors are raised as ``Refused``/``NotFound`` and rendered as problem details by the API.
"""

from __future__ import annotations

from uuid import UUID

from ninja import Query, Router

from samhand.access import door
from samhand.directory.models import Capability, CommunicationParty, MessageTypeVersion
from samhand.lib.problems import errors
from samhand.exchange.errors import NotFound, Refused

from . import capabilities as caps
from . import queries, registry
from .models import Episode, EpisodeStep
from .schemas import (
    ApprovalOut, CapabilitiesOut, CommonVersionOut, EpisodeDetailOut, EpisodeMessageOut, EpisodeOut,
    ExpectedStepOut, PartyOut, StepOut, TimelineEventOut, TypeVersionsOut,
)

router = Router(tags=["chains"])
MAX_LIMIT = 500


def _parties_of(client) -> set[str]:
    her_ids = client.her_ids()
    if not her_ids:
        raise Refused("forbidden", f"{client.system} acts for no party", status=403)
    return her_ids


@router.get("/parties/{herId}/capabilities", response={200: CapabilitiesOut},
            openapi_extra=errors({401: ["unauthenticated"], 403: ["forbidden"], 404: ["not-found"]}),
            summary="What a party can send and receive, and the newest version you both support")
def party_capabilities(request, herId: str, senderHerId: str | None = Query(
        None, description="One of your parties; default: each party this key acts for")):
    client = request.api_client
    mine = _parties_of(client)
    if senderHerId is not None and senderHerId not in mine:
        raise Refused("forbidden", f"{client.system} may not act for HER-id {senderHerId}", status=403)
    party = (CommunicationParty.objects.select_related("organisation").prefetch_related("capabilities")
             .filter(her_id=herId, active=True).first())
    if party is None:
        raise NotFound(herId)
    senders = list(CommunicationParty.objects.prefetch_related("capabilities")
                   .filter(her_id__in=[senderHerId] if senderHerId else sorted(mine)).order_by("her_id"))
    universe = registry.known_versions()
    details = {(v.message_type.code, v.version): v for v in
               MessageTypeVersion.objects.select_related("message_type")}
    receives, recorded_receive = caps.supported(party, Capability.Direction.RECEIVE, universe)
    sends, recorded_send = caps.supported(party, Capability.Direction.SEND, universe)
    common = []
    for sender in senders:
        for code, tv in sorted(caps.newest_common(sender, party, universe).items()):
            info = details.get((code, tv.version))
            common.append(CommonVersionOut(
                senderHerId=sender.her_id, type=code, family=tv.family, version=tv.version,
                name=info.message_type.name if info else None, namespace=info.namespace if info else None,
                schemaName=info.schema_name if info else None,
                appRecVersion=(info.apprec_version or None) if info else None,
                status=info.status if info else None))
    return 200, CapabilitiesOut(
        herId=party.her_id, name=party.name, organisation=party.organisation.name,
        recordedReceive=recorded_receive, recordedSend=recorded_send,
        receives=[TypeVersionsOut(**row) for row in caps.by_type(receives)],
        sends=[TypeVersionsOut(**row) for row in caps.by_type(sends)], common=common)


@router.get("/episodes", response={200: list[EpisodeOut]},
            openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"]}),
            summary="Patient episodes of your parties, most urgent first")
def list_episodes(request, state: str = Query("open", description="open | overdue | closed | cancelled | all"),
                  herId: str | None = Query(None, description="Only this one of your parties"),
                  limit: int = Query(100, ge=1, le=MAX_LIMIT)):
    client = request.api_client
    mine = _parties_of(client)
    if herId is not None:
        if herId not in mine:
            raise Refused("forbidden", f"{client.system} may not read for HER-id {herId}", status=403)
        mine = {herId}
    if state not in queries.STATES:
        raise Refused("bad-request", f"state must be one of {', '.join(queries.STATES)}", status=400)
    episodes = list(queries.with_details(queries.visible_episodes(mine, state=state))[:limit])
    door.episodes_read(door.client_actor(client), episodes, purpose="episode-list", her_ids=mine, listing=True)
    return 200, [_episode_out(e) for e in episodes]


@router.get("/episodes/{id}", response={200: EpisodeDetailOut},
            openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"], 404: ["not-found"]}),
            summary="One episode: its steps against the chain version and its timeline")
def get_episode(request, id: UUID):
    client = request.api_client
    mine = _parties_of(client)
    episode = queries.episode_for(mine, id)
    door.episodes_read(door.client_actor(client), [episode], purpose="episode-timeline", her_ids=mine)
    version = episode.chain_version
    base = _episode_out(episode).dict()
    return 200, EpisodeDetailOut(
        **base,
        approval=ApprovalOut(approvedBy=version.approved_by, approvedOn=version.approved_on,
                             effectiveFrom=version.effective_from, reference=version.decision_reference),
        steps=[_step_out(s) for s in episode.steps.all()], timeline=_timeline(episode))


def _episode_out(episode: Episode) -> EpisodeOut:
    refers = {e.pk: e.msg_id for e in episode.entries.all()}
    return EpisodeOut(
        id=episode.pk, state=episode.state, chain=episode.chain_version.chain.code,
        chainVersion=episode.chain_version.number, patientId=episode.patient_id,
        hospitalHerId=episode.hospital_org_her_id, municipalityHerId=episode.municipality_org_her_id or None,
        startedAt=episode.started_at, dischargedAt=episode.discharged_at, closedAt=episode.closed_at,
        closeReason=episode.close_reason or None, nextDueAt=episode.next_due_at, overdue=episode.overdue_steps > 0,
        overdueSteps=episode.overdue_steps, flaggedMessages=episode.flagged_messages,
        parties=[PartyOut(herId=p.her_id, side=p.side, role=p.role or None) for p in episode.parties.all()],
        messages=[EpisodeMessageOut(
            msgId=e.msg_id, type=e.msg_type, status=e.status, step=e.step.key if e.step else None, at=e.at,
            senderHerId=e.sender_her_id, receiverHerId=e.receiver_her_id, appRecStatus=e.apprec_status or None,
            effect=e.effect or None, refersTo=refers.get(e.target_id) or (e.ref_parent if e.status != "N" else None),
            flags=list(e.flags), note=e.note or None) for e in episode.entries.all()],
        expected=[ExpectedStepOut(step=s.step.key, title=s.step.title, types=list(s.step.message_types),
                                  fromRole=s.step.sender_role, toRole=s.step.receiver_role, dueAt=s.due_at,
                                  overdue=s.state == EpisodeStep.State.OVERDUE, mandatory=s.step.mandatory,
                                  **_waiting_on(episode, s))
                  for s in queries.outstanding(episode)])


def _waiting_on(episode: Episode, step: EpisodeStep) -> dict:
    actor = queries.actor_of(episode, step)
    return {"waitingOn": actor.her_id or None, "anyService": actor.any_service}


def _step_out(s: EpisodeStep) -> StepOut:
    d = s.step
    return StepOut(step=d.key, title=d.title, types=list(d.message_types), fromRole=d.sender_role,
                   toRole=d.receiver_role, state=s.state, mandatory=d.mandatory, deadline=d.deadline_text or None,
                   triggeredAt=s.triggered_at, dueAt=s.due_at, fulfilledAt=s.fulfilled_at, confirmedAt=s.confirmed_at,
                   overdueAt=s.overdue_at, late=s.late, msgId=s.entry.msg_id if s.entry else None)


def _timeline(episode: Episode) -> list[TimelineEventOut]:
    events = [TimelineEventOut(at=episode.started_at, kind="started",
                               detail=f"{episode.chain_version.chain.code} versjon {episode.chain_version.number}")]
    for e in episode.entries.all():
        detail = f"{e.get_status_display()} fra {e.sender_her_id} til {e.receiver_her_id}"
        if e.effect:
            detail += f" ({e.get_effect_display()})"
        if e.note:
            detail += f"; {e.note}"
        events.append(TimelineEventOut(at=e.at, kind="message", step=e.step.key if e.step else None,
                                       msgId=e.msg_id, type=e.msg_type, detail=detail))
        if e.apprec_at:
            events.append(TimelineEventOut(at=e.apprec_at, kind="apprec", step=e.step.key if e.step else None,
                                           msgId=e.msg_id, type=e.msg_type, detail=f"AppRec status {e.apprec_status}"))
    for s in episode.steps.all():
        if s.overdue_at:
            events.append(TimelineEventOut(at=s.overdue_at, kind="overdue", step=s.step.key,
                                           detail=f"{s.step.title}: frist {s.due_at:%Y-%m-%d %H:%M} passert"))
        elif s.state == EpisodeStep.State.EXPECTED and s.due_at:
            events.append(TimelineEventOut(at=s.due_at, kind="due", step=s.step.key,
                                           detail=f"{s.step.title} forventes innen fristen"))
    if episode.discharged_at:
        events.append(TimelineEventOut(at=episode.discharged_at, kind="discharged",
                                       detail="melding om utskrevet pasient"))
    if episode.closed_at:
        events.append(TimelineEventOut(at=episode.closed_at, kind="closed", detail=episode.close_reason))
    order = {"started": 0, "message": 1, "apprec": 2, "overdue": 3, "due": 4, "discharged": 5, "closed": 6}
    return sorted(events, key=lambda ev: (ev.at, order[ev.kind]))
