"""Urgent dialogue (S12): a forespørsel with Hastegrad 9067 "haster" must be answered within the
short answer time of the approved urgent-dialogue routine.

On the answering side, when the time is up and no svar has come:
1. an alert to the receiving organisation (meldingsansvarlig) and an e-mail to its contact points;
2. after ``conf.escalate_after()`` more, the on-call addresses and number from the directory.
It stops as soon as the question is answered or closed by phone. The asking side shows a "ring nå"
card (the on-call number and who to ask for) from the same deadline, in the portal.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from samhand.directory.models import CommunicationParty, Organisation
from samhand.directory.services import party_by_her_id
from samhand.lib import clock

from . import conf
from .models import Thread

ALERT_KIND = "dialogue-urgent"


@dataclass(frozen=True)
class CallCard:
    """Who to ring on the answering side, from the directory."""

    service: str
    organisation: str
    on_call_phone: str
    phone: str
    ask_for: str
    contacts: list[tuple[str, str, str]]  # (name, role, phone) of on-call contact points


def call_card(her_id: str) -> CallCard | None:
    party = CommunicationParty.objects.select_related("organisation").filter(her_id=her_id).first()
    org = party.organisation if party else Organisation.objects.filter(her_id=her_id).first()
    if org is None:
        return None
    contacts = [(c.name, c.role, c.phone) for c in org.contacts.all() if c.phone]
    on_call = [c for c in contacts if "vakt" in f"{c[0]} {c[1]}".lower() or "døgn" in f"{c[0]} {c[1]}".lower()]
    service = party.name if party else org.name
    return CallCard(service=service, organisation=org.name, on_call_phone=org.ma_on_call_phone,
                    phone=org.ma_phone, ask_for=f"ansvarlig sykepleier/lege i {service}",
                    contacts=on_call or contacts)


def escalation_step(owner: str, limit: int = 50) -> int:
    now = clock.now()
    done = 0
    first = Thread.objects.filter(side=Thread.Side.ANSWERING, urgent=True, state=Thread.State.OPEN,
                                  escalation_level=0, answer_by__lte=now)
    for pk in list(first.values_list("pk", flat=True)[:limit]):
        done += _escalate(pk, 0, now)
    second = Thread.objects.filter(side=Thread.Side.ANSWERING, urgent=True, state=Thread.State.OPEN,
                                   escalation_level=1, escalated_at__lte=now - conf.escalate_after())
    for pk in list(second.values_list("pk", flat=True)[:limit]):
        done += _escalate(pk, 1, now)
    return done


def _escalate(pk, level: int, now) -> int:
    from samhand.monitoring import alerts, mail

    with transaction.atomic():
        if not Thread.objects.filter(pk=pk, state=Thread.State.OPEN, escalation_level=level).update(
                escalation_level=level + 1, escalated_at=now):
            return 0  # answered meanwhile, or another worker escalated it
        thread = Thread.objects.select_related("question").get(pk=pk)
        party = party_by_her_id(thread.her_id)
        if party is None:
            return 1
        org = party.organisation
        asker = party_by_her_id(thread.partner_her_id)
        asker_name = f"{asker.name}, {asker.organisation.name}" if asker else thread.partner_her_id
        late = int((now - thread.answer_by).total_seconds() // 60)
        subject = (f"[samhand] HASTER: ubesvart forespørsel fra {asker_name} til {party.name}" if level == 0 else
                   f"[samhand] ESKALERT: hasteforespørsel til {party.name} er fortsatt ubesvart")
        body = (f"En forespørsel merket «haster» fra {asker_name} til {party.name} skulle vært besvart innen "
                f"{clock_text(thread.answer_by)} ({late} min siden).\n"
                f"MsgId {thread.question_msg_id}. Svar i fagsystemet eller i samhand-portalen, eller ring "
                f"avsender og registrer at saken er avklart på telefon.\n")
        if level == 0:
            raised = alerts.raise_finding(alerts.Finding(
                kind=ALERT_KIND, organisation_id=org.pk, partner_her_id=thread.partner_her_id,
                partner_name=asker_name, message_id=thread.question_id,
                detail=f"Hasteforespørsel til {party.name} ubesvart etter svarfristen"))
            if raised.opened and raised.alert is not None:
                alerts.notify_opened(raised.alert)
            contacts = [c.email for c in org.contacts.all() if c.email]
            mail.enqueue(f"dialogue:{thread.pk}:contact", to=mail.meldingsansvarlig(org) + contacts,
                         subject=subject, body=body, organisation=org)
        else:
            phones = ", ".join(p for p in (org.ma_on_call_phone, org.ma_phone) if p) or "–"
            mail.enqueue(f"dialogue:{thread.pk}:on-call", to=mail.on_call(org), subject=subject,
                         body=body + f"Vakttelefon {org.name}: {phones}\n", organisation=org)
    return 1


def clock_text(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%d.%m.%Y kl. %H:%M")


def stop_escalation(thread: Thread, *, reason: str) -> None:
    """The question is settled: its alert item clears, and the alert resolves when nothing is left."""
    if not thread.urgent:
        return
    from samhand.monitoring import alerts
    from samhand.monitoring.models import AlertItem

    now = clock.now()
    items = AlertItem.objects.filter(kind=ALERT_KIND, message_id=thread.question_id, cleared_at__isnull=True)
    touched = {item.alert_id for item in items}
    items.update(cleared_at=now, cleared_reason=reason[:200])
    for alert_id in touched:
        alert = alerts.Alert.objects.get(pk=alert_id)
        if not alert.items.filter(cleared_at__isnull=True).exists():
            alerts.resolve_alert(alert, by="samhand", automatically=True)
