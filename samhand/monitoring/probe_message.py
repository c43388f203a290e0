"""The communication test (S8) as a message: a DIALOG_HELSEFAGLIG (Dialogmelding 1.1, HIS 1077) with
the theme "Kommunikasjonstest" from a hosted party to a partner, about a fixed fictitious test
patient. The receiving EPR answers it with an AppRec like any message; nobody records it.

Built here with lxml, for production: the demo simulator's fake-data builders are not involved.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from lxml import etree

from samhand import kith
from samhand.directory.models import CommunicationParty

DIALOG_11 = "http://www.kith.no/xmlstds/dialog/2013-01-23"
FK1 = "http://www.kith.no/xmlstds/felleskomponent1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OID = "2.16.578.1.12.4.1.1."

TEXT = ("Kommunikasjonstest fra samhand (meldingsovervåking). Meldingen besvares automatisk med "
        "applikasjonskvittering og skal ikke journalføres. Ingen handling nødvendig.")
# A fictitious person (valid check digits, born 26.11.1956) that no register holds.
TEST_PATIENT = kith.Patient(family_name="Kommunikasjonstest", given_name="Testpasient", id="26115639543",
                            id_type="FNR", date_of_birth="1956-11-26", sex="1")


def _sub(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _cv(parent: etree._Element, tag: str, v: str, dn: str, system: int) -> None:
    _sub(parent, DIALOG_11, tag, V=v, DN=dn, S=f"{OID}{system}")


def probe_dialog(sender: CommunicationParty) -> etree._Element:
    """The Dialogmelding 1.1 document: theme, text, the sending unit and its author."""
    doc = etree.Element(f"{{{DIALOG_11}}}Dialogmelding", nsmap={None: DIALOG_11, "fk1": FK1, "xsi": XSI})
    doc.set(f"{{{XSI}}}schemaLocation", f"{DIALOG_11} dialogmelding-v1.1.xsd")
    note = _sub(doc, DIALOG_11, "Notat")
    _cv(note, "TemaKodet", "6", "Henvendelse om pasient", 7322)
    _sub(note, DIALOG_11, "Tema", "Kommunikasjonstest")
    _sub(note, DIALOG_11, "TekstNotatInnhold", TEXT)
    unit = _sub(_sub(_sub(note, DIALOG_11, "RollerRelatertNotat"), DIALOG_11, "TilknyttetEnhet"),
                DIALOG_11, "Kontaktenhet")
    _sub(unit, FK1, "OrganisationName", f"{sender.name}, {sender.organisation.name}")
    ident = _sub(unit, FK1, "Ident")
    _sub(ident, FK1, "Id", sender.her_id)
    _sub(ident, FK1, "TypeId", V="HER", DN="HER-id", S=f"{OID}9051")
    author = _sub(note, DIALOG_11, "RollerRelatertNotat")
    _cv(author, "RoleToPatient", "21", "Helsefaglig kontakt", 9034)
    person = _sub(author, DIALOG_11, "HealthcareProfessional")
    _sub(person, DIALOG_11, "TypeHealthcareProfessional", V="SP", DN="Sykepleier")
    _sub(person, DIALOG_11, "FamilyName", "Meldingsovervåking")
    _sub(person, DIALOG_11, "GivenName", "Samhand")
    return doc


def _party(party: CommunicationParty) -> kith.Party:
    return kith.Party(organisation_name=party.organisation.name, organisation_her_id=party.organisation.her_id,
                      service_name=party.name, service_her_id=party.her_id)


def probe_document(sender: CommunicationParty, receiver: CommunicationParty, *, msg_id: str | None = None,
                   now: datetime | None = None) -> bytes:
    """The probe's MsgHead XML: DIALOG_HELSEFAGLIG, tema "Kommunikasjonstest", to one partner."""
    return kith.build_msghead(
        msg_type="DIALOG_HELSEFAGLIG", msg_type_dn="Helsefaglig dialog", sender=_party(sender),
        receiver=_party(receiver), document=probe_dialog(sender), msg_id=msg_id or str(uuid.uuid4()),
        gen_date=now, patient=TEST_PATIENT)
