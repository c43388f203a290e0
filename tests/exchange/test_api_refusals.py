"""Every refusal code provoked through the API, and bad input that must not disturb other traffic."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from samhand import kith
from samhand.exchange.models import Message, NodeEvent

from msgfactory import kith_party, readdress, sample_path, with_patient_id
from personas import TROMSO_NURSING, TROMSO_ORG, UNN_MED_TROMSO

LOGISTICS = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


def valid_message() -> bytes:
    return readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)


def assert_refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code, body
    assert body["status"] == status and body["detail"]
    return body


def mutate(xml: bytes, change) -> bytes:
    root = etree.fromstring(xml)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def business_document(root):
    return root.find(".//{*}RefDoc/{*}Content")[0]


@pytest.fixture
def traffic_flows(unn, tromso, work):
    """A good message before and after the bad one arrives intact and once."""
    before = unn.send(valid_message())
    assert before.status_code == 202
    yield
    after = unn.send(valid_message())
    assert after.status_code == 202
    work()
    inbox = tromso.inbox(TROMSO_NURSING)
    assert len(inbox) == 2 and len({e["msgId"] for e in inbox}) == 2


def test_not_well_formed_is_t01(unn, traffic_flows):
    assert_refused(unn.send(b"<MsgHead><MsgInfo></MsgHead>"), 422, "T01")


def test_not_xml_at_all_is_t01(unn, traffic_flows):
    assert_refused(unn.send(b"%PDF-1.4 binary"), 422, "T01")


def test_schema_violation_is_t02(unn, traffic_flows):
    def drop_first_child(root):
        doc = business_document(root)
        doc.remove(doc[0])

    body = assert_refused(unn.send(mutate(valid_message(), drop_first_child)), 422, "T02")
    assert "line" in body["detail"]


def test_unknown_document_namespace_is_t10(unn, traffic_flows):
    def foreign_payload(root):
        content = root.find(".//{*}RefDoc/{*}Content")
        content.remove(content[0])
        etree.SubElement(content, "{urn:example:unknown}Notat").text = "x"

    assert_refused(unn.send(mutate(valid_message(), foreign_payload)), 422, "T10")


def test_version_the_receiver_does_not_take_is_t10(unn, seeded, traffic_flows):
    from samhand.directory.models import Capability
    from samhand.directory.services import forget_directory

    # Changed in the database directly, so the directory cache is told (an import would clear it).
    Capability.objects.filter(party__her_id=TROMSO_NURSING, family="PLO", version="1.6",
                              direction=Capability.Direction.RECEIVE).delete()
    forget_directory()
    # The fixture's own messages are PLO 1.6 too: restore before it sends the second one.
    body = assert_refused(unn.send(valid_message()), 422, "T10")
    assert "PLO 1.6" in body["detail"]
    party = Capability.objects.filter(party__her_id=TROMSO_NURSING).first().party
    Capability.objects.create(party=party, family="PLO", version="1.6", direction=Capability.Direction.RECEIVE)
    forget_directory()


def test_msgid_that_is_not_a_guid_is_e10(unn, traffic_flows):
    assert_refused(unn.send(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                                      msg_id="not-a-guid")), 422, "E10")


def test_unknown_receiver_is_e21(unn, traffic_flows):
    stranger = kith.Party(organisation_name="Ukjent kommune", organisation_her_id="9999990")
    assert_refused(unn.send(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=stranger)), 422, "E21")


def test_department_that_does_not_exist_in_a_known_organisation_is_e21(unn, traffic_flows):
    ghost = kith.Party(organisation_name="Tromsø kommune", organisation_her_id=TROMSO_ORG,
                       service_name="Finnes ikke", service_her_id="8201999")
    body = assert_refused(unn.send(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=ghost)), 422, "E21")
    assert "8201999" in body["detail"]


def test_patient_without_national_id_is_e30(unn, traffic_flows):
    xml = with_patient_id(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, national_id=None)
    assert_refused(unn.send(xml), 422, "E30")


def test_national_id_with_wrong_check_digits_is_e31(unn, traffic_flows):
    xml = with_patient_id(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, national_id="15076500566")
    assert_refused(unn.send(xml), 422, "E31")


def test_unknown_id_type_is_e31(unn, traffic_flows):
    xml = with_patient_id(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, national_id="15076500565",
                          id_type="XYZ")
    assert_refused(unn.send(xml), 422, "E31")


def test_patient_without_name_is_e32(unn, traffic_flows):
    xml = with_patient_id(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, national_id="15076500565",
                          family_name=None)
    assert_refused(unn.send(xml), 422, "E32")


def test_all_errors_are_listed(unn, traffic_flows):
    xml = with_patient_id(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, national_id="15076500566",
                          family_name=None)
    body = assert_refused(unn.send(xml), 422, "E31")
    assert {e["code"] for e in body["errors"]} == {"E31", "E32"}


def test_d_number_and_hjelpenummer_are_accepted(unn, tromso, work):
    d_number = kith.make_national_id(__import__("datetime").date(1965, 7, 15), 123, kind="DNR") or \
        kith.make_national_id(__import__("datetime").date(1965, 7, 15), 124, kind="DNR")
    h_number = kith.make_national_id(__import__("datetime").date(1980, 3, 2), 456, kind="HNR") or \
        kith.make_national_id(__import__("datetime").date(1980, 3, 2), 457, kind="HNR")
    for national_id, kind in [(d_number, "DNR"), (h_number, "HNR")]:
        xml = with_patient_id(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, national_id=national_id,
                              id_type=kind)
        assert unn.send(xml).status_code == 202, (kind, national_id)


# --- hostile input -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"><MsgInfo>&lol3;</MsgInfo></MsgHead>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"><MsgInfo>&xxe;</MsgInfo></MsgHead>"""


def test_entity_expansion_is_refused(unn, traffic_flows):
    assert_refused(unn.send(BILLION_LAUGHS), 422, "T01")


def test_external_entity_is_refused_and_nothing_is_read(unn, traffic_flows):
    body = assert_refused(unn.send(XXE), 422, "T01")
    assert "root:" not in body["detail"]


def test_payload_over_ten_megabytes_is_refused(unn, traffic_flows):
    big = valid_message().replace(b"</MsgHead>", b"<!--" + b"x" * (10 * 1024 * 1024) + b"--></MsgHead>")
    assert_refused(unn.send(big), 413, "T99")


def test_invalid_base64_is_a_bad_request(unn, traffic_flows):
    response = unn.post("/messages", {"businessDocument": "not base64!!"})
    assert_refused(response, 400, "bad-request")


def test_forged_sender_is_refused_and_recorded(tromso, unn, traffic_flows):
    forged = readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    assert_refused(tromso.send(forged), 403, "abuse:spoofing-attack")
    assert NodeEvent.objects.filter(kind=NodeEvent.Kind.SECURITY, code="abuse:spoofing-attack").count() == 1
    assert not Message.objects.filter(msg_id=kith.parse_msghead(kith.parse_xml(forged)).msg_id).exists()


def test_refusals_store_no_message(unn):
    unn.send(b"<broken")
    unn.send(XXE)
    assert Message.objects.count() == 0
    assert NodeEvent.objects.filter(kind=NodeEvent.Kind.REFUSED, code="T01").count() == 2


def test_every_official_sample_passes_submission_checks(unn, samples_dir):
    """Not just the PLO ones: Dialogmelding 1.0/1.1 samples go through too."""
    for path in sorted(samples_dir.rglob("*.xml")):
        raw = path.read_bytes()
        if b"AppRec" in raw[:400]:
            continue
        xml = readdress(raw, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
        response = unn.send(xml)
        assert response.status_code == 202, (path.name, response.content)


def test_sample_path_helper_finds_samples():
    assert sample_path(LOGISTICS).is_file()
    assert base64.b64decode(base64.b64encode(b"x")) == b"x"
    assert kith_party  # imported for tests that build parties
