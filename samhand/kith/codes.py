"""Code systems (kodeverk) used by MsgHead 1.2 and AppRec 1.0/1.1.

Texts are the Norwegian code texts as printed in the standards; the authoritative, possibly newer,
lists live on volven.no (HIS 80415 §6.1, HIS 80601 "Generelt om kodeverk").
"""

from __future__ import annotations

from typing import Final

# Every code system OID is "2.16.578.1.12.4.1.1." + the code system number (HIS 80415 §6.1.1).
_OID_PREFIX: Final = "2.16.578.1.12.4.1.1."

HER_OID: Final = _OID_PREFIX + "9051"  # 9051 ID-typer for organisatoriske enheter
OID_9051: Final = HER_OID
OID_8116: Final = _OID_PREFIX + "8116"  # 8116 ID-type for personer
OID_8221: Final = _OID_PREFIX + "8221"  # 8221 Feilmeldinger for applikasjonskvittering
OID_8258: Final = _OID_PREFIX + "8258"  # 8258 Status for mottak av melding

# 8258 Status for mottak av melding (HIS 80415 §6.2).
STATUS_8258: Final[dict[str, str]] = {
    "1": "OK",
    "2": "Avvist",
    "3": "OK, feil i delmelding",
}

# 8221 Feilmeldinger for applikasjonskvittering - Generelle (HIS 80415 §6.3, the complete list).
ERRORS_8221: Final[dict[str, str]] = {
    "T01": "Ikke XML / ikke 'well formed' / uleselig",
    "T02": "XML validerer ikke",
    "T10": "Støtter ikke meldingsformatet",
    "T99": "Annen feil på format",
    "S01": "Feil på signatur",
    "S02": "Ugyldig sertifikat",
    "S03": "Tilbaketrukket sertifikat",
    "S99": "Annen feil på signatur eller sertifikat",
    "E10": "Ugyldig meldingsidentifikator",
    "E20": "Lege finnes ikke",
    "E21": "Mottaker finnes ikke",
    "E30": "Pasientens fødselsnummer mangler",
    "E31": "Pasientens fødselsnummer er feil",
    "E32": "Pasientens navn mangler",
    "E35": "Pasienten finnes ikke i mottakersystemet",
    "E36": "Pasientopplysninger er utilstrekkelig",
    "E53": "Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret.",
    "E54": "Pasientens fødselsnummer er ikke registrert i mottagersystemet",
    "X99": "Annen feil",
}

# 8116 ID-type for personer (HIS 80601, "Kodeverk: 8116"). FHN (felles hjelpenummer) is a later
# addition on volven.no; Dialogmelding v1.1 (HIS 80603:2017 §3.2) names it as a public patient id.
ID_TYPES_8116: Final[dict[str, str]] = {
    "FNR": "Fødselsnummer",
    "DNR": "D-nummer",
    "HNR": "H-nummer",
    "FHN": "Felles hjelpenummer",
    "HPR": "HPR-nummer",
    "HER": "HER-id",
    "PNR": "Passnummer",
    "SEF": "Svensk personnummer",
    "DKF": "Dansk personnummer",
    "SSN": "Sosial security number",
    "FPN": "Forsikringspolise nummer",
    "XXX": "Annet",
}

# 9051 ID-typer for organisatoriske enheter (HIS 80601), the two used for addressing.
ORG_ID_TYPES_9051: Final[dict[str, str]] = {
    "HER": "HER-id",
    "ENH": "Organisasjonsnummeret i Enhetsregister",
}

# 8112 Rolle til mottaker (HIS 80601), extended with PRIM for AppRec 1.1 (HIS 80415 §4.4.4).
ROLES_8112: Final[dict[str, str]] = {
    "PRIM": "Primærmottaker",
    "COP": "Kopimottaker",
    "FR": "Mottaker i videresendt melding",
    "OR": "Opprinnelig mottaker",
}

# 3101 Kjønn (HIS 80601).
SEX_3101: Final[dict[str, str]] = {"1": "Mann", "2": "Kvinne", "9": "Ikke spesifisert"}
