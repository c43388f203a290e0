"""Namespaces and small lxml helpers shared by the builders (felleskomponent1 types, codes)."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime

from lxml import etree

from .ctx import Address, Department, HealthPerson, MunicipalService

XSI = "http://www.w3.org/2001/XMLSchema-instance"
FK1 = "http://www.kith.no/xmlstds/felleskomponent1"
EPJ1 = "http://www.kith.no/xmlstds/epj/epj1/2008-02-20"
EPJ2 = "http://www.kith.no/xmlstds/epj/epj2/2008-02-20"
EPJ3 = "http://www.kith.no/xmlstds/epj/epj3/2008-02-20"
M1 = "http://www.kith.no/xmlstds/epj/meta/2008-02-20"
DIALOG_10 = "http://www.kith.no/xmlstds/dialog/2006-10-11"
DIALOG_11 = "http://www.kith.no/xmlstds/dialog/2013-01-23"

PLO_16 = "2012-04-01"
PLO_15 = "2009-06-30"


def plo_ns(name: str, version_date: str = PLO_16) -> str:
    """PLO namespace, e.g. plo_ns("Pasientlogistikk") -> .../po/Pasientlogistikk/2012-04-01."""
    return f"http://www.kith.no/xmlstds/po/{name}/{version_date}"


def oid(code_system: int | str) -> str:
    """OID of a KITH code system ("volven" number), e.g. 9051 -> 2.16.578.1.12.4.1.1.9051."""
    return f"2.16.578.1.12.4.1.1.{code_system}"


def sub(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def cv(parent: etree._Element, ns: str, tag: str, v: str, dn: str, system: int | str) -> etree._Element:
    """A kith:CV element with V, DN and S (the order the official samples use)."""
    return sub(parent, ns, tag, V=v, DN=dn, S=oid(system))


def cs(parent: etree._Element, ns: str, tag: str, v: str, dn: str) -> etree._Element:
    return sub(parent, ns, tag, V=v, DN=dn)


def ts(value: date | datetime) -> str:
    """kith:TS value: a date, or a local date-time without fractions or zone (as the samples)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return value.isoformat()


def no_date(value: date | datetime) -> str:
    """Norwegian date for free text: 29.01.2018."""
    return value.strftime("%d.%m.%Y")


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def component_id(rng: random.Random) -> str:
    """An EPJ komponentID: a random (version 4) UUID drawn from rng, so seeds reproduce."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def root(ns: str, tag: str, nsmap: dict[str | None, str], schema_file: str) -> etree._Element:
    el = etree.Element(f"{{{ns}}}{tag}", nsmap={**nsmap, "xsi": XSI})
    el.set(f"{{{XSI}}}schemaLocation", f"{ns} {schema_file}")
    return el


# ---- felleskomponent1 ------------------------------------------------------------------------


def ident(parent: etree._Element, ns: str, value: str, type_v: str, type_dn: str, system: int) -> None:
    """fk1:Ident under an element named Ident in namespace ns (fk1 or the document's own)."""
    el = sub(parent, ns, "Ident")
    sub(el, FK1, "Id", value)
    cv(el, FK1, "TypeId", type_v, type_dn, system)


def telecom(parent: etree._Element, ns: str, phone: str, kind: str | None = "HP") -> None:
    el = sub(parent, ns, "TeleCom")
    if kind == "HP":
        cs(el, FK1, "TypeTelecom", "HP", "Hovedtelefon")
    elif kind == "MC":
        cs(el, FK1, "TypeTelecom", "MC", "Mobiltelefon")
    sub(el, FK1, "TeleAddress", V="tel:" + phone.replace(" ", ""))


def address(parent: etree._Element, adr: Address) -> None:
    el = sub(parent, FK1, "Address")
    sub(el, FK1, "StreetAdr", adr.street)
    sub(el, FK1, "PostalCode", adr.postal_code)
    sub(el, FK1, "City", adr.city)


def her_ident(parent: etree._Element, her_id: str) -> None:
    ident(parent, FK1, her_id, "HER", "HER-id", 9051)


def department_org(parent: etree._Element, ns: str, tag: str, dept: Department) -> etree._Element:
    """fk1:Organisation for a hospital department (name, HER-id, main phone)."""
    org = sub(parent, ns, tag)
    sub(org, FK1, "OrganisationName", f"{dept.name}, {dept.place}")
    her_ident(org, dept.her_id)
    if dept.phone:
        telecom(org, FK1, dept.phone)
    return org


def service_org(parent: etree._Element, ns: str, tag: str, svc: MunicipalService) -> etree._Element:
    """fk1:Organisation for a municipal service (name, HER-id, address, main phone)."""
    org = sub(parent, ns, tag)
    sub(org, FK1, "OrganisationName", f"{svc.name}, {svc.municipality}")
    her_ident(org, svc.her_id)
    if svc.address:
        address(org, svc.address)
    if svc.phone:
        telecom(org, FK1, svc.phone)
    return org


PROFESSIONS_9060 = {"SP": "Sykepleier", "LE": "Lege", "FT": "Fysioterapeut"}
ROLES_9034 = {
    "6": "Fastlege",
    "9": "Primærkontakt",
    "19": "Kontaktlege",
    "21": "Helsefaglig kontakt",
    "24": "Kontakt hos mottaker",
}


def local_user_id(person: HealthPerson) -> str:
    """Stand-in identifier when no HPR number is known: an EPR user name (XXX "Annet")."""
    return (person.given_name[:3] + person.family_name[:3]).upper()


def hcp(
    parent: etree._Element,
    ns: str,
    tag: str,
    person: HealthPerson,
    role: str | None = None,
    *,
    child_ns: str = FK1,
    ident_required: bool = True,
) -> etree._Element:
    """A HealthcareProfessional element {ns}tag. Its simple children are in child_ns: FK1 when the
    element has type fk1:HealthcareProfessional (PLO), the dialog namespace in Dialogmelding.
    Ident and TeleCom content is always fk1. PLO requires an Ident: without an HPR number an EPR
    user name is sent with id type XXX "Annet"."""
    el = sub(parent, ns, tag)
    if person.profession in PROFESSIONS_9060:
        cs(el, child_ns, "TypeHealthcareProfessional", person.profession, PROFESSIONS_9060[person.profession])
    if role is not None:
        cv(el, child_ns, "RoleToPatient", role, ROLES_9034[role], 9034)
    sub(el, child_ns, "FamilyName", person.family_name)
    sub(el, child_ns, "GivenName", person.given_name)
    if person.hpr:
        ident(el, child_ns, person.hpr, "HPR", "HPR-nummer", 8116)
    elif ident_required:
        ident(el, child_ns, local_user_id(person), "XXX", "Annet", 8116)
    if person.phone:
        telecom(el, child_ns, person.phone, kind=None)
    return el
