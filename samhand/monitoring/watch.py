"""Worker steps that apply the message rules: raise what is wrong, clear what came right.

``receipt_watch_step`` raises missing, late and negative receipts, dead-lettered deliveries and
backlogs; ``manual_deadline_step`` raises messages that will not reach their receiver in time;
``auto_resolve_step`` clears every alert item whose cause is gone and resolves alerts left
without any. Each looks at the traffic at most every SAMHAND_MONITOR_INTERVAL_SECONDS.
"""

from __future__ import annotations

from samhand.exchange.store import event

from samhand.lib import clock

from . import alerts, conf, parties, rules
from .downtime import overrunning, suppressed_her_ids
from .gate import Every
from .models import Alert, AlertItem, PartnerStatus, ProbeRun
from .models.alerts import ACTIVE

K = Alert.Kind
_receipt_gate = Every(conf.monitor_interval_seconds)
_manual_gate = Every(conf.monitor_interval_seconds)
_resolve_gate = Every(conf.monitor_interval_seconds)


def receipt_watch_step(owner: str) -> int:
    """Worker step: missing/late/negative AppRecs, failed deliveries and backlogs; returns messages raised."""
    if not _receipt_gate.due():
        return 0
    return raise_by_rules(rules.RECEIPT_KINDS)


def manual_deadline_step(owner: str) -> int:
    """Worker step: messages that cannot be delivered before their deadline go to the manual routine."""
    if not _manual_gate.due():
        return 0
    return raise_by_rules((K.MANUAL_ROUTINE,))


def raise_by_rules(kinds, now=None) -> int:
    now = now or clock.now()
    candidates = rules.outstanding(now - conf.lookback())
    already = set(AlertItem.objects.filter(kind__in=kinds, delivery__in=candidates).values_list("kind", "delivery_id"))
    deliveries = list(candidates.select_related("message", "apprec"))
    if not deliveries:
        return 0
    ctx = rules.Context.build(now, deliveries)
    quiet = suppressed_her_ids(now)
    known = parties.directory()
    added, opened = 0, []
    for d in deliveries:
        sender = known.get(d.message.sender_her_id)
        if sender is None:
            continue
        for kind in kinds:
            # During downtime only the manual routine speaks: the partners have been told already.
            if (kind, d.pk) in already or (kind != K.MANUAL_ROUTINE and d.her_id in quiet):
                continue
            if not rules.RULES[kind](d, ctx):
                continue
            result = alerts.raise_finding(alerts.Finding(
                kind, sender.organisation_id, d.her_id, parties.label(d.her_id, known), d.pk, d.message_id,
                rules.detail(kind, d, ctx)), now=now)
            added += result.added
            if result.added and kind == K.APPREC_MISSING:
                # HITS 1168 §9.1: the sender's system shows the time-out; it is on the message's timeline.
                event(d.message, "apprec-timeout", f"no AppRec from {d.her_id} "
                      f"{int(conf.apprec_timeout().total_seconds() // 3600)} hours after GenDate: counts as "
                      "negative (HITS 1168 §9.1)", delivery=d, actor="monitor")
            if result.opened:
                opened.append(result.alert)
    for alert in opened:
        alerts.notify_opened(alert)
    return added


def auto_resolve_step(owner: str) -> int:
    """Worker step: clear items whose cause is gone, resolve alerts left without items; returns changes."""
    if not _resolve_gate.due():
        return 0
    return auto_resolve()


def auto_resolve(now=None) -> int:
    now = now or clock.now()
    items = list(AlertItem.objects.filter(cleared_at__isnull=True, alert__state__in=ACTIVE)
                 .select_related("alert", "delivery__message", "delivery__apprec"))
    if not items:
        return 0
    on_messages = [i for i in items if i.kind in rules.RULES and i.delivery is not None]
    ctx = rules.Context.build(now, [i.delivery for i in on_messages])
    changed = 0
    for item in items:
        if _holds(item, ctx):
            continue
        changed += AlertItem.objects.filter(pk=item.pk, cleared_at__isnull=True).update(
            cleared_at=now, cleared_reason="årsaken er borte")
    for alert in Alert.objects.filter(state__in=ACTIVE, pk__in={i.alert_id for i in items}).exclude(
            items__cleared_at__isnull=True):
        alerts.resolve_alert(alert, by="samhand (årsaken er borte)", automatically=True)
        changed += 1
    return changed


def _holds(item: AlertItem, ctx: rules.Context) -> bool:
    partner = item.alert.partner_her_id
    if item.kind in rules.RULES:
        return item.delivery is not None and rules.RULES[item.kind](item.delivery, ctx)
    if item.kind == K.SUSPECTED_DOWN:
        return PartnerStatus.objects.filter(her_id=partner, suspected_down=True).exists()
    if item.kind == K.PROBE_FAILED:
        # Until a later communication test to the partner succeeds.
        return not ProbeRun.objects.filter(probe__partner_her_id=partner, result=ProbeRun.Result.OK,
                                           finished_at__gt=item.added_at).exists()
    if item.kind == K.DOWNTIME_OVERRUN:
        return overrunning(partner, ctx.now) is not None
    if item.kind not in K.values:
        return True  # raised by another room (e.g. the dialogue's "misdirected"), which clears it itself
    return False

