"""The broker's decision rules as data (issue 15 §1; docs/access.md has the same table).

``decide(facts)`` walks RULES top to bottom; the first rule whose condition holds decides.
Pure: no database, so the table is tested as a table (tests/access/test_rules.py).
The explanation is what the clinician is shown (bokmål; the portal translates it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Callable

from django.utils.translation import gettext_noop

PERMIT, DENY, EMERGENCY_ONLY = "permit", "deny", "emergency-only"
PURPOSES = ("TREAT", "COORD", "EMERGENCY")
# Professions authorised in HPR that treat patients (the requester's role). Administrative staff,
# secretaries and operators are not health personnel in this sense (helsepersonelloven §§ 3, 48).
CLINICAL_ROLES = frozenset({
    "lege", "sykepleier", "spesialsykepleier", "helsesykepleier", "jordmor", "helsefagarbeider",
    "hjelpepleier", "omsorgsarbeider", "fysioterapeut", "ergoterapeut", "vernepleier", "psykolog",
    "farmasøyt", "radiograf", "bioingeniør", "tannlege", "klinisk ernæringsfysiolog",
    "physician", "nurse", "helsepersonell",
})
HPR = re.compile(r"^\d{6,9}$")


@dataclass(frozen=True)
class Facts:
    purpose: str
    role: str
    hpr: str
    reason: str  # written by the requester
    holder_known: bool
    same_organisation: bool
    care_relation: bool
    blocked: bool  # a block on the record at the holder (whole record, or this practitioner)

    @property
    def clinician(self) -> bool:
        return self.role.strip().lower() in CLINICAL_ROLES and bool(HPR.match(self.hpr or ""))

    @property
    def emergency(self) -> bool:
        return self.purpose == "EMERGENCY"


@dataclass(frozen=True)
class Rule:
    code: str
    when: Callable[[Facts], bool]
    outcome: str
    explanation: str
    emergency: bool = False


RULES: tuple[Rule, ...] = (
    Rule("unknown-purpose", lambda f: f.purpose not in PURPOSES, DENY,
         gettext_noop("Ukjent formål: oppgi behandling, koordinering eller nødtilgang.")),
    Rule("unknown-holder", lambda f: not f.holder_known, DENY,
         gettext_noop("Ukjent virksomhet eller tjeneste: HER-id-en finnes ikke i adresseregisteret.")),
    Rule("not-health-personnel", lambda f: not f.clinician, DENY,
         gettext_noop("Bare helsepersonell med HPR-nummer og klinisk rolle kan be om tilgang til journaldokumenter.")),
    Rule("own-organisation", lambda f: f.same_organisation, DENY,
         gettext_noop("Dokumentene tilhører din egen virksomhet: les dem i eget journalsystem.")),
    Rule("emergency-without-reason", lambda f: f.emergency and len(f.reason.strip()) < 10, DENY,
         gettext_noop("Nødtilgang krever en skriftlig begrunnelse (minst 10 tegn).")),
    Rule("emergency", lambda f: f.emergency, PERMIT,
         gettext_noop("Nødtilgang gitt for en begrenset tid. Tilgangen blir kontrollert av personvernkontakten."),
         emergency=True),
    Rule("blocked", lambda f: f.blocked, EMERGENCY_ONLY,
         gettext_noop("Pasienten har sperret journalen for deg eller din virksomhet (sperret). Bare nødtilgang er mulig.")),
    Rule("care-relation", lambda f: f.care_relation, PERMIT,
         gettext_noop("Dere har et aktivt behandlingsforhold til pasienten.")),
    Rule("no-care-relation", lambda f: True, DENY,
         gettext_noop("Ingen aktiv behandlingsrelasjon: ingen åpent pasientforløp, meldingsutveksling i perioden eller "
            "videomøte mellom virksomhetene om denne pasienten.")),
)


@dataclass(frozen=True)
class Outcome:
    outcome: str
    rule: str
    explanation: str
    emergency: bool


def decide(facts: Facts) -> Outcome:
    for rule in RULES:
        if rule.when(facts):
            return Outcome(rule.outcome, rule.code, rule.explanation, rule.emergency)
    raise AssertionError("the last rule always holds")
