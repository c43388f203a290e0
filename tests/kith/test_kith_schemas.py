"""Schema selection, combined envelope+payload validation, offline resolution, error mapping."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from _kith_helpers import all_samples

from samhand.kith import SchemaCompileError, SchemaSet, parse_msghead, parse_xml, validate_message

PLO_NS = b"http://www.kith.no/xmlstds/po/Pasientlogistikk/2012-04-01"


def _codes(data: bytes, schemas: SchemaSet) -> list[str]:
    return [error.code for error in validate_message(data, schemas).errors]


def test_payload_schema_error_is_t02_with_element_names(plo_sample: bytes, schemas: SchemaSet) -> None:
    data = plo_sample.replace(b'<Forsendelsesstatus V="N" DN="Ny"/>', b"")

    result = validate_message(data, schemas)

    assert [e.code for e in result.errors] == ["T02"]
    assert "InformasjonOmForsendelsen" in result.errors[0].text
    assert "Forsendelsesstatus" in result.errors[0].text
    assert "line " in result.errors[0].text
    assert result.msghead is not None and result.kind.name == "Pasientlogistikk"


def test_envelope_schema_error_is_t02(plo_sample: bytes, schemas: SchemaSet) -> None:
    data = plo_sample.replace(b"<MIGversion>v1.2 2006-05-24</MIGversion>", b"<MIGversion>v1.1</MIGversion>")

    result = validate_message(data, schemas)

    assert [e.code for e in result.errors] == ["T02"]
    assert "MIGversion" in result.errors[0].text


def test_unknown_payload_namespace_is_t10(plo_sample: bytes, schemas: SchemaSet) -> None:
    assert _codes(plo_sample.replace(PLO_NS, b"urn:example:unknown"), schemas) == ["T10"]


def test_known_standard_without_schema_is_t10(plo_sample: bytes, schemas: SchemaSet) -> None:
    data = plo_sample.replace(PLO_NS, b"http://www.kith.no/xmlstds/henvisning/2012-02-15")

    result = validate_message(data, schemas)

    assert [e.code for e in result.errors] == ["T10"]
    assert "no schema for namespace http://www.kith.no/xmlstds/henvisning/2012-02-15" in result.errors[0].text
    assert result.kind.schema_name == "Henvisning-v1.1"


def test_size_limit_and_non_uuid_msg_id(plo_sample: bytes, schemas: SchemaSet) -> None:
    assert _codes(plo_sample, schemas) == []
    result = validate_message(plo_sample, schemas, max_bytes=1000)
    assert [e.code for e in result.errors] == ["T99"] and result.msghead is None
    not_uuid = plo_sample.replace(b"b088a160-0698-11e8-b566-0800200c9a66", b"message-1")
    assert _codes(not_uuid, schemas) == ["E10"]


def test_patient_errors_are_all_reported(plo_sample: bytes, schemas: SchemaSet) -> None:
    data = plo_sample.replace(b"<Id>15076500565</Id>", b"<Id>15076500566</Id>")
    data = data.replace(b"<GivenName>Roland</GivenName>", b"")
    assert _codes(data, schemas) == ["E31", "E32"]


def test_foreign_root_is_t10(schemas: SchemaSet) -> None:
    assert _codes(b'<Dialogmelding xmlns="http://www.kith.no/xmlstds/dialog/2013-01-23"/>', schemas) == ["T10"]


def test_validate_reports_missing_schema(schemas: SchemaSet) -> None:
    assert schemas.validate(parse_xml(b'<x xmlns="urn:nothing"/>')) == ["no schema for namespace urn:nothing"]
    assert schemas.validate(parse_xml(b"<x/>")) == ["no schema for namespace (none)"]


def test_business_document_validates_on_its_own(plo_sample: bytes, schemas: SchemaSet) -> None:
    payload = parse_msghead(plo_sample).business_document
    assert schemas.validate(payload) == []
    assert schemas.schema_for(payload.nsmap["p1"]).name == "Pasientlogistikk-v1.6.xsd"


def test_disabled_schema_set_checks_structure_only(plo_sample: bytes, tmp_path: Path) -> None:
    for disabled in (SchemaSet(None), SchemaSet(tmp_path / "missing")):
        assert not disabled.enabled
        assert "disabled" in disabled.describe()
        result = validate_message(plo_sample, disabled)
        assert result.ok and result.structure_only
        assert result.kind.name == "Pasientlogistikk"
        with pytest.raises(RuntimeError, match="disabled"):
            disabled.validate(parse_xml(plo_sample))


def test_describe(schemas: SchemaSet) -> None:
    text = schemas.describe()
    assert text.startswith(f"enabled: {schemas.schema_dir}, ")
    assert "XSD files" in text and "MeldingsVersjoner.xml present" in text


IMPORTING = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:b="urn:b" targetNamespace="urn:a"
 elementFormDefault="qualified">
 <xs:import namespace="urn:b" schemaLocation="http://www.example.invalid/schemas/{name}"/>
 <xs:element name="A"><xs:complexType><xs:sequence><xs:element ref="b:B"/></xs:sequence></xs:complexType>
 </xs:element></xs:schema>"""
IMPORTED = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b">
 <xs:element name="B" type="xs:int"/></xs:schema>"""


def test_imports_resolve_by_file_name_inside_the_dir_only(tmp_path: Path) -> None:
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "a.xsd").write_text(IMPORTING.format(name="b.xsd"))
    (tmp_path / "deep" / "er" / "b.xsd").write_text(IMPORTED)
    schemas = SchemaSet(tmp_path)

    assert schemas.validate(parse_xml(b'<A xmlns="urn:a"><B xmlns="urn:b">7</B></A>')) == []
    errors = schemas.validate(parse_xml(b'<A xmlns="urn:a"><B xmlns="urn:b">seven</B></A>'))
    assert len(errors) == 1 and errors[0].startswith("line 1: ") and "'seven'" in errors[0]


def test_missing_import_is_a_compile_error_not_a_download(tmp_path: Path) -> None:
    (tmp_path / "a.xsd").write_text(IMPORTING.format(name="nowhere.xsd"))

    with pytest.raises(SchemaCompileError, match="nowhere.xsd"):
        SchemaSet(tmp_path).validate(parse_xml(b'<A xmlns="urn:a"><B xmlns="urn:b">7</B></A>'))


def test_concurrent_validation(schema_dir: Path, samples_dir: Path) -> None:
    shared = SchemaSet(schema_dir)  # fresh: threads race on indexing and compiling too
    messages = [path.read_bytes() for path in all_samples()[:12]]
    broken = messages[-1].replace(b"<MsgId>", b"<MsgIdd>").replace(b"</MsgId>", b"</MsgIdd>")
    failures: list[str] = []

    def work() -> None:
        for _ in range(3):
            for data in messages:
                if not validate_message(data, shared).ok:
                    failures.append("valid message failed")
            errors = shared.validate(parse_xml(broken))
            if not errors or not any("MsgIdd" in error for error in errors):
                failures.append(f"wrong errors: {errors}")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_concurrent_compilation_in_several_schema_sets(schema_dir, samples_dir):
    """SchemaSets compiling at once in several threads still get complete schemas.

    Without the process-wide compile lock libxml2 mixes up imports between concurrent
    compilations (seen as "No matching global element declaration" under a threaded server).
    """
    import threading

    from samhand.kith import SchemaSet, parse_xml

    names = ("Innleggelsesrapport_v1-6_Ny.xml", "Utskrivningsrapport_v1-6_Ny.xml",
             "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", "Medisinske_opplysninger_v1-6_Ny.xml")
    data = [(samples_dir / "plo-1.6" / name).read_bytes() for name in names]
    failures: list[str] = []
    for _ in range(3):
        sets = [SchemaSet(schema_dir) for _ in range(6)]
        for schema_set in sets:
            schema_set.describe()  # index the files now, so the compilations below start together
        start = threading.Barrier(12)

        def work(i):
            start.wait()
            try:
                problems = sets[i % 6].validate(parse_xml(data[i % len(data)]))
            except Exception as exc:  # noqa: BLE001 - a broken compile must fail the test, not the thread
                problems = [repr(exc)]
            if problems:
                failures.append(problems[0])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
