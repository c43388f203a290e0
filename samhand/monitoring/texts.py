"""What people read: e-mails to meldingsansvarlig, in Norwegian bokmål.

E-mail is not a channel for patient data: alerts name message types, MsgIds and times only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from . import conf

TITLES = {
    "apprec-late": "Kvittering forsinket",
    "apprec-missing": "Kvittering mangler etter 96 timer",
    "rejected": "Negativ applikasjonskvittering",
    "failed": "Melding kunne ikke leveres",
    "backlog": "Meldinger står i kø",
    "suspected-down": "Mottaker mistenkes å være nede",
    "probe-failed": "Kommunikasjonstest feilet",
    "manual-routine": "Manuell rutine nødvendig",
    "downtime-overrun": "Nedetid varer lenger enn varslet",
    "misdirected": "Melding rapportert feilsendt",
    "dialogue-urgent": "Hasteforespørsel ubesvart",
}

ADVICE = {
    "apprec-late": "Mottaker har ennå ikke sendt applikasjonskvittering. Følg med; sjekk med mottaker om "
                   "forsinkelsen vedvarer.",
    "apprec-missing": "Etter HITS 1168 §9.1 skal meldingen nå regnes som avvist. Kontakt mottaker, og send "
                      "meldingen på nytt eller bruk manuell rutine.",
    "rejected": "Mottaker har avvist meldingen (tekniske feil eller adresseringsfeil). Se feilkodene, rett "
                "feilen i fagsystemet og send på nytt.",
    "failed": "Meldingen kunne ikke overføres til mottaker. Kontakt mottaker og bruk manuell rutine om "
              "innholdet haster.",
    "backlog": "Meldinger til denne mottakeren er ikke levert. Sjekk forbindelsen, eller om mottaker har "
               "varslet nedetid.",
    "suspected-down": "Mottaker sender ikke lenger kvitteringer eller svarer ikke på kommunikasjonstest. "
                      "Meldingsovervåkingen foreslår å registrere ikke-planlagt nedetid "
                      "(POST /api/v1/downtime), slik at meldinger holdes tilbake og partnere varsles.",
    "probe-failed": "Kommunikasjonstesten (dialogmelding med applikasjonskvittering) kom ikke i retur som "
                    "forventet. Kontroller meldingsmottaket i fagsystemet.",
    "manual-routine": "Meldingene kan ikke leveres elektronisk innen fristen. Start manuell rutine: skriv ut "
                      "meldingen (PDF) og ring mottaker. Bekreft i avstemmingslisten etterpå.",
    "downtime-overrun": "Forventet slutt på nedetiden er passert. Avslutt nedetiden når driften er normal, "
                        "eller varsle partnerne om ny forventet slutt.",
    "misdirected": "Mottaker har sendt «Tilbakemelding om feil i mottatt melding» (DIALOG_AVVIK) og trukket "
                   "innholdet tilbake. Finn riktig mottaker, send meldingen på nytt fra meldingssiden i portalen "
                   "(eller POST /api/v1/messages/{id}/resend), og vurder om det er et avvik.",
    "dialogue-urgent": "En forespørsel merket «haster» er ikke besvart innen fristen. Svar i fagsystemet eller "
                       "portalen, eller ring avsender og registrer at saken er avklart på telefon.",
}


def local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y kl. %H:%M") if value else "–"


def duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} t {minutes} min"
    if hours:
        return f"{hours} time" if hours == 1 else f"{hours} timer"
    return f"{minutes} min"


def type_name(message) -> str:
    """The Norwegian name of the message's type (MsgHead's DN for code system 8279), else its code."""
    dn = (message.envelope or {}).get("msg_type_dn") if isinstance(message.envelope, dict) else ""
    return dn if dn and dn != message.msg_type else message.msg_type


def summary(kind: str, partner_name: str) -> str:
    return f"{TITLES.get(kind, kind)}: {partner_name}"


def alert_subject(alert) -> str:
    return f"[samhand] {TITLES.get(alert.kind, alert.kind)}: {alert.partner_name}"


def _items(alert, limit: int = 25) -> str:
    lines = []
    for item in alert.items.select_related("message").filter(cleared_at__isnull=True)[:limit]:
        message = item.message
        if message is not None:
            lines.append(f"  - {type_name(message)} (MsgId {message.msg_id}), sendt {local(message.created_at)}"
                         + (f": {item.detail}" if item.detail else ""))
        elif item.detail:
            lines.append(f"  - {item.detail}")
    more = alert.count - len(lines)
    if more > 0 and lines:
        lines.append(f"  … og {more} til")
    return "\n".join(lines) or "  (ingen enkeltmeldinger)"


def alert_body(alert) -> str:
    return (f"Til meldingsansvarlig i {alert.organisation.name}.\n\n"
            f"{TITLES.get(alert.kind, alert.kind)} – {alert.partner_name}.\n"
            f"Åpnet {local(alert.opened_at)}. Berørte meldinger: {alert.count}.\n\n"
            f"{_items(alert)}\n\n"
            f"Hva bør gjøres: {ADVICE.get(alert.kind, '')}\n\n"
            "Kvitter ut varselet når noen følger det opp (GET/POST /api/v1/alerts eller portalen), ellers "
            "eskaleres kritiske varsler til vakttelefon/vaktadresse. Varselet løses automatisk når årsaken er "
            f"borte.\nVarsel-id: {alert.pk}\n{conf.public_url()}/varsler/\n")


def escalation_body(alert, after: timedelta) -> str:
    org = alert.organisation
    phones = ", ".join(p for p in (org.ma_on_call_phone, org.ma_phone) if p) or "–"
    return (f"ESKALERING: varselet er ikke kvittert ut etter {duration(after)}.\n"
            f"Vakttelefon {org.name}: {phones}\n\n" + alert_body(alert))


def downtime_change(downtime, organisation, *, previous_end) -> tuple[str, str]:
    """(subject, body) of a changed downtime (new expected end, description or contact)."""
    kind = "Planlagt" if downtime.planned else "Ikke-planlagt"
    target = downtime.target_name
    subject = f"[samhand] Endret nedetid: {target} til {local(downtime.expected_end)}"
    moved = ("" if previous_end == downtime.expected_end else
             f"Forventet slutt er flyttet fra {local(previous_end)} til {local(downtime.expected_end)} "
             f"(forventet varighet nå {duration(downtime.expected_end - downtime.start)}).\n")
    body = (f"Til meldingsansvarlig i {organisation.name}.\n\n"
            f"{kind} nedetid for elektronisk meldingsutveksling med {target} er endret.\n"
            f"Start: {local(downtime.start)}\nForventet slutt: {local(downtime.expected_end)}\n{moved}\n"
            f"Beskrivelse: {downtime.description}\n"
            f"Kontakt under nedetiden: {downtime.contact or '–'}\n\n"
            "Meldinger til denne mottakeren holdes fortsatt tilbake og sendes når nedetiden er over.\n"
            f"{conf.public_url()}/nedetid/\n")
    return subject, body


def downtime_notice(downtime, organisation, *, ending: bool, held: int = 0) -> tuple[str, str]:
    """(subject, body) of a downtime notice or its all-clear to one partner organisation."""
    kind = "Planlagt" if downtime.planned else "Ikke-planlagt"
    target = downtime.target_name
    length = downtime.expected_end - downtime.start
    if ending:
        subject = f"[samhand] Friskmelding: {target} er i drift igjen"
        actual = (downtime.ended_at or downtime.expected_end) - downtime.start
        body = (f"Til meldingsansvarlig i {organisation.name}.\n\n"
                f"{kind.lower().capitalize()} nedetid for {target} er avsluttet {local(downtime.ended_at)} "
                f"(varte {duration(actual)}).\n"
                f"Meldinger som ble holdt tilbake ({held}) sendes nå i opprinnelig rekkefølge.\n"
                "Meldinger som er behandlet manuelt i perioden, merkes «allerede behandlet manuelt» hos mottaker "
                "og står på avstemmingslisten til begge parter har bekreftet dem.\n")
        return subject, body
    subject = f"[samhand] {kind} nedetid: {target} {local(downtime.start)}–{local(downtime.expected_end)}"
    body = (f"Til meldingsansvarlig i {organisation.name}.\n\n"
            f"{kind} nedetid for elektronisk meldingsutveksling med {target}.\n"
            f"Start: {local(downtime.start)}\nForventet slutt: {local(downtime.expected_end)} "
            f"(forventet varighet {duration(length)})\n\n"
            f"Beskrivelse: {downtime.description}\n"
            f"Kontakt under nedetiden: {downtime.contact or '–'}\n\n"
            "Meldinger til denne mottakeren holdes tilbake i samhand (de feiler ikke) og sendes automatisk i "
            "riktig rekkefølge når nedetiden er over. Meldinger som ikke kan vente, håndteres etter manuell "
            "rutine (utskrift og telefon). Du får friskmelding når driften er normal igjen.\n"
            f"{conf.public_url()}/nedetid/\n")
    return subject, body
