"""The deviation routine's state changes (S10): report, route, treat, answer, close, reject.

Life cycle: draft (automatic, waits for the reporter's meldingsansvarlig) → registered → sent
(to the responsible organisation's handler) → in-treatment (the responsible side opened it) →
answered → closed; rejected with a reason from a draft (discarded) or by the responsible side.
Every change writes a timeline entry in the same transaction, and every notice is an e-mail in
the monitoring outbox (MailOut), without patient data, with a link to the case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from samhand.chains.models import Episode
from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.errors import Refused
from samhand.exchange.models import Message
from samhand.monitoring import mail
from samhand.monitoring.models import Alert, Downtime
from samhand.monitoring.texts import local
from samhand.lib import clock

from . import procedures, routing
from .actors import Actor, side_of
from .models import Category, Deviation, DeviationEntry, DeviationLink, Severity, State

CATEGORIES = {c.value for c in Category}
SEVERITIES = {s.value for s in Severity}


@dataclass
class Report:
    category: str
    title: str
    description: str = ""
    occurred_at: datetime | None = None
    discovered_at: datetime | None = None
    severity: str = Severity.MEDIUM
    responsible_her_id: str = ""
    patient_consequence: str = ""
    immediate_measures: str = ""
    possible_breach: bool = False
    message_ids: list = field(default_factory=list)
    episode_ids: list = field(default_factory=list)
    alert_ids: list = field(default_factory=list)
    downtime_ids: list = field(default_factory=list)


def link_url(deviation: Deviation) -> str:
    return f"{settings.PUBLIC_URL.rstrip('/')}/avvik/{deviation.pk}/"


def entry(deviation: Deviation, kind: str, text: str = "", *, actor: str = "", organisation=None,
          internal: bool = False) -> DeviationEntry:
    return DeviationEntry.objects.create(deviation=deviation, at=clock.now(), kind=kind, text=text, actor=actor,
                                         organisation=organisation, internal=internal)


def responsible_organisation(her_id: str) -> tuple[Organisation, str]:
    """The organisation of an organisation or service HER-id, and the service HER-id if one was named."""
    org = Organisation.objects.filter(her_id=her_id).first()
    if org is not None:
        return org, ""
    party = CommunicationParty.objects.select_related("organisation").filter(her_id=her_id).first()
    if party is None:
        raise Refused("E21", f"HER-id {her_id} is not in the address register", status=422)
    return party.organisation, party.her_id


# --- reporting ----------------------------------------------------------------------------------

def _check(actor: Actor, report: Report) -> None:
    if report.category not in CATEGORIES:
        raise Refused("bad-request", f"category must be one of {', '.join(sorted(CATEGORIES))}", status=400)
    if report.severity not in SEVERITIES:
        raise Refused("bad-request", f"severity must be one of {', '.join(sorted(SEVERITIES))}", status=400)
    if not report.title.strip():
        raise Refused("bad-request", "a deviation needs a title", status=400)
    now = clock.now()
    if report.occurred_at and report.occurred_at > now + timedelta(minutes=5):
        raise Refused("bad-request", "occurredAt is in the future", status=400)
    if report.discovered_at and report.occurred_at and report.discovered_at < report.occurred_at:
        raise Refused("bad-request", "discoveredAt is before occurredAt", status=400)


def _links(actor: Actor, report: Report) -> list[DeviationLink]:
    """The linked objects, each one the reporting organisation may see (404-like 422 otherwise)."""
    links = []
    own = sorted(actor.her_ids)
    for mid in report.message_ids:
        # A message id (as sent) or an inbox entry's id (a delivery to one of the reporter's parties).
        message = (Message.objects.filter(pk=mid).filter(
            Q(sender_her_id__in=own) | Q(receiver_her_id__in=own) | Q(deliveries__her_id__in=own)).distinct().first()
            or Message.objects.filter(deliveries__pk=mid, deliveries__her_id__in=own).first())
        if message is None:
            raise Refused("unknown-link", f"no message {mid} for the parties of {actor.organisation.name}", status=422)
        links.append(DeviationLink(kind=DeviationLink.Kind.MESSAGE, message=message))
    for eid in report.episode_ids:
        episode = Episode.objects.filter(pk=eid, parties__her_id__in=own).distinct().first()
        if episode is None:
            raise Refused("unknown-link", f"no episode {eid} for {actor.organisation.name}", status=422)
        links.append(DeviationLink(kind=DeviationLink.Kind.EPISODE, episode=episode))
    for aid in report.alert_ids:
        alert = Alert.objects.filter(pk=aid, organisation=actor.organisation).first()
        if alert is None:
            raise Refused("unknown-link", f"no alert {aid} for {actor.organisation.name}", status=422)
        links.append(DeviationLink(kind=DeviationLink.Kind.ALERT, alert=alert))
    for did in report.downtime_ids:
        downtime = Downtime.objects.filter(pk=did).first()  # downtime is announced to every partner
        if downtime is None:
            raise Refused("unknown-link", f"no downtime {did}", status=422)
        links.append(DeviationLink(kind=DeviationLink.Kind.DOWNTIME, downtime=downtime))
    return links


def report(actor: Actor, data: Report) -> Deviation:
    """A deviation reported by a person or a system: registered by the reporter's organisation and
    sent at once to the responsible organisation's handler (or the dispute body)."""
    _check(actor, data)
    responsible, service_her_id = responsible_organisation(data.responsible_her_id)
    if responsible.pk == actor.organisation.pk:
        raise Refused("bad-request", "a samhandlingsavvik concerns another organisation; report internal "
                      "deviations in your own quality system", status=422)
    links = _links(actor, data)
    now = clock.now()
    with transaction.atomic():
        deviation = Deviation.objects.create(
            category=data.category, title=data.title.strip()[:300], description=data.description,
            occurred_at=data.occurred_at or now, discovered_at=data.discovered_at or now, severity=data.severity,
            patient_consequence=data.patient_consequence, immediate_measures=data.immediate_measures,
            reporter=actor.organisation, reported_by=actor.name, responsible=responsible,
            responsible_her_id=service_her_id, possible_breach=data.possible_breach, state=State.REGISTERED,
            created_at=now, registered_at=now, procedure_version=procedures.in_force("deviation"))
        for link in links:
            link.deviation = deviation
            link.save()
        entry(deviation, "registered", f"registrert av {actor.organisation.name}", actor=actor.name,
              organisation=actor.organisation)
        _send(deviation, actor.name)
    return deviation


def create_draft(*, key: str, rule: str, category: str, title: str, description: str, reporter: Organisation,
                 responsible: Organisation, occurred_at: datetime, links: list[DeviationLink],
                 responsible_her_id: str = "", possible_breach: bool = False) -> tuple[Deviation | None, bool]:
    """An automatic deviation as a draft, once per ``key`` (idempotent under repeated events)."""
    if Deviation.objects.filter(dedupe_key=key).exists():
        return Deviation.objects.get(dedupe_key=key), False
    now = clock.now()
    try:
        with transaction.atomic():
            deviation = Deviation.objects.create(
                category=category, title=title[:300], description=description, occurred_at=occurred_at,
                discovered_at=now, reporter=reporter, reported_by="samhand", responsible=responsible,
                responsible_her_id=responsible_her_id, state=State.DRAFT, automatic=True, rule=rule,
                dedupe_key=key, created_at=now, possible_breach=possible_breach,
                procedure_version=procedures.in_force("deviation"))
            for link in links:
                link.deviation = deviation
                link.save()
            entry(deviation, "draft", f"automatisk utkast ({rule})", actor="samhand", organisation=reporter)
            mail.enqueue(f"deviation:{deviation.pk}:draft", to=mail.meldingsansvarlig(reporter),
                         subject=f"Avviksutkast til bekreftelse: {deviation.get_category_display()}",
                         body=_draft_body(deviation), organisation=reporter)
    except IntegrityError:  # another worker created it meanwhile
        return Deviation.objects.get(dedupe_key=key), False
    return deviation, True


def _draft_body(deviation: Deviation) -> str:
    return (f"samhand har laget et utkast til samhandlingsavvik ({deviation.get_category_display()}) overfor "
            f"{deviation.responsible.name}. Bekreft eller forkast utkastet:\n{link_url(deviation)}\n")


# --- routing --------------------------------------------------------------------------------------

def _send(deviation: Deviation, actor: str) -> None:
    """registered → sent: choose the recipient, set the deadline, e-mail the link (no patient data)."""
    now = clock.now()
    params = procedures.current("deviation")
    recipient = routing.recipient_for(deviation)
    deviation.handler_name, deviation.handler_email = recipient.name, recipient.email
    deviation.routed_to_dispute_body = recipient.dispute
    deviation.sent_at = now
    deviation.deadline = now + timedelta(days=params["answerDays"])
    deviation.state = State.SENT
    deviation.save(update_fields=["handler_name", "handler_email", "routed_to_dispute_body", "sent_at", "deadline",
                                  "state"])
    entry(deviation, "sent", f"sendt til {recipient.name} ({deviation.responsible.name}); svarfrist "
          f"{local(deviation.deadline)}", actor=actor, organisation=deviation.reporter)
    body = (f"{deviation.reporter.name} har meldt et samhandlingsavvik til {deviation.responsible.name}.\n\n"
            f"Kategori: {deviation.get_category_display()}\nAlvorlighet: {deviation.get_severity_display()}\n"
            f"Svarfrist: {local(deviation.deadline)}\n\nSe saken (innlogging kreves):\n{link_url(deviation)}\n")
    # The subject and body say nothing about the patient or the free text: only the link does.
    mail.enqueue(f"deviation:{deviation.pk}:sent", to=[recipient.email], organisation=deviation.responsible,
                 subject=f"Nytt samhandlingsavvik fra {deviation.reporter.name}", body=body)


def confirm(actor: Actor, deviation: Deviation) -> Deviation:
    """The reporter's meldingsansvarlig confirms an automatic draft: registered, then sent."""
    if side_of(actor, deviation) != "reporter":
        raise Refused("forbidden", "only the reporting organisation confirms its drafts", status=403)
    with transaction.atomic():
        deviation = Deviation.objects.select_for_update().get(pk=deviation.pk)
        if deviation.state != State.DRAFT:
            raise Refused("conflict", f"the deviation is {deviation.state}, not a draft", status=409)
        now = clock.now()
        deviation.state, deviation.registered_at, deviation.reported_by = State.REGISTERED, now, actor.name
        deviation.save(update_fields=["state", "registered_at", "reported_by"])
        entry(deviation, "registered", "utkast bekreftet", actor=actor.name, organisation=actor.organisation)
        _send(deviation, actor.name)
    return deviation


def take(actor: Actor, deviation: Deviation) -> Deviation:
    """The responsible side opens a sent case: it is now under treatment (once)."""
    if side_of(actor, deviation) != "responsible" or deviation.state != State.SENT:
        return deviation
    with transaction.atomic():
        if not Deviation.objects.filter(pk=deviation.pk, state=State.SENT).update(state=State.IN_TREATMENT):
            return Deviation.objects.get(pk=deviation.pk)
        entry(deviation, "in-treatment", f"mottatt og under behandling hos {actor.organisation.name}",
              actor=actor.name, organisation=actor.organisation)
    return Deviation.objects.get(pk=deviation.pk)


def answer(actor: Actor, deviation: Deviation, text: str) -> Deviation:
    if side_of(actor, deviation) != "responsible":
        raise Refused("forbidden", "only the responsible organisation answers", status=403)
    if not text.strip():
        raise Refused("bad-request", "an answer needs text", status=400)
    deviation = take(actor, deviation)
    with transaction.atomic():
        deviation = Deviation.objects.select_for_update().get(pk=deviation.pk)
        if deviation.state not in (State.SENT, State.IN_TREATMENT):
            raise Refused("conflict", f"the deviation is {deviation.state}; it cannot be answered now", status=409)
        deviation.state, deviation.answer, deviation.answered_at = State.ANSWERED, text.strip(), clock.now()
        deviation.save(update_fields=["state", "answer", "answered_at"])
        entry(deviation, "answered", text.strip(), actor=actor.name, organisation=actor.organisation)
        mail.enqueue(f"deviation:{deviation.pk}:answered", to=routing.reporter_addresses(deviation),
                     organisation=deviation.reporter, subject=f"Svar på samhandlingsavvik fra "
                     f"{deviation.responsible.name}",
                     body=f"{deviation.responsible.name} har svart på avviket. Se svaret og lukk saken:\n"
                          f"{link_url(deviation)}\n")
    return deviation


def close(actor: Actor, deviation: Deviation, *, cause: str, measures: str,
          procedure_change: bool = False) -> Deviation:
    if side_of(actor, deviation) != "reporter":
        raise Refused("forbidden", "only the reporting organisation closes its deviation", status=403)
    if not cause.strip() or not measures.strip():
        raise Refused("bad-request", "closing records the cause and the measures", status=400)
    with transaction.atomic():
        deviation = Deviation.objects.select_for_update().get(pk=deviation.pk)
        if deviation.state != State.ANSWERED:
            raise Refused("conflict", f"the deviation is {deviation.state}; it is closed after the answer",
                          status=409)
        deviation.state, deviation.closed_at = State.CLOSED, clock.now()
        deviation.cause, deviation.measures = cause.strip(), measures.strip()
        deviation.procedure_change_needed = procedure_change
        deviation.save(update_fields=["state", "closed_at", "cause", "measures", "procedure_change_needed"])
        change = "; rutinen må endres" if procedure_change else ""
        entry(deviation, "closed", f"årsak: {cause.strip()}\ntiltak: {measures.strip()}{change}", actor=actor.name,
              organisation=actor.organisation)
    return deviation


def reject(actor: Actor, deviation: Deviation, reason: str) -> Deviation:
    """A draft discarded by the reporter, or a case rejected by the responsible side, with a reason."""
    if not reason.strip():
        raise Refused("bad-request", "a rejection gives its reason", status=400)
    side = side_of(actor, deviation)
    with transaction.atomic():
        deviation = Deviation.objects.select_for_update().get(pk=deviation.pk)
        allowed = (State.DRAFT,) if side == "reporter" else (State.SENT, State.IN_TREATMENT)
        if deviation.state not in allowed:
            raise Refused("conflict", f"the {side} side cannot reject a deviation that is {deviation.state}",
                          status=409)
        deviation.state, deviation.rejected_reason, deviation.closed_at = State.REJECTED, reason.strip(), clock.now()
        deviation.save(update_fields=["state", "rejected_reason", "closed_at"])
        entry(deviation, "rejected", reason.strip(), actor=actor.name, organisation=actor.organisation)
        if side == "responsible":
            mail.enqueue(f"deviation:{deviation.pk}:rejected", to=routing.reporter_addresses(deviation),
                         organisation=deviation.reporter, subject=f"Samhandlingsavvik avvist av "
                         f"{deviation.responsible.name}", body=f"Se begrunnelsen:\n{link_url(deviation)}\n")
    return deviation


def note(actor: Actor, deviation: Deviation, text: str) -> DeviationEntry:
    """An internal note: on the timeline of the writer's organisation only."""
    side_of(actor, deviation)
    if not text.strip():
        raise Refused("bad-request", "a note needs text", status=400)
    return entry(deviation, "note", text.strip(), actor=actor.name, organisation=actor.organisation, internal=True)


def update_breach(actor: Actor, deviation: Deviation, **fields) -> Deviation:
    """The notification fields of a possible personal-data breach (either side may fill them in)."""
    side_of(actor, deviation)
    allowed = {"possible_breach", "breach_nature", "breach_person_categories", "breach_persons",
               "breach_record_categories", "breach_records", "breach_consequences", "breach_contact",
               "breach_notified_at"}
    changed = {k: v for k, v in fields.items() if k in allowed}
    with transaction.atomic():
        for key, value in changed.items():
            setattr(deviation, key, value)
        deviation.save(update_fields=list(changed))
        entry(deviation, "breach", "opplysninger om mulig brudd på personopplysningssikkerheten oppdatert",
              actor=actor.name, organisation=actor.organisation)
    return deviation


def timeline(actor: Actor, deviation: Deviation) -> list[DeviationEntry]:
    """The case's timeline as this organisation sees it: shared entries and its own internal notes."""
    return list(deviation.entries.filter(Q(internal=False) | Q(organisation=actor.organisation))
                .order_by("at", "id"))
