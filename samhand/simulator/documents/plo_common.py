"""Building blocks shared by the PLO documents (poKomponent, EPJ fragments), for one poKomponent
namespace ``po`` (1.6: .../poKomponent/2012-04-01, 1.5: .../2009-06-30)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from lxml import etree

from .clinical import FUNCTIONS_9111, Cave, Facts
from .ctx import STATUS_7309, Ctx, HealthPerson, Relative
from .nodes import (
    EPJ1, EPJ2, EPJ3, FK1, M1, address, bool_text, component_id, cs, cv, department_org, hcp, no_date,
    service_org, sub, telecom, ts,
)
from .scenarios import Diagnosis, Drug
from .text import Prose

# Journaltekst/Overskriftskode: (V, DN, code system)
AAI = ("AAI", "Årsak til innleggelse", 9142)
PROB = ("PROB", "Aktuell problemstilling", 9142)
FO = ("FO", "Forløp og behandling", 9142)
FU = ("FU", "Funn og undersøkelsesresultat", 9142)
OP = ("OP", "Planer for videre oppfølging", 9142)
SYKEPLEIESAMMENFATNING = ("8", "Sykepleiesammenfatning", 9141)
STATUS_UT = ("12", "Status ved utskrivning", 9141)
EGNE_VURDERINGER = ("13", "Pasientens egne vurderinger", 9141)
PRAKTISK = ("14", "Praktiske opplysninger", 9141)
ANNET = ("88", "Annet", 9141)
PASIENTENS_STATUS = ("1", "Pasientens status", 9145)
ANTATT_FORLOP = ("2", "Antatt forløp", 9145)

# Hendelsekode, code system 9121
INNLAGT = ("1", "Pasient innlagt")
UTSKREVET = ("2", "Pasient utskrevet")
UTSKRIVNINGSKLAR = ("3", "Pasient utskrivningsklar")
AVMELDING = ("4", "Avmelding av utskrivningsklar pasient")

ACUTE_CODES = {"F059", "R296"}  # not known to the municipality before the admission

Heading = tuple[str, str, int]


def check_status(ctx: Ctx, allowed: str) -> str:
    if ctx.status not in allowed:
        raise ValueError(f"Forsendelsesstatus {ctx.status!r} is not allowed here (only {', '.join(allowed)})")
    return ctx.status


def make_prose(ctx: Ctx, f: Facts, before_admission: bool = False, until: datetime | None = None) -> Prose:
    """Sentences for ctx's patient. Time-stamped entries fall between the admission and ``until``
    (default: the discharge), or within the two weeks before the admission (municipal reports
    written at admission time)."""
    fields = {
        "avdeling": ctx.department.name,
        "sted": ctx.department.place,
        "kommune": ctx.service.municipality,
        "tjeneste": ctx.service.name.lower(),
        "lege": f"{ctx.physician.given_name} {ctx.physician.family_name}",
        "innlagt": no_date(ctx.admitted),
        "klar": no_date(ctx.ready_date),
    }
    if before_admission:
        period = (ctx.admitted - timedelta(days=14), ctx.admitted - timedelta(hours=2))
    else:
        period = (ctx.admitted, max(until or ctx.discharge_time, ctx.admitted))
    return Prose(ctx.rng, fields, ctx.patient.male, period, f.scenario.texts)


def forsendelse(root: etree._Element, po: str, status: str) -> None:
    el = sub(root, po, "InformasjonOmForsendelsen")
    cs(el, po, "Forsendelsesstatus", status, STATUS_7309[status])


def tilknyttet_department(root: etree._Element, po: str, ctx: Ctx) -> None:
    department_org(sub(root, po, "TilknyttetEnhet"), po, "Kontaktenhet", ctx.department)


def tilknyttet_service(root: etree._Element, po: str, ctx: Ctx) -> None:
    service_org(sub(root, po, "TilknyttetEnhet"), po, "Kontaktenhet", ctx.service)


def kontaktperson(root: etree._Element, po: str, person: HealthPerson, role: str | None, note: str | None = None) -> None:
    el = sub(root, po, "KontaktpersonHelsepersonell")
    hcp(el, po, "Kontaktperson", person, role)
    if note:
        sub(el, po, "Merknad", note)


def ansvar(root: etree._Element, po: str, person: HealthPerson, role: str | None,
           approved: date | None = None, note: str | None = None) -> None:
    el = sub(root, po, "AnsvarForRapport")
    hcp(el, po, "AnsvarligRapport", person, role)
    if approved is not None:
        sub(el, po, "GodkjentDato", approved.isoformat())
    if note:
        sub(el, po, "Merknad", note)


def tilleggsopplysning(root: etree._Element, po: str, f: Facts) -> None:
    el = sub(root, po, "TilleggsopplysningPasient")
    if f.widowed:
        cs(el, po, "SivilStatus", "6", "Enke/enkemann")
    sub(el, po, "BorAlene", bool_text(f.lives_alone))


def parorende(root: etree._Element, po: str, relatives: Iterable[Relative]) -> None:
    for i, rel in enumerate(relatives):
        el = sub(root, po, "ParorendeForesatt")
        if rel.relation_code:
            cs(el, po, "Slektskap", rel.relation_code, rel.relation)
        person = sub(el, po, "Referanseperson")
        sub(person, FK1, "FamilyName", rel.family_name)
        sub(person, FK1, "GivenName", rel.given_name)
        if rel.address:
            address(person, rel.address)
        if rel.phone:
            telecom(person, FK1, rel.phone, "MC")
        notes = [] if rel.relation_code else [rel.relation + "."]
        if i == 0:
            notes.append("Nærmeste pårørende.")
        if notes:
            sub(el, po, "Merknad", " ".join(notes))


def hendelse(parent: etree._Element, po: str, code: tuple[str, str] | None, when: date | datetime,
             anslag: bool, description: str | None = None, note: str | None = None) -> etree._Element:
    el = sub(parent, po, "TidsfestetHendelse")
    if code is not None:
        cv(el, po, "Hendelsekode", code[0], code[1], 9121)
    if description is not None:
        sub(el, po, "BeskrivelseAvHendelse", description)
    sub(el, po, "TidspunktForHendelse", V=ts(when))
    sub(el, po, "Anslag", bool_text(anslag))
    if note is not None:
        sub(el, po, "Merknad", note)
    return el


def opphold(root: etree._Element, po: str, code: tuple[str, str] | None, when: date | datetime,
            anslag: bool, description: str | None = None) -> None:
    hendelse(sub(root, po, "OpplysningOpphold"), po, code, when, anslag, description)


def diagnoser(root: etree._Element, po: str, main: Diagnosis | None, others: Iterable[Diagnosis]) -> None:
    el = sub(root, po, "InfoMedisinskDiagnose")
    for d, is_main in ([(main, True)] if main else []) + [(d, False) for d in others]:
        md = sub(el, po, "MedisinskDiagnose")
        sub(md, po, "Hoveddiagnose", bool_text(is_main))
        cv(md, po, "Diagnosekode", d.code, d.text, 7110)


def journaltekst(parent: etree._Element, heading: Heading | None, text: str, note: str | None = None) -> etree._Element:
    """epj2:Journaltekst; returns the Notat element (a padding slot)."""
    el = sub(parent, EPJ2, "Journaltekst")
    if heading is not None:
        cv(el, EPJ2, "Overskriftskode", heading[0], heading[1], heading[2])
    notat = sub(el, EPJ2, "Notat", text)
    if note:
        sub(el, EPJ2, "Merknad", note)
    return notat


def _epj_attrs(el: etree._Element, ctx: Ctx, category: str | None, komponenttype: str, basis: str) -> None:
    if category:
        el.set(f"{{{M1}}}informasjonskategori", category)
    el.set("komponentID", component_id(ctx.rng))
    el.set(f"{{{M1}}}komponenttype", komponenttype)
    el.set(f"{{{M1}}}basiskomponenttype", basis)


def journalnotat(parent: etree._Element, ctx: Ctx, category: str = "Andre notater") -> etree._Element:
    el = sub(parent, EPJ2, "GenereltJournalnotat")
    _epj_attrs(el, ctx, category, "2.16.578.1.12.4.1.6.13.11009.0", "EPJ dokument")
    return el


def cave(parent: etree._Element, ctx: Ctx, c: Cave) -> None:
    el = sub(parent, EPJ1, "Cave")
    _epj_attrs(el, ctx, "Cave/allergier", "2.16.578.1.12.4.1.6.14.50001.0", "EPJ sak")
    head = sub(el, EPJ1, "SakshodeCave")
    _epj_attrs(head, ctx, "Cave/allergier", "2.16.578.1.12.4.1.6.13.10028.0", "EPJ dokument")
    sub(sub(head, EPJ1, "StikkordCave"), EPJ1, "CaveStikkord", c.keyword)
    if c.substance is None:
        return
    note = sub(el, EPJ1, "Allerginotat")
    _epj_attrs(note, ctx, None, "2.16.578.1.12.4.1.6.13.11036.1", "EPJ dokument")
    if c.note:
        journaltekst(note, None, c.note)
    allergy = sub(note, EPJ1, "Allergi")
    sub(allergy, EPJ1, "HensynVedForskrivning", bool_text(c.kind == "drug"))
    sub(allergy, EPJ1, "HensynMatDrikke", "false")
    sub(allergy, EPJ1, "Kontaktallergi", bool_text(c.kind == "contact"))
    sub(allergy, EPJ1, "PollenInnsektstikk", bool_text(c.kind == "insect"))
    sub(allergy, EPJ1, "AllergiskMot", c.substance)
    if c.atc:
        cv(allergy, EPJ1, "VirkestoffLegemiddel", c.atc[0], c.atc[1], 7180)


def drug_start(drug: Drug, admitted: datetime) -> date:
    """A stable, plausible start date for a drug in use before the admission."""
    return admitted.date() - timedelta(days=30 + zlib.crc32(drug.name.encode()) % 700)


def forskrivningsinfo(parent: etree._Element, drug: Drug, start: date | None, end: date | None,
                      dose: str | None = None) -> None:
    el = sub(parent, EPJ3, "Forskrivningsinfo")
    if dose or drug.dose:
        sub(el, EPJ3, "DosVeiledEnkel", dose or drug.dose)
    sub(el, EPJ3, "Navn", drug.name)
    if drug.atc:
        cs(el, EPJ3, "Atc", drug.atc[0], drug.atc[1])
    if drug.tablet:
        cs(el, EPJ3, "Legemiddelform", "53", "Tablett")
    sub(el, EPJ3, "Styrke", V=drug.strength, U=drug.unit)
    if start is not None:
        sub(el, EPJ3, "Bruk", V=drug.use, DN={"1": "Fast", "2": "Kur", "3": "Ved behov"}[drug.use])
        sub(el, EPJ3, "DoseringStarttidspunkt", V=ts(start))
        if end is not None:
            sub(el, EPJ3, "DoseringSluttidspunkt", V=ts(end))
    sub(el, EPJ3, "SkalIkkeTasSammenMedAnnetLegemiddel", "false")


def legemiddel(root: etree._Element, ctx: Ctx, drug: Drug, start: date, multidose: bool,
               end: date | None = None, stopped: bool = False) -> None:
    info = sub(root, EPJ3, "Legemiddelinfo")
    _epj_attrs(info, ctx, "Legemidler", "2.16.578.1.12.4.1.6.13.10301.0", "EPJ dokument")
    ff = sub(info, EPJ3, "ForenkletForskrivning")
    if stopped:
        cs(ff, EPJ3, "StatusTilForskrivningen", "2", "Seponering")
    in_multidose = multidose and drug.tablet and drug.use == "1" and not stopped
    if in_multidose:
        cs(ff, EPJ3, "InngaarIMultidose", "2",
           "Legemiddeldosering inngår i multidose og informasjon er sendt til leverandør")
    else:
        cs(ff, EPJ3, "InngaarIMultidose", "1", "Legemiddeldosering inngår ikke i en multidose")
    if drug.note:
        sub(ff, EPJ3, "Merknad", drug.note)
    forskrivningsinfo(ff, drug, None if stopped else start, end)


def administrert(parent: etree._Element, ctx: Ctx, drugs: Iterable[Drug], when: datetime) -> None:
    el = sub(parent, EPJ3, "LegemidlerAdministrertVedOverforing")
    _epj_attrs(el, ctx, None, "2.16.578.1.12.4.1.6.13.10302.0", "EPJ dokument")
    for drug in drugs:
        adm = sub(el, EPJ3, "AdmAvHelsepersonell")
        sub(adm, EPJ3, "AdmStart", V=ts(when))
        forskrivningsinfo(adm, drug, None, None, dose=f"Gitt kl {when:%H:%M} på utskrivningsdagen")


def funksjonsniva(root: etree._Element, po: str, f: Facts, assessed: date) -> None:
    el = sub(root, po, "InfoKartleggingFunksjonsniva")
    sub(sub(el, po, "SamletVurderingFunksjonsniva"), po, "Merknad", f"Funksjonsvurdering gjort {no_date(assessed)}.")
    for i, (name, score) in enumerate(zip(FUNCTIONS_9111, f.function), start=1):
        k = sub(el, po, "KartlagtFunksjon")
        cv(k, po, "Funksjonsvariabel", str(i), name, 9111)
        sub(k, po, "Vurdering", str(score))


def eksisterende_tjenester(root: etree._Element, po: str, ctx: Ctx, f: Facts) -> None:
    for s in f.services:
        el = sub(root, po, "EksisterendeTjeneste")
        if s.code:
            cv(el, po, "IPLOStjenestetype", s.code, s.code_text or "", 9151)
        sub(el, po, "BetegnelseTjeneste", s.name)
        sub(el, po, "PrivatTjeneste", "false")
        sub(el, po, "TjenestenLevertAv", f"{ctx.service.name}, {ctx.service.municipality}")
        sub(el, po, "OpplysningerOmTjenesten", s.details)
        sub(el, po, "Startdato", s.start.isoformat())


def hjelpemidler(root: etree._Element, po: str, f: Facts) -> None:
    el = sub(root, po, "OpplysningerOmHjelpemidler")
    if f.hearing_aid or f.contact_lenses:
        fast = sub(el, po, "FasteHjelpemidler")
        if f.contact_lenses:
            cs(fast, po, "Briller", "8", "Kontaktlinser")
        if f.hearing_aid:
            cs(fast, po, "HjelpemiddelHorsel", "1", "Høreapparat")
    status = sub(el, po, "StatusHjelpemiddel")
    cs(status, po, "Status", "6", "Aktiv")
    sub(sub(status, po, "Hjelpemiddelbeskrivelse"), po, "BetegnelseHjelpemiddel", f.walker)


def cancellation_note(root: etree._Element, po: str, prose: Prose) -> None:
    info = sub(sub(root, po, "Sykepleierdokumentasjon"), po, "InfoFraSykepleier")
    journaltekst(info, None, prose.pick("kansellering"))
