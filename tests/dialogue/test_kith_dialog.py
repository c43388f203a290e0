"""Dialogmelding 1.0 and 1.1 (pure kith): the official samples parse, round-trip and validate; what
the node builds (DIALOG_AVVIK, forespørsel, svar, notat, attachments) is schema-valid."""

from __future__ import annotations

import pytest
from lxml import etree

from samhand import kith
from samhand.kith import dialog as dm

SAMPLES = ["Dialogmelding_avvik_v1-0.xml", "Dialogmelding_foresporsel_PLO_v1-0.xml",
           "Dialogmelding_svar_foresporsel_PLO_v1-0.xml", "Helsefaglig dialog.xml",
           "Helsefaglig dialog_angi profesjon hos mottaker.xml"]
KINDS = {"Dialogmelding_avvik_v1-0.xml": "avvik", "Dialogmelding_foresporsel_PLO_v1-0.xml": "foresporsel",
         "Dialogmelding_svar_foresporsel_PLO_v1-0.xml": "svar", "Helsefaglig dialog.xml": "notat"}


@pytest.fixture(scope="module")
def schemas(schema_dir):
    return kith.SchemaSet(schema_dir)


@pytest.mark.parametrize("name", SAMPLES)
def test_official_samples_parse_and_round_trip(name, samples_dir, schemas):
    root = kith.parse_xml((samples_dir / "dialogmelding" / name).read_bytes())
    assert schemas.validate(root) == []
    parsed = dm.dialog_of_msghead(root)
    assert parsed is not None
    if name in KINDS:
        assert parsed.kind == KINDS[name]
    rebuilt = dm.build_dialog(parsed)
    assert schemas.validate(rebuilt) == [], name
    assert dm.parse_dialog(kith.parse_xml(etree.tostring(rebuilt))) == parsed
    # And inside a MsgHead again: the whole message validates.
    msghead = kith.parse_msghead(root)
    again = kith.build_msghead(msg_type=msghead.msg_type, msg_type_dn=msghead.msg_type_dn or "", sender=msghead.sender,
                               receiver=msghead.receiver, patient=msghead.patient, document=rebuilt,
                               msg_id=msghead.msg_id, conversation_ref=msghead.conversation_ref)
    assert schemas.validate(kith.parse_xml(again)) == []


def test_avvik_sample_reads_as_in_his_1151(samples_dir):
    root = kith.parse_xml((samples_dir / "dialogmelding" / "Dialogmelding_avvik_v1-0.xml").read_bytes())
    parsed = dm.dialog_of_msghead(root)
    assert parsed.version == "1.0"
    assert parsed.notes[0].theme_code == dm.Code("1", "Feil adressat", "2.16.578.1.12.4.1.1.8117")
    assert parsed.text == "Pasienten er ukjent for oss"
    assert parsed.authors[0].hpr == "9144900" and parsed.authors[0].phone == "72727272"
    head = kith.parse_msghead(root)
    assert head.conversation_ref.ref_to_parent == "96cadc00-0118-11e8-8f1a-0800200c9a66"


def test_attachment_sample_is_read(samples_dir):
    root = kith.parse_xml((samples_dir / "dialogmelding" / "Helsefaglig dialog.xml").read_bytes())
    [pdf] = dm.attachments_of(root)
    assert pdf.mime_type == "application/pdf" and pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize("built,kind", [
    (dm.avvik("unknown-patient", "Ikke kjent hos oss"), "avvik"),
    (dm.question("Får pasienten Marevan i kveld?", subject="Medisiner", urgent=True), "foresporsel"),
    (dm.answer("Ja, 2,5 mg.", dm.question("Marevan?").questions[0]), "svar"),
    (dm.note("Pasienten er hjemme.", theme="Hjemkomst"), "notat"),
])
def test_what_the_node_builds_is_valid(built, kind, schemas):
    element = dm.build_dialog(built)
    assert schemas.validate(element) == []
    back = dm.parse_dialog(element)
    assert back == built and back.kind == kind


def test_urgency_and_reason_read_back():
    assert dm.parse_dialog(dm.build_dialog(dm.question("?", urgent=True))).urgent
    assert not dm.parse_dialog(dm.build_dialog(dm.question("?"))).urgent
    for reason in dm.MISDIRECTED_REASONS:
        assert dm.avvik_reason(dm.parse_dialog(dm.build_dialog(dm.avvik(reason, "x")))) == reason
    with pytest.raises(ValueError):
        dm.avvik("no-such-reason")


def test_attachments_make_a_valid_message(samples_dir, schemas):
    raw = (samples_dir / "dialogmelding" / "Helsefaglig dialog.xml").read_bytes()
    head = kith.parse_msghead(kith.parse_xml(raw))
    xml = kith.build_msghead(msg_type="DIALOG_HELSEFAGLIG", msg_type_dn="Helsefaglig dialog", sender=head.sender,
                             receiver=head.receiver, patient=head.patient, document=dm.build_dialog(dm.note("Se bilde")))
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    with_files = dm.add_attachments(xml, [dm.Attachment("image/png", "sår", png)])
    root = kith.parse_xml(with_files)
    assert schemas.validate(root) == []
    assert dm.attachments_of(root) == [dm.Attachment("image/png", "sår", png)]
    with pytest.raises(ValueError):
        dm.add_attachments(xml, [dm.Attachment("text/html", "x", b"<p>")])
