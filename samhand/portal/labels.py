"""Texts users read for codes the node stores: event kinds, AppRec statuses and errors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samhand import kith
from samhand.exchange.models import Delivery

EVENT_KINDS = {
    "submitted": _("Mottatt fra EPJ"),
    "received": _("Mottatt fra transport"),
    "created": _("Opprettet av noden"),
    "delivered": _("Levert"),
    "read": _("Hentet av mottakers EPJ"),
    "retry": _("Nytt forsøk"),
    "failed": _("Levering feilet"),
    "refused": _("Avvist ved mottak"),
    "apprec-sent": _("Applikasjonskvittering sendt"),
    "apprec-received": _("Applikasjonskvittering mottatt"),
    "apprec-ignored": _("Ekstra kvittering ignorert"),
    "duplicate-ignored": _("Duplikat ignorert"),
    "uncorrelated": _("Kvittering uten kjent melding"),
    "handled-manually": _("Behandlet manuelt"),
    "already-handled-manually": _("Levert, men allerede behandlet manuelt"),
    "manual-reconciled": _("Manuell behandling avstemt"),
    "apprec-timeout": _("Ingen kvittering innen fristen"),
    "transport-error": _("Feil meldt fra transporten"),
    "sent": _("Sendt"),
    "withdrawn": _("Registrert som feilsendt, innholdet trukket tilbake"),
    "misdirected": _("Feilsendt melding (avviksgrunnlag)"),
    "avvik-received": _("Tilbakemelding om feil i mottatt melding"),
    "avvik-unlinked": _("Tilbakemelding om feil uten kjent melding"),
    "resent": _("Sendt på nytt til riktig mottaker"),
    "purged": _("Konvolutten slettet etter revisjonsperioden"),
}

PARTNER_STATUS = {"ok": _("svarer"), "suspected-down": _("mistenkt nede"), "downtime": _("nedetid")}

ROLES = {"sender": _("avsender"), "receiver": _("mottaker"), "operator": pgettext_lazy("message view", "drift")}

# Code system 8258 and 8221 have official Norwegian texts (kith.codes); English users get these.
STATUS_8258 = {"1": _("OK"), "2": _("Avvist"), "3": _("OK, feil i delmelding")}
ERRORS_8221 = {
    "T01": _("Ikke XML / ikke 'well formed' / uleselig"),
    "T02": _("XML validerer ikke"),
    "T10": _("Støtter ikke meldingsformatet"),
    "T99": _("Annen feil på format"),
    "S01": _("Feil på signatur"),
    "S02": _("Ugyldig sertifikat"),
    "S03": _("Tilbaketrukket sertifikat"),
    "S99": _("Annen feil på signatur eller sertifikat"),
    "E10": _("Ugyldig meldingsidentifikator"),
    "E20": _("Lege finnes ikke"),
    "E21": _("Mottaker finnes ikke"),
    "E30": _("Pasientens fødselsnummer mangler"),
    "E31": _("Pasientens fødselsnummer er feil"),
    "E32": _("Pasientens navn mangler"),
    "E35": _("Pasienten finnes ikke i mottakersystemet"),
    "E36": _("Pasientopplysninger er utilstrekkelig"),
    "E53": _("Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret."),
    "E54": _("Pasientens fødselsnummer er ikke registrert i mottagersystemet"),
    "X99": _("Annen feil"),
}
assert ERRORS_8221.keys() == kith.ERRORS_8221.keys() and STATUS_8258.keys() == kith.STATUS_8258.keys()

STATE_CSS = {
    Delivery.State.QUEUED: "info", Delivery.State.SENT: "info", Delivery.State.DELIVERED: "info",
    Delivery.State.ACKNOWLEDGED: "ok", Delivery.State.PARTLY: "warn", Delivery.State.REFUSED: "bad",
    Delivery.State.REJECTED: "bad", Delivery.State.FAILED: "bad",
}


def event_label(kind: str) -> str:
    return EVENT_KINDS.get(kind, kind)


def apprec_status(code: str) -> str:
    return str(STATUS_8258.get(code, code))


def apprec_error(code: str) -> str:
    return str(ERRORS_8221.get(code, _("Ukjent feilkode")))


def state_label(state: str) -> str:
    try:
        return str(Delivery.State(state).label)
    except ValueError:
        return state
