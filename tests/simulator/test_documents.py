"""samhand.simulator.documents: every builder's output validates against its official XSD, with
the right namespaces, MsgInfo/Type codes, status rules and target sizes. No database."""

from __future__ import annotations

import dataclasses
import random
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import samhand.simulator.documents as docs
from samhand.simulator.documents import Built, Ctx, make_ctx

PLO16 = "2012-04-01"
PO16 = f"http://www.kith.no/xmlstds/po/poKomponent/{PLO16}"
PO15 = "http://www.kith.no/xmlstds/po/poKomponent/2009-06-30"
DIALOG10 = "http://www.kith.no/xmlstds/dialog/2006-10-11"
DIALOG11 = "http://www.kith.no/xmlstds/dialog/2013-01-23"
SEEDS = range(4)

# name -> (builder, allowed Forsendelsesstatus, MsgInfo/Type, DN, root namespace, XSD file)
BUILDERS: dict[str, tuple[Callable[[Ctx], Built], str, str, str, str, str]] = {
    "log_innlagt": (docs.log_innlagt, "NC", "LOG_INNLAGT", "Melding om innlagt pasient",
                    f"http://www.kith.no/xmlstds/po/Pasientlogistikk/{PLO16}", "Pasientlogistikk-v1.6.xsd"),
    "innleggelsesrapport": (docs.innleggelsesrapport, "NMC", "INNLEGGELSESRAPPORT", "Innleggelsesrapport",
                            f"http://www.kith.no/xmlstds/po/Innleggelsesrapport/{PLO16}",
                            "Innleggelsesrapport-v1.6.xsd"),
    "helseopplysninger": (docs.helseopplysninger, "NMC", "HELSEOPPL_SOKNAD", "Helseopplysninger",
                          f"http://www.kith.no/xmlstds/po/HelseopplysningerVedSoknad/{PLO16}",
                          "Helseopplysninger-v1.6.xsd"),
    "helseopplysninger_update": (lambda c: docs.helseopplysninger(c, update=True), "NMC", "HELSEOPPL_SOKNAD",
                                 "Helseopplysninger",
                                 f"http://www.kith.no/xmlstds/po/HelseopplysningerVedSoknad/{PLO16}",
                                 "Helseopplysninger-v1.6.xsd"),
    "log_utskrivningsklar": (docs.log_utskrivningsklar, "NC", "LOG_UTSKRIVNINGSKLAR",
                             "Melding om utskrivningsklar pasient",
                             f"http://www.kith.no/xmlstds/po/Pasientlogistikk/{PLO16}", "Pasientlogistikk-v1.6.xsd"),
    "log_avmelding": (docs.log_avmelding, "NC", "LOG_AVMELDING", "Avmelding av utskrivningsklar pasient",
                      f"http://www.kith.no/xmlstds/po/Pasientlogistikk/{PLO16}", "Pasientlogistikk-v1.6.xsd"),
    "utskrivningsrapport": (docs.utskrivningsrapport, "NMC", "UTSKRIVNINGSRAPPORT", "Utskrivningsrapport",
                            f"http://www.kith.no/xmlstds/po/TverrfagligEpikrise/{PLO16}",
                            "TverrfagligEpikrise-v1.6.xsd"),
    "log_utskrevet": (docs.log_utskrevet, "NC", "LOG_UTSKREVET", "Melding om utskrevet pasient",
                      f"http://www.kith.no/xmlstds/po/Pasientlogistikk/{PLO16}", "Pasientlogistikk-v1.6.xsd"),
    "log_innlagt_v15": (docs.log_innlagt_v15, "NC", "LOG_INNLAGT", "Melding om innlagt pasient",
                        "http://www.kith.no/xmlstds/po/Pasientlogistikk/2009-06-30", "Pasientlogistikk-v1.5.xsd"),
    "dialog_foresporsel": (docs.dialog_foresporsel, "N", "DIALOG_FORESPORSEL", "Forespørsel", DIALOG10,
                           "dialogmelding.xsd"),
    "dialog_foresporsel_kommune": (lambda c: docs.dialog_foresporsel(c, "Har pasienten fått ny resept?",
                                                                     from_municipality=True),
                                   "N", "DIALOG_FORESPORSEL", "Forespørsel", DIALOG10, "dialogmelding.xsd"),
    "dialog_svar": (lambda c: docs.dialog_svar(c, None, "9f2d1c1e-0000-4000-8000-000000000001", "Hva er planen?"),
                    "N", "DIALOG_SVAR", "Svar på forespørsel", DIALOG10, "dialogmelding.xsd"),
    "dialog_helsefaglig": (docs.dialog_helsefaglig, "N", "DIALOG_HELSEFAGLIG", "Helsefaglig dialog", DIALOG11,
                           "dialogmelding-v1.1.xsd"),
    "dialog_helsefaglig_svar": (lambda c: docs.dialog_helsefaglig(c, None, from_municipality=True,
                                                                  ref_msg_id="abc"),
                                "N", "DIALOG_HELSEFAGLIG", "Helsefaglig dialog", DIALOG11, "dialogmelding-v1.1.xsd"),
    "dialog_avvik": (lambda c: docs.dialog_avvik(c, None, "abc"), "N", "DIALOG_AVVIK",
                     "Tilbakemelding om feil i mottatt melding", DIALOG10, "dialogmelding.xsd"),
}
CASES = [(name, status) for name, spec in BUILDERS.items() for status in spec[1]]


def _build(name: str, seed: int, status: str = "N", target: int | None = None) -> Built:
    return BUILDERS[name][0](make_ctx(random.Random(seed), status=status, target_bytes=target))


def _assert_valid(xsd, built: Built) -> None:  # type: ignore[no-untyped-def]  # xsd: conftest.Schemas
    errors = xsd.errors(built.schema_file, built.element)
    assert not errors, "\n".join(errors[:10])


@pytest.mark.parametrize("name,status", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_validates_against_official_xsd(xsd, name: str, status: str) -> None:
    _, _, msg_type, dn, ns, schema_file = BUILDERS[name]
    for seed in SEEDS:
        built = _build(name, seed, status)
        assert (built.msg_type, built.msg_type_dn, built.namespace, built.schema_file) == (msg_type, dn, ns, schema_file)
        assert etree.QName(built.element).namespace == ns
        _assert_valid(xsd, built)
        # what goes into RefDoc/Content must survive serialization and still validate
        _assert_valid(xsd, dataclasses.replace(built, element=etree.fromstring(built.to_bytes())))


def test_staff_without_hpr_number_still_validates(xsd) -> None:  # type: ignore[no-untyped-def]
    """PLO requires an Ident on every HealthcareProfessional; without HPR an EPR user id is sent."""
    ctx = make_ctx(random.Random(21))
    for field in ("nurse", "physician", "municipal_nurse", "gp"):
        setattr(ctx, field, dataclasses.replace(getattr(ctx, field), hpr=None))
    for name, spec in BUILDERS.items():
        built = spec[0](ctx)
        _assert_valid(xsd, built)
        assert "HPR-nummer" not in etree.tostring(built.element, encoding="unicode"), name


@pytest.mark.parametrize("name", [n for n, spec in BUILDERS.items() if spec[1] == "NC"])
def test_logistics_refuse_status_m(name: str) -> None:
    with pytest.raises(ValueError, match="not allowed"):
        _build(name, 1, "M")


def test_ctx_refuses_unknown_status() -> None:
    with pytest.raises(ValueError):
        make_ctx(random.Random(1), status="A")


def _namespaces(el: etree._Element) -> set[str]:
    found = set()
    for node in el.iter():
        if isinstance(node.tag, str):
            found.add(etree.QName(node).namespace or "")
            found.update(etree.QName(a).namespace or "" for a in node.attrib)
    return found - {""}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_namespaces_are_exactly_the_official_ones(name: str) -> None:
    built = _build(name, 2)
    used = _namespaces(built.element)
    declared = set(built.element.nsmap.values())
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    assert used <= declared | {xsi}
    if name == "log_innlagt_v15":
        assert PO15 in used and not any(PLO16 in ns for ns in declared)
    elif name.startswith("dialog"):
        dialog = DIALOG11 if name.startswith("dialog_helsefaglig") else DIALOG10
        assert used - {xsi} == {dialog, "http://www.kith.no/xmlstds/felleskomponent1"}
    else:
        assert PO16 in used
        plo = {ns for ns in declared if "/xmlstds/po/" in ns}
        assert all(ns.endswith("/" + PLO16) for ns in plo), plo
    assert built.element.get(f"{{{xsi}}}schemaLocation") == f"{built.namespace} {built.schema_file}"


TARGETS = [
    ("innleggelsesrapport", 18_000),
    ("utskrivningsrapport", 21_000),
    ("utskrivningsrapport", 40_000),
    ("helseopplysninger", 9_000),
    ("helseopplysninger_update", 12_000),
    ("log_innlagt", 3_000),
    ("log_utskrevet", 4_000),
    ("log_innlagt_v15", 3_000),
    ("dialog_foresporsel", 2_500),
    ("dialog_svar", 3_000),
    ("dialog_helsefaglig", 5_000),
]


@pytest.mark.parametrize("name,target", TARGETS, ids=[f"{n}-{t}" for n, t in TARGETS])
def test_target_bytes_pads_to_size_and_stays_valid(xsd, name: str, target: int) -> None:
    for seed in SEEDS:
        built = _build(name, seed, "N", target)
        assert 0.85 * target <= built.size <= 1.15 * target, built.size
        assert built.size == len(etree.tostring(built.element, encoding="utf-8"))
        _assert_valid(xsd, built)


def test_padding_reads_like_notes_not_repetition() -> None:
    built = _build("utskrivningsrapport", 3, "N", 30_000)
    for notat in built.element.iter("{http://www.kith.no/xmlstds/epj/epj2/2008-02-20}Notat"):
        sentences = re.split(r"(?<=[.%])\s+(?=[A-ZÆØÅ]|\d\d\.\d\d kl)", notat.text)
        assert len(sentences) == len(set(sentences)), notat.text[:200]
        stamps = re.findall(r"(\d\d)\.(\d\d) kl (\d\d:\d\d):", notat.text)
        assert stamps == sorted(stamps, key=lambda t: (t[1], t[0], t[2]))


def test_target_below_natural_size_changes_nothing() -> None:
    plain = _build("innleggelsesrapport", 5)
    tiny = _build("innleggelsesrapport", 5, target=500)
    assert tiny.to_bytes() == plain.to_bytes()


def test_same_seed_same_document_different_seed_different_text() -> None:
    assert _build("utskrivningsrapport", 7).to_bytes() == _build("utskrivningsrapport", 7).to_bytes()
    assert _build("utskrivningsrapport", 7).to_bytes() != _build("utskrivningsrapport", 8).to_bytes()


def _codes(el: etree._Element, tag: str) -> list[str]:
    return [e.get("V") for e in el.iter(f"{{{PO16}}}{tag}")]


def test_patient_facts_are_stable_across_the_chain() -> None:
    """Wording varies with ctx.rng, clinical content does not."""
    ctx = make_ctx(random.Random(11))
    first = docs.helseopplysninger(ctx, update=True).element
    ctx.rng = random.Random(99)
    second = docs.utskrivningsrapport(ctx).element
    assert _codes(first, "Diagnosekode") == _codes(second, "Diagnosekode")
    cave = "{http://www.kith.no/xmlstds/epj/epj1/2008-02-20}CaveStikkord"
    assert [e.text for e in first.iter(cave)] == [e.text for e in second.iter(cave)]


def test_codes_in_reports() -> None:
    ctx = make_ctx(random.Random(4))
    assert _codes(docs.helseopplysninger(ctx).element, "TypeInnhold") == ["1"]
    assert _codes(docs.helseopplysninger(ctx, update=True).element, "TypeInnhold") == ["2"]
    assert _codes(docs.utskrivningsrapport(ctx).element, "TypeInnhold") == ["11"]
    assert _codes(docs.log_innlagt(ctx).element, "Hendelsekode") == ["1"]
    assert _codes(docs.log_utskrivningsklar(ctx).element, "Hendelsekode") == ["1", "3"]
    assert _codes(docs.log_avmelding(ctx).element, "Hendelsekode") == ["1", "3", "4"]
    assert _codes(docs.log_utskrevet(ctx).element, "Hendelsekode") == ["2"]
    assert _codes(docs.innleggelsesrapport(ctx).element, "Forsendelsesstatus") == ["N"]


def test_cancellation_is_short_and_says_so() -> None:
    full = _build("utskrivningsrapport", 6)
    cancelled = _build("utskrivningsrapport", 6, "C", target=21_000)
    assert _codes(cancelled.element, "Forsendelsesstatus") == ["C"]
    assert cancelled.size < full.size / 2
    assert "Kansellering" in etree.tostring(cancelled.element, encoding="unicode")


def test_dialog_answer_refers_to_question() -> None:
    built = docs.dialog_svar(make_ctx(random.Random(1)), "Ja, det stemmer.", "msg-1", "Stemmer dette?")
    assert built.ref_to_parent == "msg-1"
    ns = f"{{{DIALOG10}}}"
    assert built.element.findtext(f"{ns}Notat/{ns}TekstNotatInnhold") == "Ja, det stemmer."
    assert built.element.findtext(f"{ns}Notat/{ns}Foresporsel/{ns}Sporsmal") == "Stemmer dette?"
    avvik = docs.dialog_avvik(make_ctx(random.Random(1)), None, "msg-2")
    assert avvik.element.find(f"{ns}Notat/{ns}TemaKodet").attrib == {
        "V": "1", "DN": "Feil adressat", "S": "2.16.578.1.12.4.1.1.8117"}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_text_is_filled_in_for_the_patients_sex(name: str) -> None:
    for seed in SEEDS:
        built = _build(name, seed, "N", 6_000)
        text = " ".join(built.element.itertext())
        assert not re.search(r"\{\w+\}", text), "unfilled placeholder"
        female = make_ctx(random.Random(seed)).patient.sex == "2"
        wrong = {"han", "Han", "ham", "hans"} if female else {"hun", "Hun", "henne", "hennes"}
        assert not set(re.findall(r"\w+", text)) & wrong


W1, W2 = (3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


@settings(max_examples=60, deadline=None)
@given(birth=st.dates(date(1900, 1, 1), date(2023, 12, 31)), male=st.booleans(), seed=st.integers(0, 2**32))
def test_fodselsnummer_has_valid_check_digits(birth: date, male: bool, seed: int) -> None:
    fnr = docs.fodselsnummer(birth, random.Random(seed), male)
    digits = [int(c) for c in fnr]
    assert len(fnr) == 11 and fnr[:6] == birth.strftime("%d%m%y")
    k1 = (11 - sum(d * w for d, w in zip(digits, W1)) % 11) % 11
    k2 = (11 - sum(d * w for d, w in zip(digits, W2)) % 11) % 11
    assert (k1, k2) == (digits[9], digits[10])
    assert (digits[8] % 2 == 1) == male


def test_package_is_pure_and_self_contained() -> None:
    """No Django, and nothing read from the reference folder at run time."""
    code = "import sys, samhand.simulator.documents as d; d.utskrivningsrapport(d.make_ctx()); " \
           "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
    package = Path(docs.__file__).parent
    for source in package.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "shared/kith" not in text and "open(" not in text, source.name
