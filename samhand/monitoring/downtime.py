"""The downtime routine (S8): announce, hold, release, all-clear.

Helse Nord's routine: a message stop (planned or not) is announced to every communication
partner's meldingsansvarlig with its expected duration, and an all-clear follows when it is
over. While a downtime is in force, deliveries to the affected HER-ids stay queued (the dispatch
claim excludes ``held_deliveries``), so they neither fail nor go out of order; alerts about those
partners are suppressed. Ending it lets the queue run in its original order.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.errors import Refused
from samhand.exchange.models import Delivery
from samhand.exchange.outbox import publish

from samhand.lib import clock

from . import alerts, conf, mail, parties, texts
from .gate import Every
from .models import Alert, Downtime, MailOut
from .who import actor_name

def held_deliveries(at: datetime | None = None) -> Q:
    """The hold rule the dispatch claim applies (registered in MonitoringConfig.ready): a delivery
    whose party, or the party's organisation, has a downtime in force (by monitoring's clock, as
    every downtime decision). It is part of the claim statement, so a downtime declared in any
    process holds deliveries at once in every process. ``at``: the claim's time by monitoring's
    clock (the claim passes ``clock.now()``, so its statement can be prepared once)."""
    in_force = Downtime.objects.filter(ended_at__isnull=True, start__lte=at if at is not None else clock.now())
    return Q(Exists(in_force.filter(Q(party_id=OuterRef("party_id"))
                                    | Q(organisation__parties=OuterRef("party_id")))))


def held_her_ids(now: datetime | None = None) -> set[str]:
    """HER-ids whose deliveries are held now: parties (and organisations) with a downtime in force."""
    return _in_force_her_ids(now or clock.now())


def _in_force_her_ids(now: datetime) -> set[str]:
    rows = list(Downtime.objects.filter(ended_at__isnull=True, start__lte=now)
                .values_list("party__her_id", "organisation_id", "organisation__her_id"))
    her_ids = {party for party, _org, _org_her in rows if party}
    org_ids = {org for _party, org, _org_her in rows if org}
    if org_ids:
        her_ids |= {org_her for _party, _org, org_her in rows if org_her}
        her_ids |= set(CommunicationParty.objects.filter(organisation_id__in=org_ids).values_list("her_id", flat=True))
    return her_ids


def suppressed_her_ids(now: datetime | None = None) -> set[str]:
    """Partners the monitor keeps quiet about: in downtime, or just out of one (their held messages
    are on their way and their receipts need a moment)."""
    now = now or clock.now()
    recent = Downtime.objects.filter(ended_at__gte=now - conf.downtime_grace(), start__lte=now)
    her_ids = _in_force_her_ids(now)
    for party_her_id, org_id in recent.values_list("party__her_id", "organisation_id"):
        if party_her_id:
            her_ids.add(party_her_id)
        else:
            her_ids |= parties.her_ids_of(Organisation.objects.get(pk=org_id))
    return her_ids


def declare_downtime(*, party: CommunicationParty | None = None, organisation: Organisation | None = None,
                     planned: bool, start: datetime, expected_end: datetime, description: str, contact: str = "",
                     by: str) -> Downtime:
    """Record a downtime and notify the meldingsansvarlig of every communication partner (and the
    target's own), with start, expected end and duration. Suspected-down and probe alerts about
    the target are resolved: the cause is now known and announced."""
    by = actor_name(by)
    if (party is None) == (organisation is None):
        raise Refused("bad-request", "a downtime concerns either one party or one organisation", status=400)
    if expected_end <= start:
        raise Refused("bad-request", "expectedEnd must be after start", status=400)
    if not description.strip():
        raise Refused("bad-request", "a downtime needs a description", status=400)
    with transaction.atomic():
        downtime = Downtime.objects.create(party=party, organisation=organisation, planned=planned, start=start,
                                           expected_end=expected_end, description=description.strip(),
                                           contact=contact.strip(), created_by=by, created_at=clock.now())
        for org in _notified(downtime):
            subject, body = texts.downtime_notice(downtime, org, ending=False)
            mail.enqueue(f"downtime:{downtime.pk}:announce:{org.pk}", to=mail.meldingsansvarlig(org),
                         subject=subject, body=body, organisation=org)
        targets = _target_her_ids(downtime)
        for alert in Alert.objects.filter(partner_her_id__in=targets, state__in=("open", "acknowledged"),
                                          kind__in=(Alert.Kind.SUSPECTED_DOWN, Alert.Kind.PROBE_FAILED)):
            alerts.resolve_alert(alert, by=f"nedetid registrert av {by}", automatically=True)
    return downtime


def change_downtime(downtime: Downtime, *, expected_end: datetime, description: str, contact: str = "",
                    by: str) -> Downtime:
    """Edit or extend a downtime not yet ended (new expected end, description, contact); the
    partners notified of it get the change. Nothing changed, nothing sent."""
    by = actor_name(by)
    if not description.strip():
        raise Refused("bad-request", "a downtime needs a description", status=400)
    with transaction.atomic():
        downtime = Downtime.objects.select_for_update().get(pk=downtime.pk)
        if downtime.ended_at is not None:
            raise Refused("conflict", "the downtime has ended; announce a new one", status=409)
        if expected_end <= downtime.start:
            raise Refused("bad-request", "expectedEnd must be after start", status=400)
        if abs((expected_end - downtime.expected_end).total_seconds()) < 60:
            expected_end = downtime.expected_end  # a form shows minutes: the same minute is no change
        previous = (downtime.expected_end, downtime.description, downtime.contact)
        if previous == (expected_end, description.strip(), contact.strip()):
            return downtime
        downtime.expected_end, downtime.description, downtime.contact = expected_end, description.strip(), contact.strip()
        downtime.save(update_fields=["expected_end", "description", "contact"])
        stamp = int(clock.now().timestamp() * 1000)
        for org in _notified(downtime):
            subject, body = texts.downtime_change(downtime, org, previous_end=previous[0])
            mail.enqueue(f"downtime:{downtime.pk}:change:{stamp}:{org.pk}", to=mail.meldingsansvarlig(org),
                         subject=subject, body=body, organisation=org)
    return downtime


def notified_organisations(downtime: Downtime) -> list[Organisation]:
    """Who was told of the downtime: the organisations its announcement e-mails went to."""
    keys = MailOut.objects.filter(key__startswith=f"downtime:{downtime.pk}:announce:").values("organisation_id")
    return list(Organisation.objects.filter(pk__in=keys).order_by("name"))


def end_downtime(downtime: Downtime, *, by: str) -> Downtime:
    """End it now: held messages go out in order, partners get the all-clear. Ending twice changes nothing."""
    by = actor_name(by)
    with transaction.atomic():
        downtime = Downtime.objects.select_for_update().get(pk=downtime.pk)
        if downtime.ended_at is not None:
            return downtime
        now = clock.now()
        targets = _target_her_ids(downtime)
        downtime.released = Delivery.objects.filter(her_id__in=targets, state=Delivery.State.QUEUED).count()
        downtime.ended_at, downtime.ended_by = max(now, downtime.start), by
        downtime.save(update_fields=["ended_at", "ended_by", "released"])
        for org in _notified(downtime):
            subject, body = texts.downtime_notice(downtime, org, ending=True, held=downtime.released)
            mail.enqueue(f"downtime:{downtime.pk}:all-clear:{org.pk}", to=mail.meldingsansvarlig(org),
                         subject=subject, body=body, organisation=org)
    return downtime


def downtime_for(organisation: Organisation) -> QuerySet:
    """Downtime in force or planned that concerns the organisation: its own, and its partners'."""
    mine = parties.her_ids_of(organisation)
    partner_orgs = parties.partner_organisations(organisation, clock.now() - conf.partner_lookback())
    return (Downtime.objects.filter(ended_at__isnull=True)
            .filter(Q(party__her_id__in=mine) | Q(organisation=organisation)
                    | Q(party__organisation_id__in=partner_orgs) | Q(organisation_id__in=partner_orgs))
            .select_related("party__organisation", "organisation").order_by("start"))


def overrunning(her_id: str, now: datetime) -> Downtime | None:
    """A downtime of this party or organisation still in force after its expected end."""
    return (Downtime.objects.filter(ended_at__isnull=True, expected_end__lt=now)
            .filter(Q(party__her_id=her_id) | Q(organisation__her_id=her_id)).first())


def active_downtimes() -> QuerySet:
    return (Downtime.objects.filter(ended_at__isnull=True).select_related("party__organisation", "organisation")
            .order_by("start"))


def _target_her_ids(downtime: Downtime) -> set[str]:
    if downtime.party_id:
        return {downtime.party.her_id}
    return parties.her_ids_of(downtime.organisation)


def _notified(downtime: Downtime) -> list[Organisation]:
    """Every communication partner of the target, and the target's own organisation. A target with
    no traffic on record yet (a new partner) is announced to every organisation on the node."""
    own = downtime.target_organisation
    partner_ids = parties.organisations_of_her_ids(
        parties.partners_of(_target_her_ids(downtime), clock.now() - conf.partner_lookback()))
    if not partner_ids:
        partner_ids = set(Organisation.objects.values_list("pk", flat=True))
    return list(Organisation.objects.filter(pk__in=partner_ids | {own.pk}).order_by("name"))


_overrun_gate = Every(conf.monitor_interval_seconds)


def downtime_step(owner: str) -> int:
    """Worker step: a downtime past its expected end and not ended raises an alert to its owner, so
    partners are not left waiting without word; the alert resolves when the downtime is ended."""
    if not _overrun_gate.due():
        return 0
    now = clock.now()
    raised = 0
    for downtime in (Downtime.objects.filter(ended_at__isnull=True, expected_end__lt=now)
                     .select_related("party__organisation", "organisation")):
        org = downtime.target_organisation
        finding = alerts.Finding(Alert.Kind.DOWNTIME_OVERRUN, org.pk, downtime.target_her_id, downtime.target_name,
                                 detail=f"forventet slutt {texts.local(downtime.expected_end)}")
        # One alert per overrun: once raised (even if a person resolved it), not again.
        if Alert.objects.filter(kind=finding.kind, organisation=org, partner_her_id=finding.partner_her_id,
                                opened_at__gte=downtime.expected_end).exists():
            continue
        result = alerts.raise_finding(finding, now=now)
        if result.opened:
            alerts.notify_opened(result.alert)
            publish("downtime-overrun", data={"downtime": downtime.pk}, actor="monitor")  # for deviations
        raised += result.added
    return raised
