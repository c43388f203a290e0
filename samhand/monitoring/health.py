"""Partner health (S8): traffic, receipt latency, rejections and backlog per party; silent partners.

A partner is *suspected down* when its last few messages that reached it (older than the
receipt warning time) all lack an AppRec, or when its communication tests keep failing. The
monitor then alerts the partner's own meldingsansvarlig and proposes unplanned downtime.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q

from samhand.exchange.models import Delivery, Message
from samhand.exchange.outbox import publish

from samhand.lib import clock

from . import alerts, conf, parties, rules
from .downtime import held_her_ids
from .gate import Every
from .models import Alert, PartnerStatus

S = Delivery.State
HEALTH_WINDOW = timedelta(days=7)
LATENCY_SAMPLE = 5000
STATUS_LABELS = {"ok": "svarer", "suspected-down": "mistenkt nede", "downtime": "nedetid"}


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0..1) of the values, None for none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def sent_to(her_id: str):
    """Business messages (probes included) this node sent to the partner."""
    return (Delivery.objects.filter(her_id=her_id, message__is_apprec=False)
            .exclude(message__origin=Message.Origin.TRANSPORT))


def partner_health(her_ids, now: datetime | None = None) -> list[dict]:
    """One dict per HER-id (in the order given): status ("ok", "suspected-down", "downtime") with a
    Norwegian label, since when and why; last message in and out; AppRec latency (median and 95th
    percentile, seconds, last 7 days); share rejected; backlog (waiting for delivery, waiting for
    receipt) and the age of the oldest waiting message; the last communication test."""
    now = now or clock.now()
    known = parties.directory()
    held = held_her_ids(now)
    statuses = {s.her_id: s for s in PartnerStatus.objects.filter(her_id__in=set(her_ids))}
    return [_health(her_id, now, known, held, statuses.get(her_id)) for her_id in dict.fromkeys(her_ids)]


def _health(her_id: str, now: datetime, known, held: set[str], status: PartnerStatus | None) -> dict:
    since = now - HEALTH_WINDOW
    to_partner = sent_to(her_id)
    answered = to_partner.filter(acked_at__gte=since)
    latencies = [(acked - created).total_seconds() for acked, created in
                 answered.values_list("acked_at", "message__created_at").order_by("-acked_at")[:LATENCY_SAMPLE]]
    by_state = dict(answered.values_list("state").annotate(n=Count("id")))
    total_answered = sum(by_state.values())
    waiting = to_partner.filter(message__created_at__gte=now - conf.lookback())
    queued = waiting.filter(state=S.QUEUED).aggregate(n=Count("id"), oldest=Min("message__created_at"))
    unreceipted = waiting.filter(state__in=(S.SENT, S.DELIVERED), acked_at__isnull=True).aggregate(
        n=Count("id"), oldest=Min("message__created_at"))
    oldest = min([t for t in (queued["oldest"], unreceipted["oldest"]) if t], default=None)
    entry = known.get(her_id)
    suspected = bool(status and status.suspected_down)
    in_downtime = her_id in held
    state = "downtime" if in_downtime else "suspected-down" if suspected else "ok"
    return {
        "her_id": her_id,
        "name": entry.name if entry else "",
        "organisation": entry.organisation_name if entry else "",
        "status": state,
        "status_label": STATUS_LABELS[state],
        "since": status.suspected_since if suspected and not in_downtime else None,
        "reason": status.reason if suspected and not in_downtime else "",
        "last_message_in": Delivery.objects.filter(her_id=her_id, message__is_apprec=False).aggregate(
            t=Max("delivered_at"))["t"],
        "last_message_out": Message.objects.filter(sender_her_id=her_id, is_apprec=False).aggregate(
            t=Max("created_at"))["t"],
        "apprec_latency_median_seconds": percentile(latencies, 0.5),
        "apprec_latency_p95_seconds": percentile(latencies, 0.95),
        "answered": total_answered,
        "rejected_share": (by_state.get(S.REJECTED, 0) / total_answered) if total_answered else None,
        "waiting_for_delivery": queued["n"],
        "waiting_for_receipt": unreceipted["n"],
        "oldest_waiting_seconds": (now - oldest).total_seconds() if oldest else None,
        "suspected_down": suspected,
        "in_downtime": in_downtime,
        "last_probe_at": status.last_probe_at if status else None,
        "last_probe_ok": status.last_probe_ok if status else None,
    }


_suspect_gate = Every(conf.monitor_interval_seconds)


def suspect_step(owner: str) -> int:
    """Worker step: mark partners suspected down (or no longer); returns how many changed."""
    if not _suspect_gate.due():
        return 0
    return detect_suspects()


def detect_suspects(now: datetime | None = None) -> int:
    now = now or clock.now()
    n = conf.suspect_after_messages()
    silent = (rules.watched().filter(state__in=(S.SENT, S.DELIVERED), acked_at__isnull=True,
                                     message__created_at__gte=now - conf.lookback(),
                                     message__created_at__lte=now - conf.min_apprec_warn_after())
              .values("her_id").annotate(c=Count("id")).filter(c__gte=n).values_list("her_id", flat=True))
    watched = PartnerStatus.objects.filter(
        Q(suspected_down=True) | Q(consecutive_probe_failures__gte=conf.suspect_after_probe_failures()))
    candidates = set(silent) | set(watched.values_list("her_id", flat=True))
    if not candidates:
        return 0
    held = held_her_ids(now)
    known = parties.directory()
    changed = 0
    for her_id in sorted(candidates - held):  # a partner in downtime is known to be down
        changed += _evaluate(her_id, now, n, known)
    return changed


def _evaluate(her_id: str, now: datetime, n: int, known) -> int:
    recent = [d for d in sent_to(her_id).filter(
        message__created_at__lte=now - conf.min_apprec_warn_after(), state__in=(S.SENT, S.DELIVERED, *rules.POSITIVE,
                                                                               S.REJECTED))
        .select_related("message").order_by("-message__created_at")[:n * 3]
        if now - d.message.created_at >= conf.apprec_warn_after(d.message.msg_type)][:n]
    unanswered = len(recent) == n and all(d.acked_at is None for d in recent)
    status, _ = PartnerStatus.objects.get_or_create(her_id=her_id)
    probes_failing = status.consecutive_probe_failures >= conf.suspect_after_probe_failures()
    suspected = unanswered or probes_failing
    if suspected == status.suspected_down:
        return 0
    reason = (f"ingen kvittering på de {n} siste meldingene" if unanswered
              else f"{status.consecutive_probe_failures} kommunikasjonstester på rad feilet")
    status.suspected_down, status.updated_at = suspected, now
    status.suspected_since = now if suspected else None
    status.reason = reason if suspected else ""
    status.save()
    if suspected:
        # Traffic stopped with no downtime announced (a partner in downtime is never a candidate):
        # the deviation routine may open a draft (samhand.deviations.rules).
        publish("downtime-unannounced", data={"her_id": her_id, "reason": reason}, actor="monitor")
    entry = known.get(her_id)
    if suspected and entry is not None:
        evidence = recent if unanswered else list(sent_to(her_id).filter(message__probe_run__isnull=False)
                                                  .select_related("message").order_by("-message__created_at")[:1])
        opened = None
        for d in evidence:
            result = alerts.raise_finding(alerts.Finding(
                Alert.Kind.SUSPECTED_DOWN, entry.organisation_id, her_id, parties.label(her_id, known), d.pk,
                d.message_id, reason), now=now)
            opened = opened or (result.alert if result.opened else None)
        if opened is not None:
            alerts.notify_opened(opened)
    return 1
