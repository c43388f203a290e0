"""Reading and writing the application receipt, AppRec 1.0 (HIS 80415:2004) and 1.1 (HIS 80415:2012).

The two versions differ only in namespace, MIGversion and the Role codes (HITS 1168 §8.1, §6.2).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from .codes import ERRORS_8221, ID_TYPES_8116, OID_8221, ORG_ID_TYPES_9051, STATUS_8258
from .documents import APPREC_NS
from .errors import KithError
from .model import AppRec, AppRecError, MsgHead, Party
from .xmlsafe import parse_xml
from .xmlutil import child_attr, child_text, format_datetime, qpath, serialize, sub

# MIGversion: the schema default of each version (AppRec-v1-2004-11-21.xsd, AppRec-v1.1.xsd).
MIG_VERSIONS = {"1.0": "1.0 2004-11-21", "1.1": "v1.1 2012-02-15"}

# Sender/Receiver Role: 1.1 uses PRIM/COP for the sender and the fixed AVS for the receiver
# (HIS 80415 §4.4.4-4.4.5); 1.0 uses SPR (tjenesteyter) or COP for the sender (HITS 1168 §6.2).
_ROLES = {
    "PRIM": "Primærmottaker",
    "COP": "Kopimottaker",
    "AVS": "Avsender",
    "SPR": "Tjenesteyter",
}
_PRIMARY_ROLE = {"1.0": "SPR", "1.1": "PRIM"}
_RECEIVER_ROLE = {"1.0": None, "1.1": "AVS"}

_VERSION_OF_NAMESPACE = {namespace: version for version, namespace in APPREC_NS.items()}


def parse_apprec(doc: bytes | etree._Element) -> AppRec:
    """Read an AppRec 1.0 or 1.1; raises KithError T01 (not XML) or T02 (not a usable AppRec)."""
    root = parse_xml(doc) if isinstance(doc, (bytes, bytearray, memoryview)) else doc
    qname = etree.QName(root)
    version = _VERSION_OF_NAMESPACE.get(qname.namespace or "")
    if version is None or qname.localname != "AppRec":
        raise KithError("T02", f"root element is {root.tag}, expected AppRec 1.0 or 1.1")
    ns = APPREC_NS[version]

    def required(value: str | None, where: str) -> str:
        if value is None:
            raise KithError("T02", f"AppRec/{where} is missing or empty")
        return value

    original = root.find(qpath(ns, "OriginalMsgId"))
    if original is None:
        raise KithError("T02", "AppRec/OriginalMsgId is missing")
    return AppRec(
        version=version,
        id=required(child_text(root, qpath(ns, "Id")), "Id"),
        gen_date=required(child_text(root, qpath(ns, "GenDate")), "GenDate"),
        status=required(child_attr(root, qpath(ns, "Status")), "Status/@V"),
        status_text=child_attr(root, qpath(ns, "Status"), "DN"),
        errors=tuple(_read_error(error) for error in root.iterfind(qpath(ns, "Error"))),
        sender=_read_party(root, ns, "Sender"),
        receiver=_read_party(root, ns, "Receiver"),
        original_msg_id=required(child_text(original, qpath(ns, "Id")), "OriginalMsgId/Id"),
        original_msg_type=required(child_attr(original, qpath(ns, "MsgType")), "OriginalMsgId/MsgType/@V"),
        original_issue_date=required(child_text(original, qpath(ns, "IssueDate")), "OriginalMsgId/IssueDate"),
    )


def _read_error(error: etree._Element) -> AppRecError:
    return AppRecError(
        error.get("V", ""), text=error.get("DN"), details=error.get("OT"), system=error.get("S")
    )


def _read_party(root: etree._Element, ns: str, tag: str) -> Party:
    side = root.find(qpath(ns, tag))
    hcp = side.find(qpath(ns, "HCP")) if side is not None else None
    if side is None or hcp is None:
        raise KithError("T02", f"AppRec/{tag}/HCP is missing")
    role = child_attr(side, qpath(ns, "Role"))
    inst = hcp.find(qpath(ns, "Inst"))
    if inst is None:
        prof = hcp.find(qpath(ns, "HCProf"))
        return Party("", role=role, **_person(prof, ns))
    ids = [(child_attr(inst, qpath(ns, "TypeId")), child_text(inst, qpath(ns, "Id")))]
    ids += [
        (child_attr(extra, qpath(ns, "Type")), child_text(extra, qpath(ns, "Id")))
        for extra in inst.iterfind(qpath(ns, "AdditionalId"))
    ]
    dept = inst.find(qpath(ns, "Dept"))
    dept_is_her = child_attr(dept, qpath(ns, "TypeId")) == "HER"
    return Party(
        organisation_name=child_text(inst, qpath(ns, "Name")) or "",
        organisation_her_id=next((value for kind, value in ids if kind == "HER" and value), None),
        service_name=child_text(dept, qpath(ns, "Name")),
        service_her_id=child_text(dept, qpath(ns, "Id")) if dept_is_her else None,
        organisation_number=next((value for kind, value in ids if kind == "ENH" and value), None),
        role=role,
        **_person(inst.find(qpath(ns, "HCPerson")), ns),
    )


def _person(el: etree._Element | None, ns: str) -> dict[str, str | None]:
    return {
        "hcp_name": child_text(el, qpath(ns, "Name")),
        "hcp_id": child_text(el, qpath(ns, "Id")),
        "hcp_id_type": child_attr(el, qpath(ns, "TypeId")),
    }


def build_apprec(
    original: MsgHead,
    *,
    status: str,
    errors: Sequence[AppRecError] = (),
    version: str = "1.1",
    msg_id: str | None = None,
    gen_date: datetime | None = None,
    responding_as: Party | None = None,
) -> bytes:
    """The AppRec answering `original`, with its addressing mirrored (HIS 80415 §3.5, HITS 1168 §6).

    responding_as is the party this receipt is from: the original's Receiver (default) or one of
    its OtherReceivers; one AppRec is sent per receiver (HIS 80415 §3.2 point 6).
    """
    if version not in APPREC_NS:
        raise ValueError(f"AppRec version must be one of {sorted(APPREC_NS)}, not {version!r}")
    if status not in STATUS_8258:
        raise ValueError(f"status must be a code of 8258 {sorted(STATUS_8258)}, not {status!r}")
    # HIS 80415 §4.3.1: no errors with 'OK'; at least one with 'Avvist' or 'OK, feil i delmelding'.
    if status == "1" and errors:
        raise ValueError("an AppRec with status 1 (OK) must not carry errors")
    if status != "1" and not errors:
        raise ValueError(f"an AppRec with status {status} ({STATUS_8258[status]}) needs at least one error")
    me = responding_as or original.receiver
    if me == original.receiver:
        sender_role = _PRIMARY_ROLE[version]
    elif me in original.other_receivers:
        sender_role = "COP"
    else:
        raise ValueError("responding_as is neither the Receiver nor an OtherReceiver of the original message")

    ns = APPREC_NS[version]
    root = etree.Element(qpath(ns, "AppRec"), nsmap={None: ns})
    sub(root, "MsgType", V="APPREC", DN="Applikasjonskvittering")
    sub(root, "MIGversion", MIG_VERSIONS[version])
    sub(root, "GenDate", format_datetime(gen_date))
    sub(root, "Id", msg_id or str(uuid.uuid4()))
    _write_party(sub(root, "Sender"), me, sender_role)
    _write_party(sub(root, "Receiver"), original.sender, _RECEIVER_ROLE[version])
    sub(root, "Status", V=status, DN=STATUS_8258[status])  # kith:CS has no S attribute
    for error in errors:
        text = error.text or ERRORS_8221.get(error.code)
        sub(root, "Error", S=error.system or OID_8221, V=error.code, DN=text, OT=error.details or None)
    original_id = sub(root, "OriginalMsgId")
    sub(original_id, "MsgType", V=original.msg_type, DN=original.msg_type_dn)
    sub(original_id, "IssueDate", original.gen_date)  # MsgInfo/GenDate of the original (§4.3.2)
    sub(original_id, "Id", original.msg_id)
    return serialize(root)


def _write_party(side: etree._Element, party: Party, role: str | None) -> None:
    """MsgHead Organisation -> HCP/Inst, nested Organisation -> Inst/Dept, a person -> Inst/HCPerson
    (HIS 80415 §3.5). A health professional under a service is not mapped (HITS 1168 §11.2)."""
    if role is not None:
        sub(side, "Role", V=role, DN=_ROLES[role])
    hcp = sub(side, "HCP")
    if not (party.organisation_her_id or party.organisation_number) and party.hcp_id:
        _write_named_id(sub(hcp, "HCProf"), party.hcp_name, party.hcp_id, party.hcp_id_type or "HPR")
        return
    inst = sub(hcp, "Inst")
    if party.organisation_her_id:
        _write_named_id(inst, party.organisation_name, party.organisation_her_id, "HER")
    else:
        _write_named_id(inst, party.organisation_name, party.organisation_number, "ENH")
    has_service = bool(party.service_her_id or party.service_name)
    if has_service:
        _write_named_id(sub(inst, "Dept"), party.service_name, party.service_her_id, "HER")
    if party.organisation_her_id and party.organisation_number:
        extra = sub(inst, "AdditionalId")
        sub(extra, "Id", party.organisation_number)
        sub(extra, "Type", V="ENH", DN=ORG_ID_TYPES_9051["ENH"])
    if party.hcp_id and (not has_service or party.hcp_id_type == "HER"):
        _write_named_id(sub(inst, "HCPerson"), party.hcp_name, party.hcp_id, party.hcp_id_type or "HPR")


def _write_named_id(parent: etree._Element, name: str | None, value: str | None, type_id: str | None) -> None:
    """Name, Id and TypeId (a kith:CS: V and DN, no S) as used by Inst, Dept, HCPerson, HCProf."""
    if name:
        sub(parent, "Name", name)
    if value:
        sub(parent, "Id", value)
        if type_id:
            sub(parent, "TypeId", V=type_id, DN=ORG_ID_TYPES_9051.get(type_id) or ID_TYPES_8116.get(type_id))
