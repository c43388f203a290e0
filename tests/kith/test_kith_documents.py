"""Identification of message standards by namespace, and the AppRec version each one needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from samhand.kith import DocumentKind, apprec_version_for, identify_document
from samhand.kith.documents import registered_versions

PO = "http://www.kith.no/xmlstds/po/"


def _el(namespace: str, name: str = "Root") -> etree._Element:
    return etree.Element(f"{{{namespace}}}{name}")


@pytest.mark.parametrize(
    "namespace,expected",
    [
        ("http://www.kith.no/xmlstds/apprec/2004-11-21", ("AppRec", "1.0", "AppRec-v1-2004-11-21")),
        ("http://www.kith.no/xmlstds/apprec/2012-02-15", ("AppRec", "1.1", "AppRec-v1.1")),
        ("http://www.kith.no/xmlstds/msghead/2006-05-24", ("MsgHead", "1.2", "MsgHead-v1_2")),
        ("http://www.kith.no/xmlstds/dialog/2006-10-11", ("Dialogmelding", "1.0", "dialogmelding")),
        ("http://www.kith.no/xmlstds/dialog/2013-01-23", ("Dialogmelding", "1.1", "dialogmelding-v1.1")),
        (PO + "Pasientlogistikk/2009-06-30", ("PLO", "1.5", "Pasientlogistikk-v1.5")),
        (PO + "Konsultasjon/2009-06-30", ("PLO", "1.5", "HelseopplysningerTilLege-v1.5")),
        (PO + "Pasientlogistikk/2012-04-01", ("PLO", "1.6", "Pasientlogistikk-v1.6")),
        (PO + "HelseopplysningerVedSoknad/2012-04-01", ("PLO", "1.6", "Helseopplysninger-v1.6")),
        ("http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30", ("PLO", "2.0", "Pasientlogistikk-v2.0")),
        ("http://www.kith.no/xmlstds/epikrise/2012-02-15", ("Epikrise", "1.2", "Epikrise-v1.2")),
    ],
)
def test_builtin_identification(namespace: str, expected: tuple[str, str, str]) -> None:
    kind = identify_document(_el(namespace, "Pasientlogistikk"))
    assert kind == DocumentKind(expected[0], "Pasientlogistikk", namespace, expected[1], expected[2])


def test_unknown_is_none() -> None:
    assert identify_document(_el("urn:example")) is None
    assert identify_document(etree.Element("NoNamespace")) is None


def test_builtin_table_agrees_with_meldingsversjoner(schema_dir: Path) -> None:
    registered = registered_versions(schema_dir)
    assert len(registered) > 100
    for namespace, entry in registered.items():
        builtin = identify_document(_el(namespace))
        if builtin is not None:
            assert (builtin.family, builtin.version, builtin.schema_name) == tuple(entry), namespace
        with_dir = identify_document(_el(namespace), schema_dir)
        assert (with_dir.version, with_dir.schema_name) == (entry.version, entry.schema_name)
    assert identify_document(_el(f"{PO}Pasientlogistikk/2012-04-01"), schema_dir).family == "PLO"
    assert identify_document(_el("http://www.kith.no/xmlstds/eresept/m1/2013-10-08"), schema_dir).family == "eResept"


def test_every_message_schema_in_the_set_is_builtin(schema_dir: Path) -> None:
    """Each PLO/Dialogmelding/AppRec/Epikrise/MsgHead XSD's namespace works without the schema set."""
    folders = ("plo", "dialogmelding", "applikasjonskvittering", "epikrise")
    paths = [p for folder in folders for p in (schema_dir / folder).rglob("*.xsd") if "Komponent" not in p.name]
    paths.append(schema_dir / "felleskomponenter" / "MsgHead-v1_2.xsd")
    assert len(paths) >= 25
    for path in paths:
        namespace = etree.parse(str(path)).getroot().get("targetNamespace")
        kind = identify_document(_el(namespace))
        assert kind is not None and kind.schema_name == path.stem, path


@pytest.mark.parametrize(
    "family,version,schema_name,expected",
    [
        ("PLO", "1.5", "Pasientlogistikk-v1.5", "1.0"),
        ("PLO", "1.6", "Pasientlogistikk-v1.6", "1.1"),
        ("PLO", "2.0", "Pasientlogistikk-v2.0", "1.1"),
        ("PLO", "1.4", "EPJEkstrakt", "1.0"),
        ("Dialogmelding", "1.0", "dialogmelding", "1.0"),
        ("Dialogmelding", "1.1", "dialogmelding-v1.1", "1.1"),
        ("Epikrise", "1.1", "Epikrise-v1.1", "1.0"),
        ("Epikrise", "1.2", "Epikrise-v1.2", "1.1"),
        ("Basismeldinger", "1.0", "Henvisning-v1.0", "1.0"),
        ("eResept", "2.5", "ER-M1-2013-10-08", "1.0"),
        ("Something", "9", "Unknown", "1.1"),
    ],
)
def test_apprec_version_for(family: str, version: str, schema_name: str, expected: str) -> None:
    assert apprec_version_for(DocumentKind(family, "X", "urn:x", version, schema_name)) == expected
    assert apprec_version_for(None) == "1.1"
