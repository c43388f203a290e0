"""PLO 1.6 reports: Innleggelsesrapport (HIS 1143), Helseopplysninger (HIS 1144) and
Utskrivningsrapport / TverrfagligEpikrise (HIS 1148), plus the 1.6 logistics messages.

Content follows the profiles' "obligatorisk innhold" and the structure of the official samples
(Innleggelsesrapport_v1-6_Ny.xml, Helseopplysninger_*_v1-6_*.xml, Utskrivningsrapport_v1-6_Ny.xml).
Status M sends the complete content again (HISD 1154 §3); status C sends a short cancellation.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from lxml import etree

from .clinical import facts
from .ctx import Built, Ctx
from .logistikk import log_avmelding, log_innlagt, log_utskrevet, log_utskrivningsklar
from .nodes import EPJ1, EPJ2, EPJ3, FK1, M1, bool_text, cv, hcp, plo_ns, root, sub
from .padding import Slot, pad
from .plo_common import (
    AAI, ACUTE_CODES, ANNET, ANTATT_FORLOP, EGNE_VURDERINGER, FO, FU, INNLAGT, OP, PASIENTENS_STATUS, PRAKTISK, PROB,
    STATUS_UT, SYKEPLEIESAMMENFATNING, UTSKRIVNINGSKLAR, administrert, ansvar, cancellation_note, cave,
    check_status, diagnoser, drug_start, eksisterende_tjenester, forsendelse, funksjonsniva, hjelpemidler,
    journalnotat, journaltekst, kontaktperson, legemiddel, make_prose, opphold, parorende, tilknyttet_department,
    tilknyttet_service, tilleggsopplysning,
)

__all__ = [
    "helseopplysninger", "innleggelsesrapport", "log_avmelding", "log_innlagt", "log_utskrevet",
    "log_utskrivningsklar", "utskrivningsrapport",
]

PO = plo_ns("poKomponent")
_EPJ_NS = {"epj1": EPJ1, "epj2": EPJ2, "epj3": EPJ3, "m1": M1, "fk1": FK1, None: PO}
CHANGE_NOTE = "Endringsmelding: erstatter tidligere sendt rapport i sin helhet."


def _doc(name: str, prefix: str, schema_file: str) -> tuple[str, etree._Element]:
    ns = plo_ns(name)
    return ns, root(ns, name, {prefix: ns, **_EPJ_NS}, schema_file)


def innleggelsesrapport(ctx: Ctx) -> Built:
    """INNLEGGELSESRAPPORT, municipal nursing service -> hospital (reply to LOG_INNLAGT)."""
    status = check_status(ctx, "NMC")
    f = facts(ctx)
    prose = make_prose(ctx, f, before_admission=True)
    ns, doc = _doc("Innleggelsesrapport", "p7", "Innleggelsesrapport-v1.6.xsd")
    forsendelse(doc, PO, status)
    slots: list[Slot] = []
    approved = ctx.admitted.date()
    if status == "C":
        tilknyttet_service(doc, PO, ctx)
        ansvar(doc, PO, ctx.municipal_nurse, "9", approved)
        cancellation_note(doc, PO, prose)
        return Built(doc, "INNLEGGELSESRAPPORT", "Innleggelsesrapport", ns, "Innleggelsesrapport-v1.6.xsd",
                     "nursing", "hospital")
    tilleggsopplysning(doc, PO, f)
    parorende(doc, PO, ctx.relatives)
    tilknyttet_service(doc, PO, ctx)
    if ctx.gp is not None:
        kontaktperson(doc, PO, ctx.gp, "6")
    ansvar(doc, PO, ctx.municipal_nurse, "9", approved, CHANGE_NOTE if status == "M" else None)
    known = [d for d in f.comorbid if d.code not in ACUTE_CODES]
    if known:
        diagnoser(doc, PO, None, known)
    med = sub(doc, PO, "MedisinskfagligeOpplysninger")
    cave(med, ctx, f.cave)
    if f.infection:
        journaltekst(journalnotat(med, ctx, "Cave/allergier"), ANNET, f.infection)
    slots.append((journaltekst(journalnotat(med, ctx), AAI, prose.text("aarsak", (2, 3))), "aarsak"))
    for drug in f.drugs:
        legemiddel(doc, ctx, drug, drug_start(drug, ctx.admitted), f.multidose)
    eksisterende_tjenester(doc, PO, ctx, f)
    funksjonsniva(doc, PO, f, approved - timedelta(days=20 + ctx.rng.randint(0, 60)))
    nursing = sub(doc, PO, "Sykepleierdokumentasjon")
    info = sub(nursing, PO, "InfoFraSykepleier")
    follow = sub(info, PO, "OpplysningerRelevantOppfolging")
    sub(follow, PO, "HjelpLegemiddeladm", "true")
    sub(follow, PO, "MerknadTilLegemiddeladministrering", prose.text("legemiddeladm", 2))
    slots.append((journaltekst(info, SYKEPLEIESAMMENFATNING, prose.text("sykepleie", (4, 6))), "sykepleie"))
    slots.append((journaltekst(info, PRAKTISK, prose.text("praktisk", (2, 3))), "praktisk"))
    other = sub(sub(doc, PO, "OpplysningerAndreFaggrupper"), PO, "AndreFagrapporter")
    slots.append((journaltekst(other, None, prose.text("fysio", (1, 2))), "fysio"))
    hjelpemidler(doc, PO, f)
    pad(doc, slots + [slots[1]], ctx.target_bytes, prose)
    return Built(doc, "INNLEGGELSESRAPPORT", "Innleggelsesrapport", ns, "Innleggelsesrapport-v1.6.xsd",
                 "nursing", "hospital")


def helseopplysninger(ctx: Ctx, update: bool = False) -> Built:
    """HELSEOPPL_SOKNAD ("Helseopplysninger"), hospital -> case-handling service. First sending is
    "Varsel om innlagt pasient" (9140 code 1); update=True gives "Oppdaterte opplysninger" (code 2),
    normally sent with status M."""
    status = check_status(ctx, "NMC")
    f = facts(ctx)
    first_day = ctx.admitted + timedelta(hours=20)
    prose = make_prose(ctx, f, until=datetime.combine(ctx.ready_date, time(8)) if update else first_day)
    ns, doc = _doc("HelseopplysningerVedSoknad", "p5", "Helseopplysninger-v1.6.xsd")
    forsendelse(doc, PO, status)
    slots: list[Slot] = []
    if status != "C":
        parorende(doc, PO, ctx.relatives)
    tilknyttet_department(doc, PO, ctx)
    kontaktperson(doc, PO, ctx.physician, "19")
    type_el = sub(doc, PO, "TypeInnholdIMelding")
    if update:
        cv(type_el, PO, "TypeInnhold", "2", "Oppdaterte opplysninger", 9140)
        if status != "C":
            sub(type_el, PO, "Merknad", prose.text("endringer", (1, 2)))
    else:
        cv(type_el, PO, "TypeInnhold", "1", "Varsel om innlagt pasient", 9140)
    opphold(doc, PO, INNLAGT, ctx.admitted, False)
    opphold(doc, PO, UTSKRIVNINGSKLAR, ctx.ready_date, True)
    if status == "C":
        cancellation_note(doc, PO, prose)
        return Built(doc, "HELSEOPPL_SOKNAD", "Helseopplysninger", ns, "Helseopplysninger-v1.6.xsd",
                     "hospital", "case_handling")
    if update:
        diagnoser(doc, PO, f.scenario.main, f.comorbid)
    med = sub(doc, PO, "MedisinskfagligeOpplysninger")
    cave(med, ctx, f.cave)
    note = journalnotat(med, ctx)
    slots.append((journaltekst(note, PASIENTENS_STATUS, prose.text("status", (2, 3))), "status"))
    slots.append((journaltekst(note, ANTATT_FORLOP, prose.text("antatt", (1, 2))), "antatt"))
    info = sub(sub(doc, PO, "Sykepleierdokumentasjon"), PO, "InfoFraSykepleier")
    slots.append((journaltekst(info, SYKEPLEIESAMMENFATNING, prose.text("sykepleie", (2, 4))), "sykepleie"))
    slots.append((journaltekst(info, PRAKTISK, prose.text("praktisk", (1, 2))), "praktisk"))
    need = sub(doc, PO, "TjenesteBehov")
    cv(need, PO, "IPLOStjenestetype", "15", "[Hjemmetjenester:] Helsetjenester i hjemmet", 9151)
    sub(need, PO, "BetegnelseTjeneste", "Hjemmesykepleie")
    slots.append((sub(need, PO, "BeskrivelseAvTjeneste", prose.text("tjenestebehov", (1, 2))), "tjenestebehov"))
    pad(doc, slots, ctx.target_bytes, prose)
    return Built(doc, "HELSEOPPL_SOKNAD", "Helseopplysninger", ns, "Helseopplysninger-v1.6.xsd",
                 "hospital", "case_handling")


def utskrivningsrapport(ctx: Ctx) -> Built:
    """UTSKRIVNINGSRAPPORT, hospital -> municipal nursing service on the discharge day
    (TverrfagligEpikrise, 9139 code 11 "Utskrivningsrapport")."""
    status = check_status(ctx, "NMC")
    f = facts(ctx)
    prose = make_prose(ctx, f)
    ns, doc = _doc("TverrfagligEpikrise", "p8", "TverrfagligEpikrise-v1.6.xsd")
    out = ctx.discharge_time
    forsendelse(doc, PO, status)
    slots: list[Slot] = []
    if status != "C":
        tilleggsopplysning(doc, PO, f)
        parorende(doc, PO, ctx.relatives)
    tilknyttet_department(doc, PO, ctx)
    kontaktperson(doc, PO, ctx.physician, "19")
    ansvar(doc, PO, ctx.nurse, None, out.date(), CHANGE_NOTE if status == "M" else None)
    cv(sub(doc, PO, "TypeInnholdIMelding"), PO, "TypeInnhold", "11", "Utskrivningsrapport", 9139)
    if status == "C":
        cancellation_note(doc, PO, prose)
        return Built(doc, "UTSKRIVNINGSRAPPORT", "Utskrivningsrapport", ns, "TverrfagligEpikrise-v1.6.xsd",
                     "hospital", "nursing")
    opphold(doc, PO, None, ctx.admitted, False, "Innlagt dato")
    opphold(doc, PO, None, ctx.admitted, False, "Innlagt fra: bosted")
    opphold(doc, PO, None, out, False, "Utskrevet dato")
    diagnoser(doc, PO, f.scenario.main, f.comorbid)
    med = sub(doc, PO, "MedisinskfagligeOpplysninger")
    cave(med, ctx, f.cave)
    note = journalnotat(med, ctx)
    journaltekst(note, PROB, prose.text("problem", 1))
    slots.append((journaltekst(note, FO, prose.text("forlop", (3, 4))), "forlop"))
    slots.append((journaltekst(note, FU, prose.text("funn", (1, 2))), "funn"))
    slots.append((journaltekst(note, OP, prose.text("plan", (2, 3))), "plan"))
    day = out.date()
    fixed = [d for d in f.drugs if d.use == "1"]
    for drug in f.drugs:
        legemiddel(doc, ctx, drug, drug_start(drug, ctx.admitted), f.multidose)
    for drug in f.scenario.started:
        end = day + timedelta(days=drug.days) if drug.days else None
        legemiddel(doc, ctx, drug, ctx.admitted.date() + timedelta(days=1), False, end)
    if f.infection:
        other = journalnotat(sub(doc, PO, "InfoAndreViktigeOpplysninger"), ctx, "Cave/allergier")
        journaltekst(other, ANNET, f.infection)
    nursing = sub(doc, PO, "Sykepleierdokumentasjon")
    info = sub(nursing, PO, "InfoFraSykepleier")
    follow = sub(info, PO, "OpplysningerRelevantOppfolging")
    sub(follow, PO, "HjelpLegemiddeladm", "true")
    sub(follow, PO, "EndringFunksjonsnivaa", prose.sentence("status_ut"))
    slots.append((journaltekst(info, SYKEPLEIESAMMENFATNING, prose.text("sykepleie", (3, 5))), "sykepleie"))
    slots.append((journaltekst(info, STATUS_UT, prose.text("status_ut", (2, 3))), "status_ut"))
    journaltekst(info, EGNE_VURDERINGER, prose.text("egne", 1))
    slots.append((journaltekst(info, PRAKTISK, prose.text("praktisk", (1, 2))), "praktisk"))
    morning = [d for d in fixed + [d for d in f.scenario.started if d.use != "3"] if "kl 08" in d.dose]
    if morning:
        administrert(nursing, ctx, morning, datetime.combine(day, time(8, 0)))
    other = sub(sub(doc, PO, "OpplysningerAndreFaggrupper"), PO, "AndreFagrapporter")
    slots.append((journaltekst(other, None, prose.text("fysio", (2, 3))), "fysio"))
    need = sub(doc, PO, "TjenesteBehov")
    cv(need, PO, "IPLOStjenestetype", "15", "[Hjemmetjenester:] Helsetjenester i hjemmet", 9151)
    sub(need, PO, "BetegnelseTjeneste", "Hjemmesykepleie")
    sub(need, PO, "BeskrivelseAvTjeneste", prose.text("tjenestebehov", 1))
    _informasjon_gitt(doc, ctx, day)
    if f.hearing_aid:
        assisted = sub(sub(doc, PO, "InfoAssistertKommunikasjon"), PO, "AssistertKommunikasjon")
        sub(assisted, PO, "Horselsvikt", "true")
        sub(assisted, PO, "Merknad", "Bruker høreapparat. Snakk tydelig og vend ansiktet mot pasienten.")
    control = sub(sub(doc, PO, "InfoKontrolltime"), PO, "InformasjonOmTime")
    sub(control, PO, "BestiltKontrolltime", "true")
    sub(control, PO, "TidspunktTime", datetime.combine(day + timedelta(days=21 + ctx.rng.randint(0, 40)),
                                                        time(ctx.rng.choice([8, 9, 10, 13]), 30)).isoformat())
    sub(control, PO, "Varighet", "30")
    sub(control, PO, "StedTime", f"{ctx.department.hospital_name}, {ctx.department.place}, poliklinikk")
    hjelpemidler(doc, PO, f)
    pad(doc, slots + [slots[0], slots[3]], ctx.target_bytes, prose)
    return Built(doc, "UTSKRIVNINGSRAPPORT", "Utskrivningsrapport", ns, "TverrfagligEpikrise-v1.6.xsd",
                 "hospital", "nursing")


def _informasjon_gitt(doc: etree._Element, ctx: Ctx, day: date) -> None:
    given = sub(sub(doc, PO, "InfoInformasjonGitt"), PO, "InformasjonGitt")
    sub(given, PO, "BeskrivelseInformasjon", "Informert om plan for videre oppfølging, legemiddelendringer og kontrolltime.")
    sub(given, PO, "MuntligInformasjon", bool_text(True))
    to = sub(given, PO, "InformasjonGittTil")
    sub(to, FK1, "FamilyName", ctx.patient.family_name)
    sub(to, FK1, "GivenName", ctx.patient.given_name)
    sub(given, PO, "InformasjonGittDato", day.isoformat())
    hcp(given, PO, "InformasjonGittAv", ctx.nurse)
