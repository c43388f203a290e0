"""Every official sample parses, is identified, validates, and can be answered with an AppRec."""

from __future__ import annotations

from pathlib import Path

import pytest
from _kith_helpers import msghead_sample_files, sample_files, sample_id

from samhand.kith import (
    AppRecError,
    MsgHead,
    Party,
    SchemaSet,
    apprec_version_for,
    build_apprec,
    parse_apprec,
    parse_msghead,
    parse_xml,
    validate_message,
)

EXPECTED_KIND = {  # sample directory -> (family, version)
    "plo-1.6": ("PLO", "1.6"),
    "apprec": ("AppRec", "1.0"),
}


def _expected(path: Path) -> tuple[str, str]:
    if path.parent.name == "dialogmelding":
        return ("Dialogmelding", "1.0" if path.stem.endswith("v1-0") else "1.1")
    return EXPECTED_KIND[path.parent.name]


@pytest.mark.parametrize("path", sample_files(), ids=sample_id)
def test_sample_parses_is_identified_and_validates(path: Path, schemas: SchemaSet) -> None:
    result = validate_message(path.read_bytes(), schemas)

    assert result.ok, [str(e) for e in result.errors]
    assert not result.structure_only
    assert result.kind is not None
    assert (result.kind.family, result.kind.version) == _expected(path)
    assert (result.msghead is None) != (result.apprec is None)
    if result.msghead is not None:
        assert result.kind == result.msghead.document_kind
        assert result.kind.name == result.msghead.business_document.tag.split("}")[1]
        assert result.msghead.sender.her_id and result.msghead.receiver.her_id


def test_apprec_1_0_sample(samples_dir: Path) -> None:
    apprec = parse_apprec((samples_dir / "apprec" / "AppRec-1.0-NPR-eksempel.xml").read_bytes())

    assert apprec.version == "1.0"
    assert apprec.id == "fe6225205b3d3049e5f600a44a34ca77"
    assert (apprec.status, apprec.status_text, apprec.ok) == ("3", "OK, feil i delmelding", False)
    assert len(apprec.errors) == 5
    assert apprec.errors[0].code == "53"
    assert apprec.errors[0].system == "2.16.578.1.12.4.1.1.8223"
    assert apprec.errors[0].details == "3"
    assert apprec.sender.organisation_name == "ARBEIDS- OG VELFERDSETATEN"
    assert apprec.sender.organisation_number == "889640782"
    assert apprec.sender.service_name == "Kontrollsystem"
    assert apprec.receiver == Party("")
    assert (apprec.original_msg_type, apprec.original_msg_id) == ("PROM", "1b08b3f5-76c1-4560-ae4e-90e04cb0bc70")
    assert apprec.original_issue_date == "2008-05-13T20:45:30+02:00"


def _assert_mirrored(answer: Party, original: Party) -> None:
    assert answer.organisation_name == original.organisation_name
    assert answer.organisation_her_id == original.organisation_her_id
    assert answer.service_name == original.service_name
    assert answer.service_her_id == original.service_her_id
    assert answer.her_id == original.her_id


STATUSES = [
    ("1", ()),
    ("2", (AppRecError("T02", details="line 12: element not expected"),)),
    ("3", (AppRecError("E21"), AppRecError("X99", text="Annen feil", details="partial"))),
]


@pytest.mark.parametrize("status,errors", STATUSES, ids=["ok", "rejected", "partial"])
@pytest.mark.parametrize("path", msghead_sample_files(), ids=sample_id)
def test_apprec_for_sample_validates_and_mirrors(
    path: Path, status: str, errors: tuple[AppRecError, ...], schemas: SchemaSet
) -> None:
    original = parse_msghead(path.read_bytes())
    version = apprec_version_for(original.document_kind)
    assert version == ("1.0" if original.document_kind.version == "1.0" else "1.1")

    data = build_apprec(original, status=status, errors=errors, version=version)

    result = validate_message(data, schemas)
    assert result.ok, [str(e) for e in result.errors]
    apprec = result.apprec
    assert (apprec.version, apprec.status, apprec.ok) == (version, status, status == "1")
    assert [e.code for e in apprec.errors] == [e.code for e in errors]
    assert all(e.system == "2.16.578.1.12.4.1.1.8221" and e.text for e in apprec.errors)
    assert (apprec.original_msg_id, apprec.original_msg_type, apprec.original_issue_date) == (
        original.msg_id,
        original.msg_type,
        original.gen_date,
    )
    _assert_mirrored(apprec.sender, original.receiver)
    _assert_mirrored(apprec.receiver, original.sender)
    assert apprec.sender.role == ("PRIM" if version == "1.1" else "SPR")
    assert apprec.receiver.role == ("AVS" if version == "1.1" else None)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_apprec_both_versions_for_plo(plo_sample: bytes, schemas: SchemaSet, version: str) -> None:
    original: MsgHead = parse_msghead(plo_sample)
    data = build_apprec(original, status="2", errors=[AppRecError("E21")], version=version)

    assert schemas.validate(parse_xml(data)) == []
    assert parse_apprec(data).version == version
    mig = {"1.0": b"<MIGversion>1.0 2004-11-21</MIGversion>", "1.1": b"<MIGversion>v1.1 2012-02-15</MIGversion>"}
    assert mig[version] in data
