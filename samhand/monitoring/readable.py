"""A readable rendering of any business document (PLO, Dialogmelding) for the manual routine.

The printout must work for every message type the node carries, so it does not know the
schemas: it walks the XML and prints each element as a label with its value. Coded values
(KITH CV/CS: attributes V, DN, S) print as "DN (V)"; element names are split into words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

MAX_ROWS = 600
MAX_DEPTH = 12
_WORD = re.compile(r"[A-ZÆØÅ]?[a-zæøå0-9]+|[A-ZÆØÅ]+(?![a-zæøå])")
# Structure of the envelope of every value that says nothing to a reader.
_SKIP = {"Ident", "TypeId"}
# The common KITH building blocks (felleskomponenter) are named in English in the schemas.
LABELS = {
    "FamilyName": "Etternavn", "GivenName": "Fornavn", "MiddleName": "Mellomnavn", "DateOfBirth": "Fødselsdato",
    "Sex": "Kjønn", "Patient": "Pasient", "HealthcareProfessional": "Helsepersonell",
    "TypeHealthcareProfessional": "Helsepersonellkategori", "RoleToPatient": "Rolle i forhold til pasient",
    "Organisation": "Organisasjon", "OrganisationName": "Navn", "TeleCom": "Telekommunikasjon",
    "TeleAddress": "Telefon/adresse", "TypeTelecom": "Type", "Address": "Adresse", "StreetAdr": "Gateadresse",
    "PostalCode": "Postnummer", "City": "Poststed", "TypeAdr": "Adressetype", "County": "Fylke",
    "Country": "Land", "Ident": "Identifikator", "Id": "Id",
}


@dataclass(frozen=True)
class Row:
    depth: int
    label: str
    value: str  # "" for a heading


def label_of(tag: str) -> str:
    name = etree.QName(tag).localname if isinstance(tag, str) else str(tag)
    if name in LABELS:
        return LABELS[name]
    words = _WORD.findall(name) or [name]
    text = " ".join(w.lower() for w in words)
    return text[:1].upper() + text[1:]


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
BOOLEANS = {"true": "Ja", "false": "Nei", "1": None, "0": None}


def format_value(value: str) -> str:
    """A value as a Norwegian reader expects it: 29.01.2018, 29.01.2018 kl. 10:00, Ja/Nei."""
    text = (value or "").strip()
    found = _DATE.match(text)
    if found:
        return f"{found.group(3)}.{found.group(2)}.{found.group(1)}"
    found = _DATETIME.match(text)
    if found:
        if found.group(6):
            from datetime import datetime

            from django.utils import timezone

            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
                return timezone.localtime(parsed).strftime("%d.%m.%Y kl. %H:%M")
            except ValueError:
                pass
        y, m, d, hh, mm = found.group(1, 2, 3, 4, 5)
        return f"{d}.{m}.{y} kl. {hh}:{mm}"
    if text.lower() in ("true", "false"):
        return BOOLEANS[text.lower()]
    return value


def _coded(el: etree._Element) -> str | None:
    dn, v = el.get("DN"), el.get("V")
    if dn and v:
        return f"{dn} ({v})"
    # A value in V alone (KITH TS/DT: dates and times, booleans) is formatted like text.
    return dn or (format_value(v) if v else v)


def _text(el: etree._Element) -> str:
    # Rich text (xhtml in TekstNotatInnhold, HISD 1155) is flattened to its words.
    return " ".join(" ".join(el.itertext()).split())


def rows(document: etree._Element | None) -> list[Row]:
    if document is None:
        return [Row(0, "Innhold", "(meldingen har ikke et XML-dokument som kan vises)")]
    out: list[Row] = []
    _walk(document, 0, out)
    if len(out) >= MAX_ROWS:
        out = out[:MAX_ROWS] + [Row(0, "…", "utskriften er avkortet; se meldingen i fagsystemet")]
    return out


def _walk(el: etree._Element, depth: int, out: list[Row]) -> None:
    if len(out) >= MAX_ROWS or not isinstance(el.tag, str):
        return
    children = [c for c in el if isinstance(c.tag, str)]
    name = etree.QName(el.tag).localname
    if name in _SKIP:
        return
    coded = _coded(el)
    if not children:
        value = coded or format_value(_text(el))
        if value.startswith("tel:"):
            value = value[4:]
        if value:
            out.append(Row(depth, label_of(el.tag), value))
        return
    if depth >= MAX_DEPTH or _is_rich_text(children):
        out.append(Row(depth, label_of(el.tag), _text(el)))
        return
    ident = _ident(children)
    out.append(Row(depth, label_of(el.tag), ident or coded or ""))
    for child in children:
        _walk(child, depth + 1, out)


def _is_rich_text(children: list[etree._Element]) -> bool:
    return all(etree.QName(c.tag).namespace == "http://www.w3.org/1999/xhtml" for c in children)


def _ident(children: list[etree._Element]) -> str:
    """Identifiers (HER-id, HPR, fødselsnummer) shown on the heading of what they identify."""
    found = []
    for child in children:
        if etree.QName(child.tag).localname != "Ident":
            continue
        value = kind = ""
        for part in child:
            local = etree.QName(part.tag).localname if isinstance(part.tag, str) else ""
            if local == "Id":
                value = (part.text or "").strip()
            elif local == "TypeId":
                kind = part.get("V") or ""
        if value:
            found.append(f"{kind} {value}".strip())
    return ", ".join(found)
