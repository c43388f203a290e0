"""Automatic deviations from the exchange's (and the rooms') events (issue 12 §4).

Each rule is switched on or off in the approved deviation procedure (``rules``), and each makes
at most one draft per natural key (message and receiver, episode and step, downtime and reporter
…), so an event delivered twice, or the same problem seen again, never makes a second draft.
A draft waits for the reporting organisation's meldingsansvarlig to confirm or discard it.

Who reports and who is responsible: the organisation that noticed the problem reports it (the
sender of a message that got no or a negative receipt; the receiver of a misdirected message;
the side waiting for an overdue chain step; the partners whose messages a downtime held) and
the other party is responsible.
"""

from __future__ import annotations

from datetime import timedelta

from samhand.chains.models import Episode
from samhand.directory.models import CommunicationParty, Organisation
from samhand.exchange.models import Delivery, Message
from samhand.monitoring.models import Downtime, ManualHandling
from samhand.lib import clock

from . import procedures
from .models import Category, DeviationLink
from .services import create_draft

KINDS = {"apprec-received", "apprec-timeout", "chain-step-overdue", "downtime-overrun", "downtime-unannounced",
         "reconciliation-difference", "misdirected"}


def org_of(her_id: str) -> Organisation | None:
    org = Organisation.objects.filter(her_id=her_id).first()
    if org is not None:
        return org
    party = CommunicationParty.objects.select_related("organisation").filter(her_id=her_id).first()
    return party.organisation if party else None


def _her_ids(org: Organisation) -> list[str]:
    return [org.her_id, *org.parties.values_list("her_id", flat=True)]


def _message_link(message: Message) -> DeviationLink:
    return DeviationLink(kind=DeviationLink.Kind.MESSAGE, message=message)


def _receiver(event) -> str:
    return event.delivery.her_id if event.delivery_id else event.message.receiver_her_id


def handle(event) -> None:
    """One event: the rule for its kind, if that rule is switched on."""
    handler = HANDLERS.get(event.kind)
    if handler is not None:
        handler(event)


# --- AppRec ----------------------------------------------------------------------------------------

def apprec_received(event) -> None:
    data = event.data or {}
    if data.get("status") in (None, "1") or event.message is None:
        return
    params = procedures.current("deviation")
    codes = [e.get("code") for e in data.get("errors") or [] if isinstance(e, dict)]
    message = event.message
    reporter, responsible = org_of(message.sender_her_id), org_of(_receiver(event))
    if reporter is None or responsible is None or reporter.pk == responsible.pk:
        return
    wanted = [c for c in codes if c in params["negativeCodes"]]
    if wanted and procedures.rule_enabled("apprec-negative"):
        create_draft(
            key=f"apprec-negative:{message.pk}:{_receiver(event)}", rule="apprec-negative",
            category=Category.MESSAGE_EXCHANGE, reporter=reporter, responsible=responsible,
            responsible_her_id=_receiver(event), occurred_at=event.at, links=[_message_link(message)],
            title=f"Negativ applikasjonskvittering ({', '.join(wanted)}) på {message.msg_type}",
            description=f"{responsible.name} avviste meldingen med {', '.join(wanted)}.")
    if procedures.rule_enabled("apprec-repeated"):
        _repeated(reporter, responsible, params, event)


def _repeated(reporter: Organisation, responsible: Organisation, params: dict, event) -> None:
    """The same partner's negative AppRecs reach the threshold within the window: one draft a day."""
    now = clock.now()
    since = now - timedelta(hours=params["repeatedNegativeWindowHours"])
    count = Message.objects.filter(is_apprec=True, apprec_status="2", sender_her_id__in=_her_ids(responsible),
                                   receiver_her_id__in=_her_ids(reporter), created_at__gte=since).count()
    if count < params["repeatedNegativeThreshold"]:
        return
    create_draft(key=f"apprec-repeated:{reporter.pk}:{responsible.pk}:{now.date().isoformat()}", rule="apprec-repeated",
                 category=Category.MESSAGE_EXCHANGE, reporter=reporter, responsible=responsible,
                 occurred_at=since, links=[_message_link(event.message)],
                 title=f"Gjentatte negative kvitteringer fra {responsible.name}",
                 description=f"{count} negative applikasjonskvitteringer siste "
                             f"{params['repeatedNegativeWindowHours']} timer.")


def apprec_timeout(event) -> None:
    if event.message is None or not procedures.rule_enabled("apprec-timeout"):
        return
    message, receiver = event.message, _receiver(event)
    reporter, responsible = org_of(message.sender_her_id), org_of(receiver)
    if reporter is None or responsible is None or reporter.pk == responsible.pk:
        return
    create_draft(key=f"apprec-timeout:{message.pk}:{receiver}", rule="apprec-timeout",
                 category=Category.MESSAGE_EXCHANGE, reporter=reporter, responsible=responsible,
                 responsible_her_id=receiver, occurred_at=message.created_at, links=[_message_link(message)],
                 title=f"Ingen applikasjonskvittering etter 96 timer på {message.msg_type}",
                 description="Avsender har ikke fått applikasjonskvittering innen 96 timer (HITS 1168); "
                             "meldingen regnes som ikke mottatt.")


# --- the standard chain ------------------------------------------------------------------------------

def chain_step_overdue(event) -> None:
    if not procedures.rule_enabled("chain-step-overdue"):
        return
    data = event.data or {}
    episode = Episode.objects.filter(pk=data.get("episode")).first()
    if episode is None:
        return
    responsible = org_of(data.get("organisation_her_id") or "")
    if responsible is None:
        return
    # The other side of the episode waits for the step and reports it.
    other = (episode.municipality_org_her_id if responsible.her_id == episode.hospital_org_her_id
             else episode.hospital_org_her_id)
    reporter = org_of(other or "")
    if reporter is None or reporter.pk == responsible.pk:
        return
    step = data.get("step", "")
    create_draft(key=f"chain-step-overdue:{episode.pk}:{step}", rule="chain-step-overdue", category=Category.CHAIN,
                 reporter=reporter, responsible=responsible, occurred_at=event.at,
                 links=[DeviationLink(kind=DeviationLink.Kind.EPISODE, episode=episode)],
                 title=f"Obligatorisk steg i meldingsforløpet forfalt: {step}",
                 description=f"Steget «{step}» i standard meldingsforløp kom ikke innen fristen.")


# --- downtime ----------------------------------------------------------------------------------------

def _affected(target_her_ids: list[str], since) -> list[Organisation]:
    """Organisations with messages to the target still without a positive receipt (the ones who noticed)."""
    senders = set(Delivery.objects.filter(her_id__in=target_her_ids, created_at__gte=since)
                  .exclude(state__in=("acknowledged", "acknowledged-with-errors"))
                  .values_list("message__sender_her_id", flat=True))
    orgs = {org.pk: org for org in filter(None, (org_of(h) for h in senders))}
    return list(orgs.values())


def downtime_overrun(event) -> None:
    if not procedures.rule_enabled("downtime-overrun"):
        return
    downtime = (Downtime.objects.select_related("party__organisation", "organisation")
                .filter(pk=(event.data or {}).get("downtime")).first())
    if downtime is None:
        return
    responsible = downtime.target_organisation
    targets = [downtime.party.her_id] if downtime.party_id else _her_ids(responsible)
    for reporter in _affected(targets, downtime.start - timedelta(hours=4)):
        if reporter.pk == responsible.pk:
            continue
        create_draft(key=f"downtime-overrun:{downtime.pk}:{reporter.pk}", rule="downtime-overrun",
                     category=Category.DOWNTIME, reporter=reporter, responsible=responsible,
                     occurred_at=downtime.expected_end,
                     links=[DeviationLink(kind=DeviationLink.Kind.DOWNTIME, downtime=downtime)],
                     title=f"Nedetid hos {downtime.target_name} varte lenger enn varslet",
                     description="Forventet slutt er passert uten ny melding eller friskmelding.")


def downtime_unannounced(event) -> None:
    if not procedures.rule_enabled("downtime-unannounced"):
        return
    her_id = (event.data or {}).get("her_id") or ""
    responsible = org_of(her_id)
    if responsible is None:
        return
    now = clock.now()
    for reporter in _affected([her_id], now - timedelta(days=4)):
        if reporter.pk == responsible.pk:
            continue
        create_draft(key=f"downtime-unannounced:{her_id}:{reporter.pk}:{now.date().isoformat()}",
                     rule="downtime-unannounced", category=Category.DOWNTIME, reporter=reporter,
                     responsible=responsible, responsible_her_id=her_id if her_id != responsible.her_id else "",
                     occurred_at=event.at, links=[_message_link(event.message)] if event.message_id else [],
                     title=f"Meldingsstopp hos {responsible.name} uten varsel om nedetid",
                     description=f"Trafikken til HER-id {her_id} stoppet uten at nedetid var varslet.")


# --- the manual routine -------------------------------------------------------------------------------

def reconciliation_difference(event) -> None:
    if not procedures.rule_enabled("reconciliation-difference"):
        return
    handling = ManualHandling.objects.filter(pk=(event.data or {}).get("manual")).select_related("message").first()
    if handling is None or handling.sender_organisation_id is None or handling.receiver_organisation_id is None:
        return
    if handling.sender_organisation_id == handling.receiver_organisation_id:
        return
    create_draft(key=f"reconciliation-difference:{handling.pk}", rule="reconciliation-difference",
                 category=Category.MESSAGE_EXCHANGE, reporter=handling.sender_organisation,
                 responsible=handling.receiver_organisation, responsible_her_id=handling.receiver_her_id,
                 occurred_at=handling.handled_at, links=[_message_link(handling.message)],
                 title=f"Avstemmingsdifferanse etter manuell rutine ({handling.message.msg_type})",
                 description=(event.data or {}).get("text") or "Manuelt formidlet melding er ikke avstemt av begge "
                                                               "parter.")


# --- misdirected messages ------------------------------------------------------------------------------

REASONS = {"wrong-receiver": "feil adressat", "unknown-patient": "ukjent pasient", "wrong-content": "feil innhold"}


def misdirected(event) -> None:
    if event.message is None or not procedures.rule_enabled("misdirected"):
        return
    message = event.message
    receiver = _receiver(event)
    reporter, responsible = org_of(receiver), org_of(message.sender_her_id)
    if reporter is None or responsible is None or reporter.pk == responsible.pk:
        return
    reason = (event.data or {}).get("reason", "wrong-receiver")
    create_draft(key=f"misdirected:{message.pk}", rule="misdirected", category=Category.MISDIRECTED,
                 reporter=reporter, responsible=responsible, responsible_her_id=message.sender_her_id,
                 occurred_at=message.created_at, links=[_message_link(message)], possible_breach=True,
                 title=f"Feiladressert melding ({REASONS.get(reason, reason)}): {message.msg_type}",
                 description="Meldingen er slettet hos mottaker og ikke lagt inn i journalen; avsender er varslet "
                             "med DIALOG_AVVIK.")


HANDLERS = {"apprec-received": apprec_received, "apprec-timeout": apprec_timeout,
            "chain-step-overdue": chain_step_overdue, "downtime-overrun": downtime_overrun,
            "downtime-unannounced": downtime_unannounced, "reconciliation-difference": reconciliation_difference,
            "misdirected": misdirected}
