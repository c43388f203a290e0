"""Which message standard and version a document is, from its namespace.

The authoritative list is MeldingsVersjoner.xml in the schema set (namespace, version and schema
name per message). A built-in copy of the entries this node cares about lets identification work
without the schema set; when a schema directory is given, its MeldingsVersjoner.xml wins.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from lxml import etree

VERSIONS_FILE = "MeldingsVersjoner.xml"

MSGHEAD_NS = "http://www.kith.no/xmlstds/msghead/2006-05-24"
APPREC_NS = {
    "1.0": "http://www.kith.no/xmlstds/apprec/2004-11-21",
    "1.1": "http://www.kith.no/xmlstds/apprec/2012-02-15",
}


@dataclass(frozen=True)
class DocumentKind:
    family: str  # "PLO", "Dialogmelding", "AppRec", "MsgHead", "Epikrise" or a category name
    name: str  # local name of the root element, e.g. "Pasientlogistikk"
    namespace: str
    version: str  # e.g. "1.6"
    schema_name: str  # MeldingsVersjoner "navn", the XSD file stem


class _Entry(NamedTuple):
    family: str
    version: str
    schema_name: str


_KITH = "http://www.kith.no/xmlstds/"


def _plo(base: str, date: str, version: str, names: dict[str, str]) -> dict[str, _Entry]:
    return {f"{base}{segment}/{date}": _Entry("PLO", version, stem) for segment, stem in names.items()}


_BUILTIN: dict[str, _Entry] = {
    APPREC_NS["1.0"]: _Entry("AppRec", "1.0", "AppRec-v1-2004-11-21"),
    APPREC_NS["1.1"]: _Entry("AppRec", "1.1", "AppRec-v1.1"),
    MSGHEAD_NS: _Entry("MsgHead", "1.2", "MsgHead-v1_2"),
    _KITH + "dialog/2006-10-11": _Entry("Dialogmelding", "1.0", "dialogmelding"),
    _KITH + "dialog/2013-01-23": _Entry("Dialogmelding", "1.1", "dialogmelding-v1.1"),
    _KITH + "epikrise": _Entry("Epikrise", "1.0", "Epikrise-v1.0"),
    _KITH + "epikrise/2006-09-23": _Entry("Epikrise", "1.1", "Epikrise-v1.1"),
    _KITH + "epikrise/2012-02-15": _Entry("Epikrise", "1.2", "Epikrise-v1.2"),
    _KITH + "henvisning/2005-07-08": _Entry("Basismeldinger", "1.0", "Henvisning-v1.0"),
    _KITH + "henvisning/2012-02-15": _Entry("Basismeldinger", "1.1", "Henvisning-v1.1"),
    "http://ehelse.no/xmlstds/henvisning/2017-11-30": _Entry("Basismeldinger", "2.0", "Henvisning-v2.0"),
    _KITH + "rekvisisjon/2008-12-01": _Entry("Basismeldinger", "1.5", "Rekvisisjon-v1_5"),
    _KITH + "rekvisisjon/2012-02-15": _Entry("Basismeldinger", "1.6", "Rekvisisjon-v1_6"),
    _KITH + "labsvar/2008-12-01": _Entry("Basismeldinger", "1.3", "svar-v13"),
    _KITH + "labsvar/2012-02-15": _Entry("Basismeldinger", "1.4", "svar-v1.4"),
    # PLO 1.5: two messages have namespaces that differ from their schema names.
    **_plo(_KITH + "po/", "2009-06-30", "1.5", {
        "Konsultasjon": "HelseopplysningerTilLege-v1.5",
        "HelseopplysningerVedSoknad": "HelseopplysningerVedSoknad-v1.5",
        "Innleggelsesrapport": "Innleggelsesrapport-v1.5",
        "OverforingMedisinskeOpplysninger": "MedisinskeOpplysninger-v1.5",
        "MeldingFravar": "MeldingFravar-v1.5",
        "OrienteringOmTjenestetilbud": "OrienteringOmTjenestetilbud-v1.5",
        "Pasientlogistikk": "Pasientlogistikk-v1.5",
        "TverrfagligEpikrise": "TverrfagligEpikrise-v1.5",
    }),
    # PLO 1.6: Helseopplysninger-v1.6 kept the 1.5 namespace segment "HelseopplysningerVedSoknad"
    # (the XSD and MeldingsVersjoner agree; the table in HIS 80704 §4.3 does not).
    **_plo(_KITH + "po/", "2012-04-01", "1.6", {
        "HelseopplysningerTilLege": "HelseopplysningerTilLege-v1.6",
        "HelseopplysningerVedSoknad": "Helseopplysninger-v1.6",
        "Innleggelsesrapport": "Innleggelsesrapport-v1.6",
        "MedisinskeOpplysninger": "MedisinskeOpplysninger-v1.6",
        "OrienteringOmTjenestetilbud": "OrienteringOmTjenestetilbud-v1.6",
        "Pasientlogistikk": "Pasientlogistikk-v1.6",
        "TverrfagligEpikrise": "TverrfagligEpikrise-v1.6",
    }),
    **_plo("http://ehelse.no/xmlstds/po/", "2016-05-30", "2.0", {
        "HelseopplysningerSaksbehandling": "HelseopplysningerSaksbehandling-v2.0",
        "Pasientlogistikk": "Pasientlogistikk-v2.0",
        "Sammenfatning": "Sammenfatning-v2.0",
    }),
}

# MeldingsVersjoner category ("MeldingsKategori/@navn") -> family.
_FAMILY_OF_CATEGORY = {
    "Applikasjonskvitteringer": "AppRec",
    "Dialogmeldinger": "Dialogmelding",
    "PLOmeldinger": "PLO",
}


def identify_document(el: etree._Element, schema_dir: Path | str | None = None) -> DocumentKind | None:
    """The message standard of a business document (or envelope), None when unknown."""
    qname = etree.QName(el)
    namespace = qname.namespace
    if namespace is None:
        return None
    entry = registered_versions(schema_dir).get(namespace) if schema_dir is not None else None
    entry = entry or _BUILTIN.get(namespace)
    if entry is None:
        return None
    return DocumentKind(entry.family, qname.localname, namespace, entry.version, entry.schema_name)


def registered_versions(schema_dir: Path | str) -> dict[str, _Entry]:
    """namespace -> entry from <schema_dir>/MeldingsVersjoner.xml (empty when it is missing)."""
    return _load_versions(str(Path(schema_dir).resolve()))


@functools.lru_cache(maxsize=8)
def _load_versions(schema_dir: str) -> dict[str, _Entry]:
    path = Path(schema_dir) / VERSIONS_FILE
    if not path.is_file():
        return {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(path), parser).getroot()
    entries: dict[str, _Entry] = {}
    for category in root.iter("MeldingsKategori"):
        category_name = category.get("navn", "")
        for message in category.iter("Melding"):
            name, namespace = message.get("navn", ""), message.get("navnerom")
            if not namespace:
                continue
            family = _FAMILY_OF_CATEGORY.get(category_name, category_name)
            if name.startswith("Epikrise-"):
                family = "Epikrise"
            entries[namespace] = _Entry(family, message.get("versjon", ""), name)
    return entries


# HITS 1168 §8.3/§8.4: the business standard decides the AppRec version. These need AppRec 1.0;
# everything newer (PLO 1.6/2.0, Dialogmelding 1.1, Epikrise 1.2, Henvisning 1.1+, ...) uses 1.1.
_APPREC_1_0_SCHEMAS = frozenset({
    "dialogmelding", "Epikrise-v1.0", "Epikrise-v1.1", "Henvisning-v1.0", "Rekvisisjon-v1_5", "svar-v13",
})
_APPREC_1_0_FAMILIES = frozenset({"eResept", "NAVmeldinger"})


def apprec_version_for(kind: DocumentKind | None) -> str:
    """The AppRec version ("1.0" or "1.1") to answer a business document of this kind with."""
    if kind is None:
        return "1.1"
    if kind.schema_name in _APPREC_1_0_SCHEMAS or kind.family in _APPREC_1_0_FAMILIES:
        return "1.0"
    if kind.family == "PLO":
        version = _version_tuple(kind.version)
        if version is not None and version < (1, 6):
            return "1.0"
    return "1.1"


def _version_tuple(version: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return None


def forsendelsesstatus(document) -> str:
    """PLO Forsendelsesstatus (code system 7309: N, M or C; HISD 1154 §2) of a business document.

    PLO 1.5/1.6 carry it in <Doc>/InformasjonOmForsendelsen, PLO 2.0 one level down in
    FellesAdministrativeOpplysninger; other standards (Dialogmelding) have none and count as new.
    """
    if document is None:
        return "N"
    found = document.xpath(
        "./*[local-name()='InformasjonOmForsendelsen']/*[local-name()='Forsendelsesstatus']/@V"
        " | ./*/*[local-name()='InformasjonOmForsendelsen']/*[local-name()='Forsendelsesstatus']/@V")
    value = str(found[0]).strip().upper() if found else "N"
    return value if value in ("N", "M", "C") else "N"
