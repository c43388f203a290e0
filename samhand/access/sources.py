"""Where documents in scope come from (issue 15 §2).

A ``DocumentSource`` finds the documents an organisation holds about a patient. The node's own
source is the business documents the organisation sent or received through samhand. A partner's
record system can be added later as a ``FhirDocumentReferenceSource`` (IHE MHD: a FHIR
DocumentReference search); samhand serves that same search for its own documents
(api: GET /api/v1/access/fhir/DocumentReference), and the tests read it back through this class.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q

from samhand.exchange.models import Delivery, Message

from .relations import Parties


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    type: str  # MsgInfo/Type, e.g. UTSKRIVNINGSRAPPORT
    date: datetime
    holder: str  # the holder's HER-id on this document (sender or receiver side)
    sender_her_id: str = ""
    receiver_her_id: str = ""
    source: str = "node"
    url: str = ""


class DocumentSource(Protocol):
    name: str

    def search(self, patient_id: str, holder: Parties, categories: list[str]) -> list[DocumentInfo]: ...


class NodeSource:
    """Business documents the holder sent or received (also as copy receiver) about the patient."""

    name = "node"

    def search(self, patient_id: str, holder: Parties, categories: list[str]) -> list[DocumentInfo]:
        her_ids = sorted(holder.her_ids)
        copies = Delivery.objects.filter(her_id__in=her_ids, role=Delivery.Role.COPY).values("message_id")
        qs = (Message.objects.filter(patient_id=patient_id, is_apprec=False, msg_type__in=list(categories))
              .filter(Q(sender_her_id__in=her_ids) | Q(receiver_her_id__in=her_ids) | Q(pk__in=copies))
              .order_by("-created_at").only("id", "msg_type", "created_at", "gen_date", "sender_her_id",
                                            "receiver_her_id"))
        found = []
        for m in qs[:200]:
            holder_her_id = m.sender_her_id if m.sender_her_id in holder.her_ids else m.receiver_her_id
            found.append(DocumentInfo(str(m.pk), m.msg_type, m.gen_date or m.created_at, holder_her_id,
                                      m.sender_her_id, m.receiver_her_id))
        return found


class FhirDocumentReferenceSource:
    """A FHIR DocumentReference search (IHE MHD ITI-67) against ``base_url``; ``get`` fetches a URL
    and returns the JSON text (injected, so the HTTP client and its credentials stay outside)."""

    name = "fhir"

    def __init__(self, base_url: str, get: Callable[[str], str], patient_system: str = ""):
        self.base_url = base_url.rstrip("/")
        self.get = get
        self.patient_system = patient_system or PATIENT_SYSTEM

    def search(self, patient_id: str, holder: Parties, categories: list[str]) -> list[DocumentInfo]:
        from fhir.resources.bundle import Bundle
        from fhir.resources.documentreference import DocumentReference

        text = self.get(f"{self.base_url}/DocumentReference?patient.identifier={self.patient_system}|{patient_id}")
        bundle = Bundle.model_validate(json.loads(text))
        found = []
        for entry in bundle.entry or []:
            ref = DocumentReference.model_validate(entry.resource.model_dump())
            code = ref.type.coding[0].code if ref.type and ref.type.coding else ""
            if categories and code not in categories:
                continue
            attachment = ref.content[0].attachment if ref.content else None
            found.append(DocumentInfo(ref.id, code, ref.date, holder.organisation_her_id, source=self.name,
                                      url=attachment.url if attachment and attachment.url else ""))
        return found


PATIENT_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.1"  # fødselsnummer (D-numbers: …4.2)


def sources() -> list[DocumentSource]:
    return [NodeSource()]


def documents_in_scope(patient_id: str, holder: Parties) -> list[DocumentInfo]:
    categories = list(settings.SAMHAND_ACCESS_CATEGORIES)
    found: list[DocumentInfo] = []
    for source in sources():
        found.extend(source.search(patient_id, holder, categories))
    return found
