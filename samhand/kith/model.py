"""Plain data classes for the parts of MsgHead 1.2 and AppRec 1.0/1.1 the node works with.

DocumentKind lives in documents.py with the namespace table it is built from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .documents import DocumentKind, identify_document


@dataclass(frozen=True)
class Party:
    """A communication party: organisation, optional service and optional health professional.

    MsgHead: Sender|Receiver|OtherReceiver/Organisation carries the organisation (HER-id, ENH),
    the nested Organisation the service ("tjeneste") and HealthcareProfessional the person
    (HIS 1153-2 AD2.6-AD2.8). AppRec: HCP/Inst, HCP/Inst/Dept and HCP/Inst/HCPerson
    (HIS 1153-2 AD2.13-AD2.15).
    """

    organisation_name: str
    organisation_her_id: str | None = None
    service_name: str | None = None
    service_her_id: str | None = None
    organisation_number: str | None = None
    hcp_name: str | None = None
    hcp_id: str | None = None
    role: str | None = None
    hcp_id_type: str | None = None  # 8116 code of hcp_id, e.g. "HER" or "HPR"

    @property
    def her_id(self) -> str | None:
        """HER-id of the communication party: a person registered as party (AD2.8), else the
        service (AD2.7), else the organisation (AD2.6)."""
        if self.hcp_id and self.hcp_id_type == "HER":
            return self.hcp_id
        return self.service_her_id or self.organisation_her_id


@dataclass(frozen=True)
class Patient:
    family_name: str | None = None
    given_name: str | None = None
    middle_name: str | None = None
    id: str | None = None
    id_type: str | None = None  # code system 8116, e.g. "FNR", "DNR", "HNR", "FHN"
    date_of_birth: str | None = None
    sex: str | None = None  # code system 3101


@dataclass(frozen=True)
class ConversationRef:
    ref_to_parent: str
    ref_to_conversation: str


@dataclass(frozen=True)
class Document:
    """One MsgHead/Document/RefDoc."""

    msg_type: str  # RefDoc/MsgType V, code system 8114: "XML", "A" (vedlegg), "REF"
    issue_date: str | None = None
    mime_type: str | None = None
    id: str | None = None
    file_reference: str | None = None
    content: etree._Element | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class MsgHead:
    msg_id: str
    msg_type: str
    msg_type_dn: str | None
    mig_version: str
    gen_date: str
    conversation_ref: ConversationRef | None
    sender: Party
    receiver: Party
    other_receivers: tuple[Party, ...]
    patient: Patient | None
    documents: tuple[Document, ...]
    root: etree._Element | None = field(default=None, compare=False, repr=False)

    @property
    def business_document(self) -> etree._Element | None:
        return self.documents[0].content if self.documents else None

    @property
    def document_kind(self) -> DocumentKind | None:
        doc = self.business_document
        return identify_document(doc) if doc is not None else None


@dataclass(frozen=True)
class AppRecError:
    code: str
    text: str | None = None  # DN
    details: str | None = None  # OT, free-text addition shown to the user (HIS 80415 §3.3.4)
    system: str | None = None  # S, the code system OID; None means 8221


@dataclass(frozen=True)
class AppRec:
    version: str  # "1.0" | "1.1"
    id: str
    gen_date: str
    status: str  # code system 8258
    status_text: str | None
    errors: tuple[AppRecError, ...]
    sender: Party
    receiver: Party
    original_msg_id: str
    original_msg_type: str
    original_issue_date: str

    @property
    def ok(self) -> bool:
        return self.status == "1"
