"""Alert services: raise (deduplicated), acknowledge, resolve, escalate (S8, S14).

Lifecycle: open → acknowledged → resolved. A rule that finds a problem with a message calls
``raise_finding``; findings for the same organisation, partner and problem land on one active
alert (one e-mail, a count and the list of messages), not one alert per message. The
meldingsansvarlig of the alert's organisation is told when it opens, the on-call addresses
when a critical alert is not acknowledged in time; it resolves itself when the cause clears.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from samhand.directory.models import Organisation
from samhand.exchange.errors import Refused

from samhand.lib import clock

from . import conf, mail, texts
from .gate import Every
from .models import Alert, AlertItem
from .models.alerts import ACTIVE
from .who import actor_name

K = Alert.Kind
CRITICAL = {K.APPREC_MISSING, K.REJECTED, K.FAILED, K.SUSPECTED_DOWN, K.PROBE_FAILED, K.MANUAL_ROUTINE,
            K.DOWNTIME_OVERRUN}


@dataclass(frozen=True)
class Finding:
    kind: str
    organisation_id: int
    partner_her_id: str
    partner_name: str
    delivery_id: object = None
    message_id: object = None
    detail: str = ""


def open_alerts_for(organisation: Organisation) -> QuerySet:
    """Open and acknowledged alerts of one organisation, most recent first."""
    return Alert.objects.filter(organisation=organisation, state__in=ACTIVE).order_by("-opened_at")


@dataclass(frozen=True)
class Raised:
    alert: Alert | None
    added: bool  # a new message is on the alert
    opened: bool  # the alert itself is new


def raise_finding(finding: Finding, *, now=None) -> Raised:
    """Put one finding on its alert, opening the alert if there is no active one.

    A delivery is raised at most once per problem (AlertItem unique on kind + delivery): once a
    person has resolved an alert, the same messages do not bring it back; new ones do.
    """
    now = now or clock.now()
    if finding.delivery_id is not None and AlertItem.objects.filter(
            kind=finding.kind, delivery_id=finding.delivery_id).exists():
        return Raised(None, False, False)
    with transaction.atomic():
        alert, opened = _active_alert(finding, now)
        try:
            with transaction.atomic():
                AlertItem.objects.create(alert=alert, kind=finding.kind, delivery_id=finding.delivery_id,
                                         message_id=finding.message_id, detail=finding.detail[:500], added_at=now)
        except IntegrityError:
            return Raised(alert, False, opened)  # raised concurrently by another worker
        Alert.objects.filter(pk=alert.pk).update(count=F("count") + 1, last_seen_at=now)
    return Raised(alert, True, opened)


def _active_alert(finding: Finding, now) -> tuple[Alert, bool]:
    lookup = {"organisation_id": finding.organisation_id, "partner_her_id": finding.partner_her_id,
              "kind": finding.kind, "state__in": ACTIVE}
    alert = Alert.objects.select_for_update().filter(**lookup).first()
    if alert is not None:
        return alert, False
    try:
        with transaction.atomic():
            return Alert.objects.create(
                kind=finding.kind, severity=severity_of(finding.kind), organisation_id=finding.organisation_id,
                partner_her_id=finding.partner_her_id, partner_name=finding.partner_name[:300],
                summary=texts.summary(finding.kind, finding.partner_name)[:500], opened_at=now, last_seen_at=now,
                proposes_downtime=finding.kind == K.SUSPECTED_DOWN), True
    except IntegrityError:
        # Another worker opened it first (the partial unique index allows one active alert).
        return Alert.objects.select_for_update().get(**lookup), False


def severity_of(kind: str) -> str:
    return Alert.Severity.CRITICAL if kind in CRITICAL else Alert.Severity.WARNING


def notify_opened(alert: Alert) -> None:
    """The first e-mail about an alert, once its first pass of findings is on it."""
    alert.refresh_from_db()
    mail.enqueue(f"alert:{alert.pk}:opened", to=mail.meldingsansvarlig(alert.organisation),
                 subject=texts.alert_subject(alert), body=texts.alert_body(alert), organisation=alert.organisation)


def acknowledge_alert(alert: Alert, *, by: str) -> Alert:
    """A person has seen the alert and is on it: no escalation. Acknowledging twice changes nothing."""
    by = actor_name(by)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.state == Alert.State.RESOLVED:
            raise Refused("alert-resolved", "the alert is already resolved", status=409)
        if alert.state == Alert.State.OPEN:
            alert.state, alert.acknowledged_at, alert.acknowledged_by = Alert.State.ACKNOWLEDGED, clock.now(), by
            alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
    return alert


def resolve_alert(alert: Alert, *, by: str, automatically: bool = False) -> Alert:
    """Close the alert. A person may resolve it at any time; the messages it names are not raised
    again for the same problem. Resolving a resolved alert changes nothing."""
    by = actor_name(by)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.state == Alert.State.RESOLVED:
            return alert
        now = clock.now()
        alert.state, alert.resolved_at, alert.resolved_by = Alert.State.RESOLVED, now, by
        alert.resolved_automatically = automatically
        alert.save(update_fields=["state", "resolved_at", "resolved_by", "resolved_automatically"])
        alert.items.filter(cleared_at__isnull=True).update(
            cleared_at=now, cleared_reason="årsaken er borte" if automatically else f"løst av {by}")
    return alert


_escalation_gate = Every(conf.monitor_interval_seconds)


def escalation_step(owner: str) -> int:
    """Worker step: critical alerts nobody acknowledged in time go to the on-call addresses, once.

    Alerts about a partner in downtime are suppressed (the downtime routine is already running).
    """
    if not _escalation_gate.due():
        return 0
    from .downtime import suppressed_her_ids

    now = clock.now()
    due = Alert.objects.filter(state=Alert.State.OPEN, severity=Alert.Severity.CRITICAL, escalated_at__isnull=True,
                               opened_at__lte=now - conf.escalate_after())
    if not due.exists():
        return 0
    quiet = suppressed_her_ids(now)
    escalated = 0
    for alert in due.exclude(partner_her_id__in=quiet).select_related("organisation")[:50]:
        with transaction.atomic():
            if not Alert.objects.filter(pk=alert.pk, state=Alert.State.OPEN, escalated_at__isnull=True).update(
                    escalated_at=now):
                continue  # acknowledged meanwhile, or another worker escalated it
            mail.enqueue(f"alert:{alert.pk}:escalated", to=mail.on_call(alert.organisation),
                         subject="ESKALERT: " + texts.alert_subject(alert),
                         body=texts.escalation_body(alert, conf.escalate_after()), organisation=alert.organisation)
        escalated += 1
    return escalated
