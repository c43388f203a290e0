"""build_msghead produces valid MsgHead 1.2 that parse_msghead reads back; parse errors map to codes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from samhand.kith import (
    HER_OID,
    ConversationRef,
    KithError,
    Party,
    Patient,
    SchemaSet,
    build_msghead,
    parse_msghead,
    parse_xml,
)

UNN = Party(
    organisation_name="Universitetssykehuset Nord-Norge HF",
    organisation_her_id="79768",
    service_name="Medisinsk avdeling, UNN Tromsø",
    service_her_id="8091154",
    organisation_number="983974899",
)
TROMSO = Party(
    organisation_name="Tromsø kommune",
    organisation_her_id="82176",
    service_name="Sykepleietjeneste",
    service_her_id="8094455",
)
GP = Party(
    organisation_name="Kattskinnet legesenter",
    organisation_her_id="56704",
    hcp_name="August September",
    hcp_id="369767",
    hcp_id_type="HER",
    role="COP",
)
NURSE = Party("", hcp_name="Rita Lin", hcp_id="9144900", hcp_id_type="HPR", role="COP")  # a person only
PATIENT = Patient(
    family_name="Gundersen",
    given_name="Roland",
    middle_name="Flåklypa",
    id="15076500565",
    id_type="FNR",
    date_of_birth="1965-07-15",
    sex="1",
)


@pytest.fixture
def payload(plo_sample: bytes) -> etree._Element:
    return parse_msghead(plo_sample).business_document


def test_build_validates_and_round_trips(payload: etree._Element, schemas: SchemaSet) -> None:
    generated = datetime(2024, 3, 1, 12, 30, 15, 999)
    ref = ConversationRef("2f6c2a3e-44a1-4c0e-9c53-3b1f1c7c2d10", "0c2fd2d4-7a39-4b0f-8f67-1f1b2f9a2a11")
    data = build_msghead(
        msg_type="LOG_INNLAGT",
        msg_type_dn="Melding om innlagt pasient",
        sender=UNN,
        receiver=TROMSO,
        document=payload,
        patient=PATIENT,
        msg_id="5b1b4c8e-5a8f-4c1e-9f0e-2d2b0c3a1e77",
        gen_date=generated,
        conversation_ref=ref,
        other_receivers=[GP, NURSE],
    )

    assert schemas.validate(parse_xml(data)) == []
    head = parse_msghead(data)
    assert head.msg_id == "5b1b4c8e-5a8f-4c1e-9f0e-2d2b0c3a1e77"
    assert (head.msg_type, head.msg_type_dn) == ("LOG_INNLAGT", "Melding om innlagt pasient")
    assert head.mig_version == "v1.2 2006-05-24"
    assert head.gen_date == "2024-03-01T12:30:15"
    assert head.conversation_ref == ref
    assert head.sender == UNN
    assert head.receiver == TROMSO
    assert head.other_receivers == (GP, NURSE)
    assert head.patient == PATIENT
    assert len(head.documents) == 1
    assert (head.documents[0].msg_type, head.documents[0].issue_date) == ("XML", "2024-03-01T12:30:15")
    assert etree.tostring(head.business_document) == etree.tostring(payload, with_tail=False)
    assert head.document_kind.name == "Pasientlogistikk"
    assert (head.sender.her_id, head.receiver.her_id, head.other_receivers[0].her_id) == (
        "8091154",
        "8094455",
        "369767",
    )


def test_build_writes_code_systems(payload: etree._Element) -> None:
    root = parse_xml(
        build_msghead(
            msg_type="LOG_INNLAGT", msg_type_dn="x", sender=UNN, receiver=TROMSO, document=payload, patient=PATIENT
        )
    )
    ns = {"mh": "http://www.kith.no/xmlstds/msghead/2006-05-24"}
    her = root.find("mh:MsgInfo/mh:Sender/mh:Organisation/mh:Ident/mh:TypeId", ns)
    assert (her.get("V"), her.get("S")) == ("HER", HER_OID)
    enh = root.findall("mh:MsgInfo/mh:Sender/mh:Organisation/mh:Ident/mh:TypeId", ns)[1]
    assert (enh.get("V"), enh.get("S")) == ("ENH", "2.16.578.1.12.4.1.1.9051")
    fnr = root.find("mh:MsgInfo/mh:Patient/mh:Ident/mh:TypeId", ns)
    assert (fnr.get("V"), fnr.get("DN"), fnr.get("S")) == ("FNR", "Fødselsnummer", "2.16.578.1.12.4.1.1.8116")
    service = root.find("mh:MsgInfo/mh:Receiver/mh:Organisation/mh:Organisation/mh:Ident/mh:Id", ns)
    assert service.text == "8094455"


def test_build_defaults_and_bytes_payload(plo_sample: bytes, schemas: SchemaSet) -> None:
    payload = etree.tostring(parse_msghead(plo_sample).business_document)
    before = datetime.now().replace(microsecond=0)

    data = build_msghead(
        msg_type="LOG_INNLAGT",
        msg_type_dn="Melding om innlagt pasient",
        sender=TROMSO,
        receiver=UNN,
        document=payload,
        issue_date=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1))),
    )

    assert schemas.validate(parse_xml(data)) == []
    head = parse_msghead(data)
    assert len(head.msg_id) == 36 and head.msg_id.count("-") == 4
    assert datetime.fromisoformat(head.gen_date) >= before
    assert head.documents[0].issue_date == "2024-01-02T03:04:05+01:00"
    assert head.patient is None and head.conversation_ref is None and head.other_receivers == ()


def test_build_each_call_has_a_new_msg_id(payload: etree._Element) -> None:
    def build() -> str:
        return parse_msghead(
            build_msghead(msg_type="T", msg_type_dn="T", sender=UNN, receiver=TROMSO, document=payload)
        ).msg_id

    assert build() != build()


@pytest.mark.parametrize(
    "sender,match",
    [
        (Party("Nameless and id-less"), "HER-id or an organisation number"),
        (Party("X", organisation_her_id="1", service_name="Service"), "needs a HER-id"),
        (Party("X", organisation_her_id="1", hcp_name="Dr Who"), "hcp_id"),
    ],
)
def test_build_refuses_unaddressable_parties(payload: etree._Element, sender: Party, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build_msghead(msg_type="T", msg_type_dn="T", sender=sender, receiver=TROMSO, document=payload)


def test_parse_picks_service_person_and_national_id(samples_dir: Path) -> None:
    head = parse_msghead((samples_dir / "dialogmelding" / "Dialogmelding_avvik_v1-0.xml").read_bytes())

    assert head.sender == Party(
        "Kattskinnet legesenter", organisation_her_id="91096", hcp_name="Rita Lin", hcp_id="91101", hcp_id_type="HER"
    )
    assert head.sender.her_id == "91101"
    assert head.receiver.her_id == "90998"
    assert head.receiver.service_name == "Ortopedisk kirurgi"
    assert head.patient == Patient("Danser", "Line", None, "13116900216", "FNR", "1969-11-13", "2")


MINIMAL = """<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"><MsgInfo>
<Type V="LOG_INNLAGT"/><MIGversion>v1.2 2006-05-24</MIGversion><GenDate>2024-01-01T00:00:00</GenDate>
{msgid}<Sender><Organisation><OrganisationName>A</OrganisationName><Ident><Id>1</Id><TypeId V="HER"/></Ident>
</Organisation></Sender>{receiver}</MsgInfo>
<Document><RefDoc><MsgType V="XML"/><Content><x xmlns="urn:x"/></Content></RefDoc></Document></MsgHead>"""
RECEIVER = (
    "<Receiver><Organisation><OrganisationName>B</OrganisationName><Ident><Id>2</Id><TypeId V='HER'/></Ident>"
    "</Organisation></Receiver>"
)


@pytest.mark.parametrize(
    "data,code",
    [
        (b"<<<", "T01"),
        (b'<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2012-02-15"/>', "T02"),
        (b'<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-03-20"/>', "T02"),
        (b'<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"/>', "T02"),
        (MINIMAL.format(msgid="", receiver=RECEIVER).encode(), "E10"),
        (MINIMAL.format(msgid="<MsgId> </MsgId>", receiver=RECEIVER).encode(), "E10"),
        (MINIMAL.format(msgid="<MsgId>m</MsgId>", receiver="").encode(), "T02"),
    ],
    ids=["not-xml", "apprec", "msghead-1.1", "no-msginfo", "no-msgid", "blank-msgid", "no-receiver"],
)
def test_parse_errors(data: bytes, code: str) -> None:
    with pytest.raises(KithError) as caught:
        parse_msghead(data)
    assert caught.value.code == code


def test_parse_minimal_without_patient() -> None:
    head = parse_msghead(MINIMAL.format(msgid="<MsgId>m</MsgId>", receiver=RECEIVER).encode())
    assert (head.sender.her_id, head.receiver.her_id, head.patient) == ("1", "2", None)
    assert head.document_kind is None  # urn:x is no known standard
