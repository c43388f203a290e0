"""Pasientlogistikk (PLO 1.6 and 1.5): LOG_INNLAGT, LOG_UTSKRIVNINGSKLAR, LOG_AVMELDING,
LOG_UTSKREVET. Profile HIS 1149:2014; MsgInfo/Type codes from its §3.2.1-3.5.1 and the official
samples Pasientlogistikk_*_v1-6_Ny.xml. Logistics messages carry no health information and allow
only Forsendelsesstatus N and C (HISD 1154 §3.1)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from lxml import etree

from .clinical import facts
from .ctx import Built, Ctx
from .nodes import FK1, PLO_15, PLO_16, cv, no_date, plo_ns, root, sub
from .padding import Slot, pad
from .plo_common import (
    AVMELDING, INNLAGT, UTSKREVET, UTSKRIVNINGSKLAR, ansvar, check_status, forsendelse, hendelse,
    kontaktperson, make_prose, tilknyttet_department,
)
from .text import Prose

TYPES = {
    "MeldingInnlagtPasient": ("LOG_INNLAGT", "Melding om innlagt pasient", "nursing"),
    "MeldingUtskrivningsklarPasient": ("LOG_UTSKRIVNINGSKLAR", "Melding om utskrivningsklar pasient", "case_handling"),
    "AvmeldingUtskrivningsklarPasient": ("LOG_AVMELDING", "Avmelding av utskrivningsklar pasient", "case_handling"),
    "MeldingOmUtskrevetPasient": ("LOG_UTSKREVET", "Melding om utskrevet pasient", "nursing"),
}
VERSIONS = {PLO_16: "1.6", PLO_15: "1.5"}


def _admitted_text(ctx: Ctx) -> str:
    return f"Pasienten ble innlagt {no_date(ctx.admitted)} ved {ctx.department.name}, {ctx.department.place}"


def build_logistics(ctx: Ctx, usage: str, version_date: str = PLO_16) -> Built:
    status = check_status(ctx, "NC")
    po = plo_ns("poKomponent", version_date)
    ns = plo_ns("Pasientlogistikk", version_date)
    schema_file = f"Pasientlogistikk-v{VERSIONS[version_date]}.xsd"
    doc = root(ns, "Pasientlogistikk", {"p1": ns, None: po, "fk1": FK1}, schema_file)
    until = {
        "MeldingInnlagtPasient": ctx.admitted + timedelta(hours=4),
        "MeldingUtskrivningsklarPasient": datetime.combine(ctx.ready_date, time(12)),
        "AvmeldingUtskrivningsklarPasient": datetime.combine(ctx.ready_date, time(12)),
    }.get(usage)
    prose = make_prose(ctx, facts(ctx), until=until)
    forsendelse(doc, po, status)
    tilknyttet_department(doc, po, ctx)
    if usage in ("MeldingUtskrivningsklarPasient", "AvmeldingUtskrivningsklarPasient"):
        # "Navn på beslutningsansvarlig lege" (HIS 1149 §3.3, §3.4)
        kontaktperson(doc, po, ctx.physician, "19", "Beslutningsansvarlig lege")
    ansvar(doc, po, ctx.nurse, None)
    body = sub(doc, ns, usage)
    slots = _content(body, po, usage, ctx, prose, status == "C")
    if status != "C":
        pad(doc, slots, ctx.target_bytes, prose)
    msg_type, dn, receiver = TYPES[usage]
    return Built(doc, msg_type, dn, ns, schema_file, "hospital", receiver)


def _content(body: etree._Element, po: str, usage: str, ctx: Ctx, prose: Prose, cancel: bool) -> list[Slot]:
    cancel_text = prose.pick("kansellering") if cancel else None
    slots: list[Slot] = []
    if usage == "MeldingInnlagtPasient":
        ev = hendelse(body, po, INNLAGT, ctx.admitted, False, cancel_text or _admitted_text(ctx))
        if not cancel:
            slots.append((sub(ev, po, "Merknad", prose.sentence("logistikk")), "logistikk"))
    elif usage in ("MeldingUtskrivningsklarPasient", "AvmeldingUtskrivningsklarPasient"):
        hendelse(body, po, INNLAGT, ctx.admitted, False, cancel_text or _admitted_text(ctx))
        ready = hendelse(body, po, UTSKRIVNINGSKLAR, ctx.ready_date, False)
        if usage == "AvmeldingUtskrivningsklarPasient":
            withdrawn = max(ctx.ready_date, ctx.admitted.date())
            last = hendelse(body, po, AVMELDING, withdrawn, False, note=prose.pick("avmelding"))
        else:
            last = ready
            if not cancel:
                sub(ready, po, "Merknad", prose.sentence("logistikk"))
        if not cancel:
            slots.append((last.find(f"{{{po}}}Merknad"), "logistikk"))
    else:  # MeldingOmUtskrevetPasient
        out = sub(body, po, "UtskrevetTil")
        cv(out, po, "Uttilstand", "1", "Som levende", 8431)
        cv(out, po, "UtTil", "1", "Bosted/arbeidssted", 8408)
        discharged = ctx.discharge_time
        description = cancel_text or f"Pasienten ble utskrevet {no_date(discharged)}"
        ev = hendelse(body, po, UTSKREVET, discharged, False, description)
        if not cancel:
            slots.append((sub(ev, po, "Merknad", prose.pick("utskrevet")), "logistikk"))
    return slots


def log_innlagt(ctx: Ctx) -> Built:
    """LOG_INNLAGT, hospital -> municipal nursing service: admission date and time."""
    return build_logistics(ctx, "MeldingInnlagtPasient")


def log_utskrivningsklar(ctx: Ctx) -> Built:
    """LOG_UTSKRIVNINGSKLAR, hospital -> case-handling service: admission and ready date,
    the physician who decided it."""
    return build_logistics(ctx, "MeldingUtskrivningsklarPasient")


def log_avmelding(ctx: Ctx) -> Built:
    """LOG_AVMELDING, hospital -> case-handling service: the patient is no longer ready."""
    return build_logistics(ctx, "AvmeldingUtskrivningsklarPasient")


def log_utskrevet(ctx: Ctx) -> Built:
    """LOG_UTSKREVET, hospital -> municipal nursing service: discharge date, discharged to home."""
    return build_logistics(ctx, "MeldingOmUtskrevetPasient")

