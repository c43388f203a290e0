"""AppRec rules of HIS 80415 / HITS 1168 beyond the sample round trips."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest

from samhand.kith import (
    ERRORS_8221,
    STATUS_8258,
    AppRecError,
    KithError,
    MsgHead,
    Party,
    SchemaSet,
    build_apprec,
    parse_apprec,
    parse_msghead,
    parse_xml,
)

# HITS 1168 §10.1, a positive AppRec 1.1 (as printed in the guide).
GUIDE_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2012-02-15">
  <MsgType V="APPREC" DN="Applikasjonskvittering"/>
  <MIGversion>v1.1 2012-02-15</MIGversion>
  <GenDate>2016-02-17T10:31:07</GenDate>
  <Id>5e4f20c0-c41b-11e0-962b-0800200c9a66</Id>
  <Sender><Role V="PRIM" DN="Primærmottaker"/><HCP><Inst>
    <Name>Kattskinnet legesenter</Name><Id>56704</Id><TypeId V="HER" DN="HER-id"/>
    <HCPerson><Name>August September</Name><Id>369767</Id><TypeId V="HER" DN="HER-id"/></HCPerson>
  </Inst></HCP></Sender>
  <Receiver><Role V="AVS" DN="Avsender"/><HCP><Inst>
    <Name>St Olavs Hospital HF</Name><Id>59</Id><TypeId V="HER" DN="HER-id"/>
    <Dept><Name>Generell Kirurgi</Name><Id>91965</Id><TypeId V="HER" DN=" HER-id"/></Dept>
  </Inst></HCP></Receiver>
  <Status V="1" DN="OK"/>
  <OriginalMsgId>
    <MsgType V="EPIKRISE" DN="Epikrise"/><IssueDate>2016-02-17T08:32:15</IssueDate>
    <Id>4c793d90-c41b-11e0-962b-0800200c9a66</Id>
  </OriginalMsgId>
</AppRec>""".encode()


@pytest.fixture
def original(plo_sample: bytes) -> MsgHead:
    return parse_msghead(plo_sample)


def test_parse_guide_example(schemas: SchemaSet) -> None:
    assert schemas.validate(parse_xml(GUIDE_EXAMPLE)) == []
    apprec = parse_apprec(GUIDE_EXAMPLE)

    assert (apprec.version, apprec.status, apprec.ok, apprec.errors) == ("1.1", "1", True, ())
    assert apprec.sender == Party(
        "Kattskinnet legesenter",
        organisation_her_id="56704",
        hcp_name="August September",
        hcp_id="369767",
        hcp_id_type="HER",
        role="PRIM",
    )
    assert apprec.sender.her_id == "369767"
    assert apprec.receiver.her_id == "91965"
    assert apprec.receiver.service_name == "Generell Kirurgi"
    assert apprec.original_msg_type == "EPIKRISE"


@pytest.mark.parametrize(
    "status,errors",
    [("1", [AppRecError("X99")]), ("2", []), ("3", []), ("4", [AppRecError("X99")]), ("OK", [])],
)
def test_status_and_error_rules(original: MsgHead, status: str, errors: list[AppRecError]) -> None:
    with pytest.raises(ValueError):
        build_apprec(original, status=status, errors=errors)


def test_unknown_version_is_refused(original: MsgHead) -> None:
    with pytest.raises(ValueError, match="version"):
        build_apprec(original, status="1", version="1.2")


def test_errors_carry_8221_texts_and_details(original: MsgHead) -> None:
    data = build_apprec(
        original,
        status="2",
        errors=[
            AppRecError("E21", details="Tjenesten er overført til St. Olavs Hospital."),
            AppRecError("53", text="Finnes ikke i Folkeregisteret", system="2.16.578.1.12.4.1.1.8223"),
        ],
        msg_id="11111111-2222-3333-4444-555555555555",
        gen_date=datetime(2024, 5, 6, 7, 8, 9),
    )
    apprec = parse_apprec(data)

    assert (apprec.id, apprec.gen_date, apprec.status_text) == (
        "11111111-2222-3333-4444-555555555555",
        "2024-05-06T07:08:09",
        STATUS_8258["2"],
    )
    oid_8221 = "2.16.578.1.12.4.1.1.8221"
    assert apprec.errors == (
        AppRecError("E21", ERRORS_8221["E21"], "Tjenesten er overført til St. Olavs Hospital.", oid_8221),
        AppRecError("53", "Finnes ikke i Folkeregisteret", None, "2.16.578.1.12.4.1.1.8223"),
    )
    assert b'<Status V="2" DN="Avvist"/>' in data  # kith:CS: no S attribute on Status


@pytest.mark.parametrize(
    "copy_receiver",
    [
        Party("Kattskinnet legesenter", organisation_her_id="56704", role="COP"),
        Party("", hcp_name="Rita Lin", hcp_id="258521", hcp_id_type="HER", role="COP"),  # HCProf
    ],
    ids=["organisation", "person"],
)
def test_copy_receiver_answers_as_cop(original: MsgHead, schemas: SchemaSet, copy_receiver: Party) -> None:
    with_copy = replace(original, other_receivers=(copy_receiver,))

    data = build_apprec(with_copy, status="1", responding_as=copy_receiver)

    assert schemas.validate(parse_xml(data)) == []
    apprec = parse_apprec(data)
    assert apprec.sender == copy_receiver
    with pytest.raises(ValueError, match="neither"):
        build_apprec(original, status="1", responding_as=copy_receiver)


def test_address_mapping(original: MsgHead, schemas: SchemaSet) -> None:
    """Org number -> AdditionalId; a person party -> HCPerson; a professional under a service is
    not mapped (HIS 80415 §3.5, HITS 1168 §11.2-11.3)."""
    receiver = Party("Tromsø kommune", organisation_her_id="1", organisation_number="940101808")
    gp_sender = Party("Legesenteret", organisation_her_id="2", hcp_name="Rita Lin", hcp_id="3", hcp_id_type="HER")
    service_sender = Party(
        "Sykehus",
        organisation_her_id="4",
        service_name="Kirurgi",
        service_her_id="5",
        hcp_name="Lege Legesen",
        hcp_id="9144897",
        hcp_id_type="HPR",
    )

    for sender in (gp_sender, service_sender):
        head = replace(original, sender=sender, receiver=receiver)
        data = build_apprec(head, status="1")
        assert schemas.validate(parse_xml(data)) == []
        apprec = parse_apprec(data)
        assert apprec.sender == Party("Tromsø kommune", "1", organisation_number="940101808", role="PRIM")
        assert apprec.receiver.her_id == sender.her_id
    from_service = replace(original, sender=service_sender)
    assert parse_apprec(build_apprec(from_service, status="1")).receiver.hcp_id is None


@pytest.mark.parametrize(
    "data",
    [
        b'<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"/>',
        b'<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2099-01-01"/>',
        b'<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2012-02-15"><Id>x</Id></AppRec>',
        GUIDE_EXAMPLE.replace(b"<Status V=\"1\" DN=\"OK\"/>", b""),
        re.sub(rb"<Sender>.*?</Sender>", b"<Sender><Role V='PRIM'/></Sender>", GUIDE_EXAMPLE, flags=re.S),
    ],
    ids=["msghead", "unknown-version", "empty", "no-status", "no-hcp"],
)
def test_parse_non_apprec_is_t02(data: bytes) -> None:
    with pytest.raises(KithError) as caught:
        parse_apprec(data)
    assert caught.value.code == "T02"
