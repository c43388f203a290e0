"""Norwegian national health message formats: MsgHead 1.2, AppRec 1.0/1.1, PLO, Dialogmelding.

A pure library (lxml only, no Django). Standards cited in comments: HIS 80601 (Hodemelding),
HIS 80415 (AppRec v1.1), HITS 1168 (AppRec usage guide), HIS 1153-2 (service-based addressing),
HIS 80704 (PLO 1.6), HIS 80603 (Dialogmelding v1.1).
"""

from .apprec import build_apprec, parse_apprec
from .codes import ERRORS_8221, HER_OID, STATUS_8258
from .documents import DocumentKind, apprec_version_for, forsendelsesstatus, identify_document
from .errors import KithError
from .model import AppRec, AppRecError, ConversationRef, Document, MsgHead, Party, Patient
from .msghead import build_msghead, parse_msghead
from .patient import check_patient, make_national_id, national_id_kind, valid_national_id_check_digits
from .schemas import SchemaCompileError, SchemaSet
from .validation import ValidationResult, check_format, check_profile, validate_message
from .xmlsafe import parse_xml

__all__ = [
    "ERRORS_8221",
    "HER_OID",
    "STATUS_8258",
    "AppRec",
    "AppRecError",
    "ConversationRef",
    "Document",
    "DocumentKind",
    "KithError",
    "MsgHead",
    "Party",
    "Patient",
    "SchemaCompileError",
    "SchemaSet",
    "ValidationResult",
    "apprec_version_for",
    "build_apprec",
    "check_format",
    "check_profile",
    "build_msghead",
    "forsendelsesstatus",
    "check_patient",
    "identify_document",
    "make_national_id",
    "national_id_kind",
    "parse_apprec",
    "parse_msghead",
    "parse_xml",
    "valid_national_id_check_digits",
    "validate_message",
]
