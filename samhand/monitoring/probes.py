"""Communication tests (kommunikasjonstest) to every partner, each at its own interval (S8).

A probe is an ordinary Dialogmelding 1.1 Helsefaglig dialog (HIS 1077) from the node's probe
party, about a fixed fictitious test patient, whose text says it is a test that needs no action.
The receiving system answers it with an AppRec like any message (HITS 1168 §4.1: generated
automatically). A probe passes when a positive AppRec comes back within SAMHAND_PROBE_TIMEOUT_MINUTES,
or a negative one that only says the test patient is unknown (the channel works end to end);
anything else - no AppRec, a technical rejection, a failed transfer - fails it and raises an alert.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from samhand.directory.models import CommunicationParty
from samhand.exchange.actors import LocalActor
from samhand.exchange.errors import Refused
from samhand.exchange.models import Delivery
from samhand.exchange.submit import submit

from samhand.lib import clock

from . import alerts, conf, parties
from .downtime import held_her_ids
from .gate import Every
from .models import Alert, PartnerStatus, Probe, ProbeRun
from .probe_message import probe_document

log = logging.getLogger(__name__)

S = Delivery.State
# AppRec errors about the (fictitious) test patient only: the message got through and was read.
PATIENT_ERRORS = {"E30", "E31", "E32", "E35", "E36", "E53", "E54"}


def schedule_probe(partner_her_id: str, *, interval_minutes: int | None = None, sender_her_id: str = "",
                   enabled: bool = True) -> Probe:
    """Create or change the communication test schedule for one partner."""
    defaults = {"sender_her_id": sender_her_id, "enabled": enabled,
                "interval_minutes": interval_minutes or int(conf.probe_interval().total_seconds() // 60)}
    probe, _ = Probe.objects.update_or_create(partner_her_id=partner_her_id, defaults=defaults)
    return probe


_ensure_gate = Every(lambda: 600.0)


def probe_step(owner: str) -> int:
    """Worker step: schedule probes to every partner, send those due, judge those answered or timed out."""
    now = clock.now()
    if _ensure_gate.due():
        ensure_probes()
    return send_due(now) + judge(now)


def ensure_probes() -> int:
    """Every active party other than the probe sender gets a schedule at the default interval;
    an interval set per partner (or a disabled schedule) is kept."""
    sender = conf.probe_sender_her_id()
    if not sender:
        return 0
    have = set(Probe.objects.values_list("partner_her_id", flat=True))
    minutes = int(conf.probe_interval().total_seconds() // 60)
    now = clock.now()
    # Spread over one interval, so a node with many partners does not send every test at once.
    partners = CommunicationParty.objects.filter(active=True).exclude(her_id=sender).values_list("her_id", flat=True)
    new = [Probe(partner_her_id=h, interval_minutes=minutes,
                 next_at=now + timedelta(minutes=random.uniform(0, minutes))) for h in partners if h not in have]
    Probe.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def send_due(now: datetime) -> int:
    due = list(Probe.objects.filter(enabled=True, next_at__lte=now).values_list("pk", "next_at")[:20])
    if not due:
        return 0
    held = held_her_ids(now)
    sent = 0
    for pk, next_at in due:
        probe = Probe.objects.get(pk=pk)
        # Claimed by moving next_at on: nothing updated means another worker took it.
        if not Probe.objects.filter(pk=pk, next_at=next_at).update(
                next_at=now + timedelta(minutes=probe.interval_minutes)):
            continue
        if probe.partner_her_id in held or probe.runs.filter(result=ProbeRun.Result.PENDING).exists():
            continue  # known to be down, or the last test is still out
        send_probe(probe, now)
        sent += 1
    return sent


def send_probe(probe: Probe, now: datetime | None = None) -> ProbeRun:
    now = now or clock.now()
    sender_her_id = probe.sender_her_id or conf.probe_sender_her_id()
    sender = CommunicationParty.objects.select_related("organisation").filter(her_id=sender_her_id).first()
    receiver = (CommunicationParty.objects.select_related("organisation")
                .filter(her_id=probe.partner_her_id).first())
    if sender is None or receiver is None:
        return _finish(ProbeRun.objects.create(probe=probe, sent_at=now), False,
                       f"avsender {sender_her_id or '(ikke satt)'} eller mottaker {probe.partner_her_id} finnes ikke",
                       now)
    try:
        submitted = submit(LocalActor("samhand kommunikasjonstest", {sender.her_id}),
                           probe_document(sender, receiver, now=now), actor="samhand (kommunikasjonstest)")
    except Refused as refused:
        return _finish(ProbeRun.objects.create(probe=probe, sent_at=now), False,
                       f"ikke sendt: {refused.code} {refused.reason}", now)
    return ProbeRun.objects.create(probe=probe, message=submitted.message, sent_at=now)


def judge(now: datetime) -> int:
    pending = list(ProbeRun.objects.filter(result=ProbeRun.Result.PENDING).select_related("probe", "message"))
    if not pending:
        return 0
    held = held_her_ids(now)
    judged = 0
    for run in pending:
        verdict = _verdict(run, now, held)
        if verdict is not None:
            _finish(run, *verdict, now)
            judged += 1
    return judged


def _verdict(run: ProbeRun, now: datetime, held: set[str]) -> tuple[bool, str] | None:
    delivery = (Delivery.objects.select_related("apprec").filter(message=run.message, her_id=run.probe.partner_her_id)
                .first() if run.message_id else None)
    if delivery is None:
        return False, "meldingen finnes ikke"
    if delivery.state in (S.ACKNOWLEDGED, S.PARTLY):
        return True, f"kvittert OK etter {int((delivery.acked_at - run.sent_at).total_seconds())} s"
    if delivery.state == S.REJECTED:
        codes = {e.get("code") for e in delivery.apprec.apprec_errors} if delivery.apprec else set()
        text = ", ".join(sorted(c for c in codes if c))
        return (True, f"kvittert med {text} (testpasient ukjent)") if codes and codes <= PATIENT_ERRORS \
            else (False, f"avvist: {text}")
    if delivery.state in (S.FAILED, S.REFUSED):
        return False, f"ikke levert: {delivery.last_error[:200]}"
    if delivery.her_id in held:
        return None  # the partner announced downtime: the test waits with the other held messages
    if now - run.sent_at >= conf.probe_timeout():
        return False, f"ingen kvittering innen {int(conf.probe_timeout().total_seconds() // 60)} min"
    return None


def _finish(run: ProbeRun, ok: bool, detail: str, now: datetime) -> ProbeRun:
    with transaction.atomic():
        if not ProbeRun.objects.filter(pk=run.pk, result=ProbeRun.Result.PENDING).update(
                result=ProbeRun.Result.OK if ok else ProbeRun.Result.FAILED, finished_at=now, detail=detail[:500]):
            return run  # judged by another worker
        partner = run.probe.partner_her_id
        status, _ = PartnerStatus.objects.get_or_create(her_id=partner)
        PartnerStatus.objects.filter(pk=status.pk).update(
            last_probe_at=now, last_probe_ok=ok, updated_at=now,
            consecutive_probe_failures=0 if ok else F("consecutive_probe_failures") + 1)
    run.refresh_from_db()
    if not ok:
        _alert(run, detail, now)
    return run


def _alert(run: ProbeRun, detail: str, now: datetime) -> None:
    known = parties.directory()
    partner = run.probe.partner_her_id
    entry = known.get(partner)
    if entry is None:
        return
    delivery_id = (Delivery.objects.filter(message_id=run.message_id, her_id=partner).values_list("pk", flat=True)
                   .first() if run.message_id else None)
    result = alerts.raise_finding(alerts.Finding(Alert.Kind.PROBE_FAILED, entry.organisation_id, partner,
                                                 parties.label(partner, known), delivery_id, run.message_id,
                                                 detail), now=now)
    if result.opened:
        alerts.notify_opened(result.alert)
