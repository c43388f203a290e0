"""Reading and writing the MsgHead 1.2 envelope (HIS 80601, namespace .../msghead/2006-05-24).

Addressing follows Tjenestebasert adressering (HIS 1153-2): Organisation carries the
organisation's name and HER-id (AD2.6), a nested Organisation the service's (AD2.7), and a
HealthcareProfessional a person who is a communication party (AD2.8).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from .codes import HER_OID, ID_TYPES_8116, OID_8116, OID_9051, ORG_ID_TYPES_9051, ROLES_8112, SEX_3101
from .documents import MSGHEAD_NS
from .errors import KithError
from .model import ConversationRef, Document, MsgHead, Party, Patient
from .patient import NATIONAL_ID_TYPES, national_id_kind
from .xmlsafe import parse_xml
from .xmlutil import child_attr, child_text, first_element, format_datetime, qpath, serialize, sub

MIG_VERSION = "v1.2 2006-05-24"  # fixed value of MsgInfo/MIGversion in MsgHead-v1_2.xsd


def _p(path: str) -> str:
    return qpath(MSGHEAD_NS, path)


def parse_msghead(doc: bytes | etree._Element) -> MsgHead:
    """Read a MsgHead 1.2 message; raises KithError T01 (not XML), T02 (not a usable MsgHead)
    or E10 (no MsgId, HIS 80415 §6.3)."""
    root = parse_xml(doc) if isinstance(doc, (bytes, bytearray, memoryview)) else doc
    if root.tag != _p("MsgHead"):
        raise KithError("T02", f"root element is {root.tag}, expected MsgHead 1.2 ({{{MSGHEAD_NS}}}MsgHead)")
    info = root.find(_p("MsgInfo"))
    if info is None:
        raise KithError("T02", "MsgHead has no MsgInfo")
    msg_id = child_text(info, _p("MsgId"))
    if msg_id is None:
        raise KithError("E10", "MsgHead/MsgInfo/MsgId is missing or empty")
    return MsgHead(
        msg_id=msg_id,
        msg_type=_required(child_attr(info, _p("Type")), "MsgInfo/Type/@V"),
        msg_type_dn=child_attr(info, _p("Type"), "DN"),
        mig_version=child_text(info, _p("MIGversion")) or "",
        gen_date=_required(child_text(info, _p("GenDate")), "MsgInfo/GenDate"),
        conversation_ref=_conversation_ref(info.find(_p("ConversationRef"))),
        sender=_addressed_party(info, "Sender"),
        receiver=_addressed_party(info, "Receiver"),
        other_receivers=tuple(_other_receiver(el) for el in info.iterfind(_p("OtherReceiver"))),
        patient=_patient(info.find(_p("Patient"))),
        documents=tuple(_document(el) for el in root.iterfind(_p("Document"))),
        root=root,
    )


def _required(value: str | None, where: str) -> str:
    if value is None:
        raise KithError("T02", f"MsgHead/{where} is missing or empty")
    return value


def _conversation_ref(el: etree._Element | None) -> ConversationRef | None:
    if el is None:
        return None
    return ConversationRef(
        ref_to_parent=_required(child_text(el, _p("RefToParent")), "MsgInfo/ConversationRef/RefToParent"),
        ref_to_conversation=_required(
            child_text(el, _p("RefToConversation")), "MsgInfo/ConversationRef/RefToConversation"
        ),
    )


def _addressed_party(info: etree._Element, tag: str) -> Party:
    org = info.find(_p(f"{tag}/Organisation"))
    if org is None:
        raise KithError("T02", f"MsgHead/MsgInfo/{tag}/Organisation is missing")
    return _party(org)


def _other_receiver(el: etree._Element) -> Party:
    role = child_attr(el, _p("RoleReceiver"))
    org = el.find(_p("Organisation"))
    if org is not None:
        return _party(org, role)
    hcp_name, hcp_id, hcp_id_type = _hcp(el.find(_p("HealthcareProfessional")))
    return Party("", role=role, hcp_name=hcp_name, hcp_id=hcp_id, hcp_id_type=hcp_id_type)


def _idents(el: etree._Element | None) -> list[tuple[str, str]]:
    """(TypeId V, Id) of the direct Ident children."""
    if el is None:
        return []
    return [
        (child_attr(ident, _p("TypeId")) or "", child_text(ident, _p("Id")) or "")
        for ident in el.iterfind(_p("Ident"))
    ]


def _ident_of(idents: list[tuple[str, str]], type_id: str) -> str | None:
    return next((value for kind, value in idents if kind == type_id and value), None)


def _party(org: etree._Element, role: str | None = None) -> Party:
    idents = _idents(org)
    service = org.find(_p("Organisation"))
    service_idents = _idents(service)
    hcp = service.find(_p("HealthcareProfessional")) if service is not None else None
    hcp_name, hcp_id, hcp_id_type = _hcp(hcp if hcp is not None else org.find(_p("HealthcareProfessional")))
    return Party(
        organisation_name=child_text(org, _p("OrganisationName")) or "",
        organisation_her_id=_ident_of(idents, "HER"),
        service_name=child_text(service, _p("OrganisationName")),
        service_her_id=_ident_of(service_idents, "HER"),
        organisation_number=_ident_of(idents, "ENH"),
        hcp_name=hcp_name,
        hcp_id=hcp_id,
        role=role,
        hcp_id_type=hcp_id_type,
    )


def _hcp(el: etree._Element | None) -> tuple[str | None, str | None, str | None]:
    """(name, id, id type) of a HealthcareProfessional; a HER-id wins over other ids."""
    if el is None:
        return None, None, None
    parts = (child_text(el, _p(tag)) for tag in ("GivenName", "MiddleName", "FamilyName"))
    name = " ".join(part for part in parts if part) or None
    idents = [(kind, value) for kind, value in _idents(el) if value]
    her = _ident_of(idents, "HER")
    if her is not None:
        return name, her, "HER"
    kind, value = idents[0] if idents else (None, None)
    return name, value, kind or None


def _patient(el: etree._Element | None) -> Patient | None:
    if el is None:
        return None
    idents = [(kind, value) for kind, value in _idents(el) if value]
    national = next((ident for ident in idents if ident[0] in NATIONAL_ID_TYPES), None)
    id_type, pid = national or (idents[0] if idents else (None, None))
    return Patient(
        family_name=child_text(el, _p("FamilyName")),
        given_name=child_text(el, _p("GivenName")),
        middle_name=child_text(el, _p("MiddleName")),
        id=pid,
        id_type=id_type or None,
        date_of_birth=child_text(el, _p("DateOfBirth")),
        sex=child_attr(el, _p("Sex")),
    )


def _document(el: etree._Element) -> Document:
    ref = el.find(_p("RefDoc"))
    if ref is None:
        raise KithError("T02", f"MsgHead/Document on line {el.sourceline} has no RefDoc")
    return Document(
        msg_type=_required(child_attr(ref, _p("MsgType")), "Document/RefDoc/MsgType/@V"),
        issue_date=child_attr(ref, _p("IssueDate")),
        mime_type=child_text(ref, _p("MimeType")),
        id=child_text(ref, _p("Id")),
        file_reference=child_text(ref, _p("FileReference")),
        content=first_element(ref.find(_p("Content"))),
    )


def build_msghead(
    *,
    msg_type: str,
    msg_type_dn: str,
    sender: Party,
    receiver: Party,
    document: etree._Element | bytes,
    patient: Patient | None = None,
    msg_id: str | None = None,
    gen_date: datetime | None = None,
    conversation_ref: ConversationRef | None = None,
    other_receivers: Sequence[Party] = (),
    issue_date: datetime | None = None,
) -> bytes:
    """A MsgHead 1.2 carrying one XML business document (RefDoc/MsgType "XML", HIS 80704 §4.1.1)."""
    if isinstance(document, (bytes, bytearray, memoryview)):
        payload = parse_xml(bytes(document))
    else:
        payload = copy.deepcopy(document)
        payload.tail = None
    generated = format_datetime(gen_date)

    root = etree.Element(_p("MsgHead"), nsmap={None: MSGHEAD_NS})
    info = sub(root, "MsgInfo")
    sub(info, "Type", V=msg_type, DN=msg_type_dn)
    sub(info, "MIGversion", MIG_VERSION)
    sub(info, "GenDate", generated)
    sub(info, "MsgId", msg_id or str(uuid.uuid4()))
    if conversation_ref is not None:
        ref = sub(info, "ConversationRef")
        sub(ref, "RefToParent", conversation_ref.ref_to_parent)
        sub(ref, "RefToConversation", conversation_ref.ref_to_conversation)
    _write_party(sub(info, "Sender"), sender, "Sender")
    _write_party(sub(info, "Receiver"), receiver, "Receiver")
    for other in other_receivers:
        element = sub(info, "OtherReceiver")
        role = other.role or "COP"
        sub(element, "RoleReceiver", V=role, DN=ROLES_8112.get(role, role))
        _write_party(element, other, "OtherReceiver")
    if patient is not None:
        _write_patient(sub(info, "Patient"), patient)

    refdoc = sub(sub(root, "Document"), "RefDoc")
    sub(refdoc, "IssueDate", V=format_datetime(issue_date) if issue_date is not None else generated)
    sub(refdoc, "MsgType", V="XML", DN="XML-instans")
    sub(refdoc, "Content").append(payload)
    return serialize(root)


def _write_ident(parent: etree._Element, value: str, type_id: str, system: str) -> None:
    names = ORG_ID_TYPES_9051 if system == OID_9051 else ID_TYPES_8116
    ident = sub(parent, "Ident")
    sub(ident, "Id", value)
    sub(ident, "TypeId", V=type_id, DN=names.get(type_id, type_id), S=system)


def _write_party(parent: etree._Element, party: Party, where: str) -> None:
    has_organisation = bool(party.organisation_her_id or party.organisation_number)
    if not has_organisation and where == "OtherReceiver" and party.hcp_id:
        _write_hcp(parent, party)  # OtherReceiver may be a person only (HIS 80601)
        return
    if not has_organisation:
        raise ValueError(f"{where}: Organisation/Ident is mandatory; give a HER-id or an organisation number")
    if party.service_name and not party.service_her_id:
        raise ValueError(f"{where}: the service {party.service_name!r} needs a HER-id (HIS 1153-2 AD2.7)")
    if party.hcp_name and not party.hcp_id:
        raise ValueError(f"{where}: HealthcareProfessional/Ident is mandatory; give hcp_id")
    org = sub(parent, "Organisation")
    sub(org, "OrganisationName", party.organisation_name)
    if party.organisation_her_id:
        _write_ident(org, party.organisation_her_id, "HER", HER_OID)
    if party.organisation_number:
        _write_ident(org, party.organisation_number, "ENH", OID_9051)
    holder = org
    if party.service_her_id:
        holder = sub(org, "Organisation")
        sub(holder, "OrganisationName", party.service_name or "")
        _write_ident(holder, party.service_her_id, "HER", HER_OID)
    if party.hcp_id:
        _write_hcp(holder, party)


def _write_hcp(parent: etree._Element, party: Party) -> None:
    hcp = sub(parent, "HealthcareProfessional")
    given, _, family = (party.hcp_name or "").strip().rpartition(" ")
    if family:
        sub(hcp, "FamilyName", family)
    if given:
        sub(hcp, "GivenName", given)
    type_id = party.hcp_id_type or "HPR"
    # A person's HER-id is written with the 9051 OID like the examples in HITS 1168 §11.
    _write_ident(hcp, party.hcp_id or "", type_id, HER_OID if type_id == "HER" else OID_8116)


def _write_patient(el: etree._Element, patient: Patient) -> None:
    for tag, value in (
        ("FamilyName", patient.family_name),
        ("MiddleName", patient.middle_name),
        ("GivenName", patient.given_name),
        ("DateOfBirth", patient.date_of_birth),
    ):
        if value:
            sub(el, tag, value)
    if patient.sex:
        sub(el, "Sex", V=patient.sex, DN=SEX_3101.get(patient.sex, patient.sex))
    if patient.id:
        id_type = patient.id_type or national_id_kind(patient.id)
        if id_type is None:
            raise ValueError("Patient: id_type is needed for an id that is not a national id")
        _write_ident(el, patient.id, id_type, OID_8116)
