"""Stable clinical facts about one fictitious patient, derived from the national id.

The same patient gets the same scenario, allergies, medication list, services and function
scores in every message of the chain; only the wording (``Ctx.rng``) varies.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from .ctx import Ctx
from .scenarios import AF, DEM, DM2, HF, HT, KOLS, OSTEO, SCENARIOS, Diagnosis, Drug, Scenario

CHRONIC: dict[str, list[Drug]] = {
    HT.code: [Drug("Amlodipin", "5", "mg", "1 tabl kl 08", atc=("C08CA01", "Amlodipin"))],
    DM2.code: [Drug("Metformin", "500", "mg", "1 tabl kl 08 og 18", atc=("A10BA02", "Metformin"),
                    note="Tas sammen med mat.")],
    AF.code: [
        Drug("Eliquis", "5", "mg", "1 tabl kl 08 og 20", atc=("B01AF02", "Apiksaban")),
        Drug("Selo-Zok", "50", "mg", "1 tabl kl 08", atc=("C07AB02", "Metoprolol"),
             note="Depottabletten kan deles, men skal ikke tygges eller knuses."),
    ],
    HF.code: [
        Drug("Burinex", "1", "mg", "2 tabl kl 08 og 1 tabl kl 14", atc=("C03CA02", "Bumetanid")),
        Drug("Triatec", "2.5", "mg", "1 tabl kl 08", atc=("C09AA05", "Ramipril")),
    ],
    KOLS.code: [
        Drug("Spiriva Respimat", "2.5", "mikrog", "2 inhalasjoner kl 08", atc=("R03BB04", "Tiotropium"), tablet=False),
        Drug("Ventoline", "0.1", "mg", "1-2 inhalasjoner ved tungpust", "3", ("R03AC02", "Salbutamol"), tablet=False),
    ],
    OSTEO.code: [
        Drug("Alendronat", "70", "mg", "1 tabl hver mandag kl 07", atc=("M05BA04", "Alendronsyre"),
             note="Tas fastende med et helt glass vann. Skal sitte oppreist en halvtime etterpå."),
        Drug("Calcigran Forte", "500", "mg", "1 tyggetabl kl 20", atc=("A12AX", "Kalsium, kombinasjoner med vitamin D")),
    ],
    DEM.code: [Drug("Donepezil", "5", "mg", "1 tabl kl 20", atc=("N06DA02", "Donepezil"))],
}
EXTRA = [
    Drug("Paracet", "500", "mg", "2 tabl ved smerter, maks 8 tabl per døgn", "3", ("N02BE01", "Paracetamol")),
    Drug("Pantoprazol", "20", "mg", "1 tabl kl 08", atc=("A02BC02", "Pantoprazol")),
    Drug("Levaxin", "50", "mikrog", "1 tabl kl 07", atc=("H03AA01", "Levotyroksinnatrium"),
         note="Tas fastende en halvtime før frokost."),
    Drug("Imovane", "5", "mg", "1 tabl ved søvnvansker", "3", ("N05CF01", "Zopiklon")),
    Drug("Movicol", "13.8", "g", "1 dosepose kl 08", atc=("A06AD65", "Makrogol, kombinasjoner"), tablet=False),
]


@dataclass(frozen=True)
class Cave:
    keyword: str  # CaveStikkord
    substance: str | None  # AllergiskMot
    atc: tuple[str, str] | None = None  # VirkestoffLegemiddel (code system 7180 ATC)
    kind: str = "drug"  # drug, insect or contact
    note: str | None = None


CAVES = [
    Cave("Ingen kjente legemiddelallergier.", None),
    Cave("Morfin. Gir kraftig kvalme og oppkast.", "Morfin", ("N02AA01", "Morfin")),
    Cave("Sulfonamider. Utslett.", "Sulfametoksazol og trimetoprim", ("J01EE01", "Sulfametoksazol og trimetoprim")),
    Cave("Ibuprofen. Magesår i 2015.", "Ibuprofen", ("M01AE01", "Ibuprofen")),
    Cave("Kodein. Forvirring og forstoppelse.", "Kodein", ("R05DA04", "Kodein")),
    Cave("Vepsestikk. Blodtrykksfall.", "Veps", kind="insect", note="Har adrenalinpenn."),
    Cave("Plaster. Kontaktallergi.", "Plaster med sinkoksid", kind="contact"),
]
INFECTION_NOTES = [
    None, None, None, None,
    "ESBL-positiv i urin i 2022. Kontaktsmitte, eget toalett anbefales.",
    "MRSA-bærer påvist i 2021, sanert. Kontrollprøver negative.",
]

#: IPLOS function variables, code system 9111 (texts as in the official samples).
FUNCTIONS_9111 = [
    "Sosial deltakelse", "Skaffe seg varer og tjenester", "Beslutninger i dagliglivet",
    "Ivareta egen helse", "Bevege seg innendørs", "Alminnelig husarbeid", "Personlig hygiene",
    "På- og avkledning", "Lage mat", "Spise", "Toalett", "Bevege seg utendørs", "Syn", "Hørsel",
    "Hukommelse", "Kommunikasjon", "Styre atferd",
]


@dataclass(frozen=True)
class Service:
    code: str | None  # IPLOS service type, code system 9151
    code_text: str | None
    name: str
    details: str
    start: date


@dataclass(frozen=True)
class Facts:
    scenario: Scenario
    comorbid: tuple[Diagnosis, ...]
    drugs: tuple[Drug, ...]  # in use before admission
    cave: Cave
    infection: str | None
    multidose: bool
    lives_alone: bool
    widowed: bool
    function: tuple[int, ...]  # 17 IPLOS scores, 1 (no need of help) .. 5
    services: tuple[Service, ...]
    hearing_aid: bool
    contact_lenses: bool
    walker: str


def scenario_of(ctx: Ctx) -> Scenario:
    if ctx.scenario is not None:
        return SCENARIOS[ctx.scenario]
    keys = sorted(SCENARIOS)
    return SCENARIOS[keys[zlib.crc32(ctx.patient.national_id.encode()) % len(keys)]]


def facts(ctx: Ctx) -> Facts:
    r = random.Random(zlib.crc32(ctx.patient.national_id.encode()) ^ 0x5A17)
    sc = scenario_of(ctx)
    comorbid = tuple(d for d in sc.comorbid if r.random() < 0.75) or sc.comorbid[:1]
    drugs: list[Drug] = []
    for d in (sc.main, *comorbid):
        drugs += CHRONIC.get(d.code, [])
    drugs += r.sample(EXTRA, r.randint(1, 3))
    started = {d.name for d in sc.started}
    drugs = [d for d in drugs if d.name not in started]
    admitted = ctx.admitted.date()
    services = [Service("15", "[Hjemmetjenester:] Helsetjenester i hjemmet", "Hjemmesykepleie",
                        r.choice(["Morgen- og kveldsbesøk med hjelp til stell og legemidler.",
                                  "Besøk tre ganger daglig for legemidler, tilsyn og hjelp til måltider.",
                                  "Ukentlig besøk for dosett og sårstell."]),
                        admitted - timedelta(days=r.randint(60, 1500)))]
    if r.random() < 0.6:
        services.append(Service("1", "[Hjemmetjenester:] Praktisk bistand: daglige gjøremål", "Hjemmehjelp",
                                "Rengjøring hver fjortende dag.", admitted - timedelta(days=r.randint(60, 900))))
    if r.random() < 0.4:
        services.append(Service("5", "[Hjemmetjenester:] Matombringing", "Matombringing",
                                "Middag levert fem dager i uken.", admitted - timedelta(days=r.randint(30, 400))))
    if r.random() < 0.7:
        services.append(Service(None, None, "Trygghetsalarm", "Alarm koblet til responssenteret.",
                                admitted - timedelta(days=r.randint(100, 2000))))
    base = r.randint(1, 3)
    function = tuple(max(1, min(5, base + r.choice([-1, 0, 0, 1, 2]))) for _ in FUNCTIONS_9111)
    return Facts(
        scenario=sc,
        comorbid=comorbid,
        drugs=tuple(drugs),
        cave=r.choice(CAVES),
        infection=r.choice(INFECTION_NOTES),
        multidose=r.random() < 0.6,
        lives_alone=r.random() < 0.7,
        widowed=r.random() < 0.5,
        function=function,
        services=tuple(services),
        hearing_aid=r.random() < 0.4,
        contact_lenses=r.random() < 0.1,
        walker=r.choice(["Rullator", "Rullator", "Spaserstokk", "Krykker"]),
    )
