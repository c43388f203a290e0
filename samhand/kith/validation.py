"""One-call check of a received message, in the order a receiver decides on its AppRec."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from lxml import etree

from .apprec import parse_apprec
from .documents import APPREC_NS, MSGHEAD_NS, DocumentKind
from .errors import KithError
from .model import AppRec, MsgHead
from .msghead import parse_msghead
from .patient import check_patient
from .schemas import SchemaSet
from .xmlsafe import DEFAULT_MAX_BYTES, parse_xml

MAX_REPORTED_SCHEMA_ERRORS = 5
# Families whose profiles require an identified patient in MsgHead (HIS 80704 §4.1.1, HIS 80603).
PATIENT_FAMILIES = {"PLO", "Dialogmelding"}


@dataclass
class ValidationResult:
    errors: list[KithError] = field(default_factory=list)
    kind: DocumentKind | None = None  # the business document's kind (the AppRec's own for an AppRec)
    msghead: MsgHead | None = None
    apprec: AppRec | None = None
    structure_only: bool = False  # True: no schema set, XSD validation was skipped

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_message(data: bytes, schemas: SchemaSet, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ValidationResult:
    """Parse (hardened), read the MsgHead or AppRec, validate against the XSDs, check the patient.

    Stops at the first failing stage; only the patient checks can add several errors.
    """
    result = ValidationResult(structure_only=not schemas.enabled)
    try:
        _validate(data, schemas, result, max_bytes)
    except KithError as exc:
        result.errors.append(exc)
    return result


def _validate(data: bytes, schemas: SchemaSet, result: ValidationResult, max_bytes: int) -> None:
    root = parse_xml(data, max_bytes=max_bytes)
    namespace = etree.QName(root).namespace
    if namespace == MSGHEAD_NS:
        result.msghead = parse_msghead(root)
        business = result.msghead.business_document
        if business is None:
            raise KithError("T10", "the first MsgHead/Document has no XML document in RefDoc/Content")
    elif namespace in APPREC_NS.values():
        result.apprec = parse_apprec(root)
        business = root
    else:
        raise KithError("T10", f"root element {root.tag} is neither MsgHead 1.2 nor AppRec 1.0/1.1")

    result.kind = schemas.identify(business)
    if result.kind is None:
        raise KithError("T10", f"unsupported business document {business.tag} (line {business.sourceline})")
    format_error = check_format(root, schemas)
    if format_error is not None:
        raise format_error
    if result.msghead is not None:
        result.errors += check_profile(result.msghead, result.kind)


def check_format(root: etree._Element, schemas: SchemaSet) -> KithError | None:
    """Schema validation of a whole message: T10 for a namespace without a schema, T02 for errors.

    None when valid, or when the set is disabled (the caller reports structure-only checking).
    """
    if not schemas.enabled:
        return None
    missing = schemas.missing_namespaces(root)
    if missing:
        return KithError("T10", f"no schema for namespace {', '.join(missing)}")
    problems = schemas.validate(root)
    if problems:
        more = len(problems) - MAX_REPORTED_SCHEMA_ERRORS
        suffix = f"; and {more} more" if more > 0 else ""
        return KithError("T02", "; ".join(problems[:MAX_REPORTED_SCHEMA_ERRORS]) + suffix)
    return None


def check_profile(msghead: MsgHead, kind: DocumentKind | None) -> list[KithError]:
    """The receiver's profile checks on a schema-valid MsgHead: message id and patient."""
    errors: list[KithError] = []
    # HIS 80415 §3.3.4: negative AppRec E10 when MsgId is not a valid UUID/GUID.
    if not _is_uuid(msghead.msg_id):
        errors.append(KithError("E10", f"MsgInfo/MsgId {msghead.msg_id!r} is not a UUID"))
    # Name and id are mandatory for PLO (HIS 80704 §4.1.1); elsewhere name, birth date and sex
    # also identify a patient (HIS 80415 §3.3.4).
    family = kind.family if kind else None
    if msghead.patient is not None or family in PATIENT_FAMILIES:
        errors += check_patient(msghead.patient, id_required=family == "PLO")
    return errors


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
