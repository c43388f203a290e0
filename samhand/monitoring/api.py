"""REST endpoints for monitoring (S8, S9), mounted under /api/v1.

An EPR system sees the alerts of the organisations it acts for, declares and ends downtime for
its own parties (or a whole organisation when it acts for all of its parties), reads partner
health, prints the manual routine for its own sent messages and confirms reconciliation for the
side it acts for. A key that acts for no party gets 403 everywhere.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router

from samhand.lib.problems import errors
from samhand.directory.models import CommunicationParty, Organisation
from samhand.access import door as access
from samhand.exchange.errors import NotFound, Refused

from samhand.lib import clock

from . import alerts, downtime, health, manual
from .models import Alert, Downtime, ManualHandling
from .models.alerts import ACTIVE
from .schemas import (AlertMessageOut, AlertOut, ConfirmIn, DowntimeIn, DowntimeOut, ManualFlagOut,
                      ManualRoutineIn, PartnerHealthOut, ReconciliationOut)

router = Router(tags=["monitoring"])
STATES = {"active": ACTIVE, "open": ("open",), "acknowledged": ("acknowledged",), "resolved": ("resolved",),
          "all": ("open", "acknowledged", "resolved")}


def _her_ids(client) -> set[str]:
    her_ids = client.her_ids()
    if not her_ids:
        raise Refused("forbidden", f"{client.system} acts for no party", status=403)
    return her_ids


def _organisation_ids(client) -> set[int]:
    return set(CommunicationParty.objects.filter(her_id__in=_her_ids(client)).values_list("organisation_id",
                                                                                        flat=True))


def _whole_organisation_ids(client) -> set[int]:
    """Organisations every active party of which this key acts for (it sees all their alerts)."""
    mine = _her_ids(client)
    whole = set()
    for org_id in _organisation_ids(client):
        theirs = set(CommunicationParty.objects.filter(organisation_id=org_id, active=True)
                     .values_list("her_id", flat=True))
        if theirs and theirs <= mine:
            whole.add(org_id)
    return whole


def _visible_alerts(client):
    """The alerts of the organisations this key acts for as a whole; for an organisation it acts
    for only in part (one department), only alerts about messages its own parties sent or got."""
    mine = _her_ids(client)
    whole = _whole_organisation_ids(client)
    partial = _organisation_ids(client) - whole
    own_messages = Q(items__message__sender_her_id__in=mine) | Q(items__message__deliveries__her_id__in=mine)
    return Alert.objects.filter(Q(organisation_id__in=whole) | (Q(organisation_id__in=partial) & own_messages))


def _own_items(client, alert: Alert) -> set[str] | None:
    """The HER-ids whose messages this key may see on the alert (None: all of them)."""
    return None if alert.organisation_id in _whole_organisation_ids(client) else _her_ids(client)


# --- alerts ------------------------------------------------------------------

def _alert_out(alert: Alert, only_her_ids: set[str] | None = None) -> AlertOut:
    items = list(alert.items.select_related("message"))
    if only_her_ids is not None:
        items = [i for i in items if i.message is not None and (
            i.message.sender_her_id in only_her_ids
            or i.message.deliveries.filter(her_id__in=only_her_ids).exists())]
    return AlertOut(
        id=alert.pk, kind=alert.kind, severity=alert.severity, state=alert.state,
        organisationHerId=alert.organisation.her_id, partnerHerId=alert.partner_her_id,
        partnerName=alert.partner_name, summary=alert.summary, count=alert.count,
        openCount=sum(1 for i in items if i.cleared_at is None), openedAt=alert.opened_at,
        lastSeenAt=alert.last_seen_at, acknowledgedAt=alert.acknowledged_at, acknowledgedBy=alert.acknowledged_by,
        escalatedAt=alert.escalated_at, resolvedAt=alert.resolved_at, resolvedBy=alert.resolved_by,
        resolvedAutomatically=alert.resolved_automatically, proposesDowntime=alert.proposes_downtime,
        messages=[AlertMessageOut(id=i.message_id, msgId=i.message.msg_id if i.message else None,
                                  type=i.message.msg_type if i.message else None,
                                  receiverHerId=i.message.receiver_her_id if i.message else None,
                                  detail=i.detail, addedAt=i.added_at, clearedAt=i.cleared_at) for i in items])


def _alert(client, alert_id: UUID) -> Alert:
    alert = _visible_alerts(client).select_related("organisation").filter(pk=alert_id).distinct().first()
    if alert is None:
        raise NotFound(str(alert_id))
    return alert


@router.get("/alerts", response={200: list[AlertOut]},
            openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"]}),
            summary="Alerts of the organisations this key acts for (default: open and acknowledged)")
def list_alerts(request, state: str = Query("active", description="active, open, acknowledged, resolved or all")):
    if state not in STATES:
        raise Refused("bad-request", f"state must be one of {', '.join(STATES)}", status=400)
    client = request.api_client
    found = (_visible_alerts(client).select_related("organisation").filter(state__in=STATES[state]).distinct()
             .order_by("-opened_at")[:500])
    return 200, [_alert_out(a, _own_items(client, a)) for a in found]


@router.post("/alerts/{id}/acknowledge", response={200: AlertOut},
             openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"], 404: ["not-found"], 409: ["alert-resolved"]}),
             summary="Acknowledge an alert: someone is on it (no escalation)")
def acknowledge(request, id: UUID):
    client = request.api_client
    alert = alerts.acknowledge_alert(_alert(client, id), by=client.system)
    return 200, _alert_out(alert, _own_items(client, alert))


@router.post("/alerts/{id}/resolve", response={200: AlertOut},
             openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"], 404: ["not-found"], 409: ["alert-resolved"]}), summary="Resolve an alert")
def resolve(request, id: UUID):
    client = request.api_client
    alert = alerts.resolve_alert(_alert(client, id), by=client.system)
    return 200, _alert_out(alert, _own_items(client, alert))


# --- downtime ----------------------------------------------------------------

def _downtime_out(d: Downtime) -> DowntimeOut:
    return DowntimeOut(id=d.pk, herId=d.target_her_id, name=d.target_name,
                       organisationHerId=d.target_organisation.her_id, planned=d.planned,
                       state=d.state_at(clock.now()), start=d.start, expectedEnd=d.expected_end,
                       endedAt=d.ended_at, description=d.description, contact=d.contact, createdBy=d.created_by,
                       endedBy=d.ended_by, released=d.released)


def _target(client, her_id: str) -> dict:
    """The party, or the organisation when the key acts for every one of its active parties."""
    mine = _her_ids(client)
    party = CommunicationParty.objects.select_related("organisation").filter(her_id=her_id).first()
    if party is not None:
        if her_id not in mine:
            raise Refused("forbidden", f"{client.system} may not act for HER-id {her_id}", status=403)
        return {"party": party}
    org = Organisation.objects.filter(her_id=her_id).first()
    if org is None:
        raise Refused("E21", f"HER-id {her_id} is not in the address register", status=422)
    theirs = set(org.parties.filter(active=True).values_list("her_id", flat=True))
    if not theirs or not theirs <= mine:
        raise Refused("forbidden", f"{client.system} does not act for every party of {org.name}", status=403)
    return {"organisation": org}


def _aware(value):
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@router.get("/downtime", response={200: list[DowntimeOut]},
            openapi_extra=errors({401: ["unauthenticated"], 403: ["forbidden"]}),
            summary="Downtime in force and planned, for every party on the node")
def list_downtime(request):
    _her_ids(request.api_client)
    return 200, [_downtime_out(d) for d in downtime.active_downtimes()]


@router.post("/downtime", response={201: DowntimeOut},
             openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"], 422: ["E21"]}),
             summary="Announce planned or unplanned downtime; every communication partner is notified")
def post_downtime(request, body: DowntimeIn):
    client = request.api_client
    created = downtime.declare_downtime(**_target(client, body.herId), planned=body.planned,
                                        start=_aware(body.start), expected_end=_aware(body.expectedEnd),
                                        description=body.description, contact=body.contact, by=client.system)
    return 201, _downtime_out(created)


@router.post("/downtime/{id}/end", response={200: DowntimeOut},
             openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"], 404: ["not-found"], 422: ["E21"]}),
             summary="End a downtime: held messages go out in order, partners get the all-clear")
def end_downtime(request, id: int):
    client = request.api_client
    found = Downtime.objects.select_related("party__organisation", "organisation").filter(pk=id).first()
    if found is None:
        raise NotFound(str(id))
    _target(client, found.target_her_id)
    return 200, _downtime_out(downtime.end_downtime(found, by=client.system))


# --- partner health ----------------------------------------------------------

def _health_scope(client) -> set[str]:
    """The key's own parties, and every HER-id of the organisations they exchanged messages with
    (SAMHAND_PARTNER_LOOKBACK_DAYS): a key reads the health of its partners, not of everyone."""
    from . import conf
    from .parties import organisations_of_her_ids, partners_of

    mine = _her_ids(client)
    since = clock.now() - conf.partner_lookback()
    partner_orgs = organisations_of_her_ids(partners_of(mine, since)) - _organisation_ids(client)
    partner_her_ids = set(CommunicationParty.objects.filter(organisation_id__in=partner_orgs)
                          .values_list("her_id", flat=True))
    partner_her_ids |= set(Organisation.objects.filter(pk__in=partner_orgs).values_list("her_id", flat=True))
    return mine | partner_her_ids


@router.get("/partners/health", response={200: list[PartnerHealthOut]},
            openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"]}),
            summary="Health of partners: traffic, AppRec latency, rejections, backlog, suspected down")
def partners_health(request, herIds: str = Query(..., description="Comma-separated HER-ids")):
    wanted = [h.strip() for h in herIds.split(",") if h.strip()][:200]
    allowed = _health_scope(request.api_client)
    refused = [h for h in wanted if h not in allowed]
    if refused:
        raise Refused("forbidden", f"not this key's parties or their partners: {', '.join(refused)}", status=403)
    return 200, [PartnerHealthOut(
        herId=h["her_id"], name=h["name"], organisation=h["organisation"], status=h["status"],
        statusLabel=h["status_label"], suspectedSince=h["since"], reason=h["reason"],
        lastMessageIn=h["last_message_in"], lastMessageOut=h["last_message_out"],
        apprecLatencyMedianSeconds=h["apprec_latency_median_seconds"],
        apprecLatencyP95Seconds=h["apprec_latency_p95_seconds"], answered=h["answered"],
        rejectedShare=h["rejected_share"], waitingForDelivery=h["waiting_for_delivery"],
        waitingForReceipt=h["waiting_for_receipt"], oldestWaitingSeconds=h["oldest_waiting_seconds"],
        inDowntime=h["in_downtime"], lastProbeAt=h["last_probe_at"], lastProbeOk=h["last_probe_ok"])
        for h in health.partner_health(wanted)]


# --- manual routine and reconciliation ----------------------------------------

PDF_RESPONSE = {"responses": {200: {"description": "The manual-routine document (PDF)", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}


@router.post("/messages/{id}/manual-routine", response={200: None},
             openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"], 404: ["not-found"], 409: ["already-received"], 422: ["not-a-business-message"]}, responses=PDF_RESPONSE["responses"]),
             summary="The PDF for manual handling of a message you sent (records the manual handling)")
def manual_routine(request, id: UUID, body: ManualRoutineIn | None = None):
    client = request.api_client
    view = access.view_for_client(client, id)
    if view.delivery is not None:
        raise NotFound(str(id))  # the sender runs the manual routine, not the receiver
    pdf = manual.manual_routine_pdf(view.message, by=client.system, reason=body.reason if body else "",
                                    actor_kind="api-client")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="manuell-rutine-{view.message.msg_id}.pdf"'
    return response


@router.get("/messages/{id}/manual-handling", response={200: ManualFlagOut},
            openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"], 404: ["not-found"]}),
            summary="Whether a received message was already handled manually (do not enter it twice)")
def manual_handling(request, id: UUID):
    view = access.view_for_client(request.api_client, id)
    if view.delivery is None:
        flags = [manual.manual_flag_for(d) for d in view.message.deliveries.all()]
        flag = next((f for f in flags if f), None)
    else:
        flag = manual.manual_flag_for(view.delivery)
    return 200, ManualFlagOut(**flag) if flag else ManualFlagOut(handledManually=False)


def _reconciliation_out(h: ManualHandling) -> ReconciliationOut:
    return ReconciliationOut(
        id=h.pk, messageId=h.message_id, msgId=h.message.msg_id, type=h.message.msg_type,
        senderHerId=h.sender_her_id, receiverHerId=h.receiver_her_id, handledAt=h.handled_at,
        handledBy=h.handled_by, reason=h.reason, deliveredElectronicallyAt=h.delivered_after_at,
        senderConfirmedAt=h.sender_confirmed_at, senderConfirmedBy=h.sender_confirmed_by,
        receiverConfirmedAt=h.receiver_confirmed_at, receiverConfirmedBy=h.receiver_confirmed_by,
        awaiting=[side for side in manual.SIDES if getattr(h, f"{side}_confirmed_at") is None])


@router.get("/reconciliation", response={200: list[ReconciliationOut]},
            openapi_extra=errors({401: ["unauthenticated"], 403: ["forbidden"]}),
            summary="Manually handled messages of your parties not yet confirmed on both sides")
def reconciliation(request):
    mine = _her_ids(request.api_client)
    items = (ManualHandling.objects.select_related("message")
             .filter(Q(sender_confirmed_at__isnull=True) | Q(receiver_confirmed_at__isnull=True))
             .filter(Q(sender_her_id__in=mine) | Q(receiver_her_id__in=mine)))
    return 200, [_reconciliation_out(h) for h in items.order_by("handled_at", "id")[:500]]


@router.post("/reconciliation/{id}/confirm", response={200: ReconciliationOut},
             openapi_extra=errors({401: ["unauthenticated"], 400: ["bad-request"], 403: ["forbidden"], 404: ["not-found"]}),
             summary="Confirm the manual handling on your side (sender or receiver)")
def confirm(request, id: int, body: ConfirmIn):
    client = request.api_client
    mine = _her_ids(client)
    item = ManualHandling.objects.select_related("message").filter(pk=id).first()
    if item is None or not {item.sender_her_id, item.receiver_her_id} & mine:
        raise NotFound(str(id))
    if getattr(item, f"{body.side}_her_id") not in mine:
        raise Refused("forbidden", f"{client.system} does not act for the {body.side} of this message", status=403)
    return 200, _reconciliation_out(manual.confirm_reconciliation(item, side=body.side, by=client.system))
