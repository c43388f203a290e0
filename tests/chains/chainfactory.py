"""Chain messages for the tests: official samples (or simulator documents) for one patient, with
the MsgId and ConversationRef a scenario needs, sent through the API and answered with AppRecs."""

from __future__ import annotations

import uuid

from samhand import kith

from msgfactory import kith_party, sample_path

INNLAGT = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"
INNLAGT_C = "Pasientlogistikk_Innlagt_pasient_v1-6_Kansellering.xml"
RAPPORT = "Innleggelsesrapport_v1-6_Ny.xml"
HELSEOPPL = "Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny.xml"
HELSEOPPL_M1 = "Helseopplysninger_Oppdaterte_opplysninger_v1-6_Endring1.xml"
HELSEOPPL_M2 = "Helseopplysninger_Oppdaterte_opplysninger_v1-6_Endring2.xml"
UTSKRIVNINGSKLAR = "Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny.xml"
AVMELDING = "Pasientlogistikk_Avmelding_av_utskrivningsklar_pasient_v1-6_Ny.xml"
TILBAKEMELDING = "Helsefaglig dialog.xml"
UTSKRIVNINGSRAPPORT = "Utskrivningsrapport_v1-6_Ny.xml"
UTSKREVET = "Pasientlogistikk_Melding_om_utskrevet_pasient_v1-6_Ny.xml"
FORESPORSEL = "Dialogmelding_foresporsel_PLO_v1-0.xml"

# Fictitious patients of the official samples (valid fødselsnummer).
NATIONAL_IDS = ("15076500565", "13116900216", "12057900499")


def patient(n: int = 0) -> kith.Patient:
    base = kith.parse_msghead(kith.parse_xml(sample_path(INNLAGT).read_bytes())).patient
    return kith.Patient(family_name=["Gundersen", "Hansen", "Olsen"][n], given_name="Test", id=NATIONAL_IDS[n],
                        id_type="FNR", date_of_birth=base.date_of_birth, sex=base.sex)


def _ref(parent: str | None, conversation: str | None) -> kith.ConversationRef | None:
    if not parent and not conversation:
        return None
    return kith.ConversationRef(ref_to_parent=parent or conversation, ref_to_conversation=conversation or parent)


def plo(sample: str, *, sender: str, receiver: str, who: int = 0, msg_id: str | None = None,
        parent: str | None = None, conversation: str | None = None, copies: tuple[str, ...] = (),
        msg_type: str | None = None) -> bytes:
    """An official sample's business document in a MsgHead between demo parties."""
    original = kith.parse_msghead(kith.parse_xml(sample_path(sample).read_bytes()))
    return kith.build_msghead(
        msg_type=msg_type or original.msg_type, msg_type_dn=original.msg_type_dn or original.msg_type,
        sender=kith_party(sender), receiver=kith_party(receiver), document=original.business_document,
        patient=patient(who), msg_id=msg_id or str(uuid.uuid4()), conversation_ref=_ref(parent, conversation),
        other_receivers=[kith_party(h, role="COP") for h in copies])


def wrap(document, msg_type: str, *, sender: str, receiver: str, who: int = 0, msg_id: str | None = None,
         parent: str | None = None, conversation: str | None = None, dn: str | None = None) -> bytes:
    """Any business document element (e.g. a simulator document or a PLO 2.0 one) in a MsgHead."""
    return kith.build_msghead(msg_type=msg_type, msg_type_dn=dn or msg_type, sender=kith_party(sender),
                              receiver=kith_party(receiver), document=document, patient=patient(who),
                              msg_id=msg_id or str(uuid.uuid4()), conversation_ref=_ref(parent, conversation))


def msg_id_of(xml: bytes) -> str:
    return kith.parse_msghead(kith.parse_xml(xml)).msg_id


def send(sender, receiver, xml: bytes, work, *, ack: str | None = "1") -> str:
    """Send through the API as ``sender``; the receiving EPR answers with an AppRec of ``ack``."""
    response = sender.send(xml)
    assert response.status_code == 202, response.content
    work()
    msghead = kith.parse_msghead(kith.parse_xml(xml))
    if ack is not None:
        entry = next(e for e in receiver.inbox(msghead.receiver.her_id) if e["msgId"] == msghead.msg_id)
        body = {"status": ack}
        if ack != "1":
            body["errors"] = [{"code": "E35", "text": "Pasienten finnes ikke i mottakers system"}]
        answered = receiver.post(f"/messages/{entry['id']}/apprec", body)
        assert answered.status_code == 202, answered.content
        receiver.put(f"/messages/{entry['id']}/read")
        work()
    return msghead.msg_id
