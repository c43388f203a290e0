"""Request and response bodies, shaped like NHN's EDI 2.0 message-server API.

Enums name every value a field can take; examples are realistic (the MsgHead in the examples is
built by the simulator's schema-valid builders for a fictitious patient, see api/docs.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from samhand.exchange.models import Delivery
from samhand.lib.problems import ProblemCode

from .docs import example_msg_id, example_msghead_base64

_TYPES_FILE = Path(__file__).resolve().parent.parent / "chains" / "data" / "message-types.json"
# MsgInfo/Type (code system 8279) of the types the node knows when it starts; `samhand types`
# can register more, so treat an unknown value as a type you do not handle.
MESSAGE_TYPES = sorted({t["code"] for t in json.loads(_TYPES_FILE.read_text(encoding="utf-8"))["types"]} | {"APPREC"})
TYPE_FIELD = {"enum": MESSAGE_TYPES, "examples": ["LOG_INNLAGT"]}
DeliveryState = Literal[tuple(Delivery.State.values)]  # type: ignore[valid-type]
StatusState = Literal[tuple(Delivery.State.values) + ("unrouted",)]  # type: ignore[valid-type]
DeliveryRole = Literal[tuple(Delivery.Role.values)]  # type: ignore[valid-type]
EVENT_KINDS = ["created", "submitted", "received", "duplicate-ignored", "sent", "retry", "transport-error", "failed",
               "refused", "delivered", "read", "apprec-sent", "apprec-received", "apprec-ignored", "uncorrelated",
               "apprec-timeout", "handled-manually", "already-handled-manually", "manual-reconciled"]
APPREC_STATUS = {"enum": ["1", "2", "3"], "examples": ["1"]}

MESSAGE_ID = "0b9f3c52-8d1e-4c3a-9a57-2f4b6e1d7a90"
INBOX_ID = "5d2a8e41-7c3b-4f19-b0a6-93e8d4c1f2b7"


def _business_document_examples(schema: dict) -> None:
    schema["examples"] = [{"businessDocument": example_msghead_base64(), "contentType": "application/xml",
                           "contentTransferEncoding": "base64"}]


class BusinessDocument(Schema):
    model_config = ConfigDict(json_schema_extra=_business_document_examples)

    businessDocument: str = Field(description="The MsgHead XML (with its business document), base64-encoded")
    contentType: Literal["application/xml"] = "application/xml"
    contentTransferEncoding: Literal["base64"] = "base64"


class Assigned(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": MESSAGE_ID}]})

    id: UUID = Field(description="The message id this node assigned to what you sent; use it with "
                                 "GET /messages/{id}/status")


def _inbox_examples(schema: dict) -> None:
    schema["examples"] = [
        {"id": INBOX_ID, "msgId": example_msg_id(), "type": "LOG_INNLAGT", "senderHerId": "8100101",
         "receiverHerId": "8201001", "receivedAt": "2026-11-30T09:30:02.418+01:00",
         "conversationRef": example_msg_id(), "isAppRec": False, "originalMsgId": None, "handledManually": False},
        {"id": "c3e1f7a2-4b6d-4e8a-8f10-2d9b7c5a1e33", "msgId": "e8a4b2c1-9f3d-4a7e-b6c5-1d2e3f4a5b6c",
         "type": "APPREC", "senderHerId": "8201001", "receiverHerId": "8100101",
         "receivedAt": "2026-11-30T09:31:15.002+01:00", "conversationRef": None, "isAppRec": True,
         "originalMsgId": example_msg_id(), "handledManually": False},
    ]


class InboxItem(Schema):
    model_config = ConfigDict(json_schema_extra=_inbox_examples)

    id: UUID = Field(description="The inbox id: this receiving party's entry (one per receiving party). Use it "
                                 "to fetch, mark read and answer")
    msgId: str = Field(description="MsgInfo/MsgId of the message (the GUID in the XML)")
    type: str = Field(description="MsgInfo/Type, code system 8279 (APPREC for a receipt)", json_schema_extra=TYPE_FIELD)
    senderHerId: str = Field(description="The sending party (MsgHead Sender, the service's HER-id)",
                             examples=["8100101"])
    receiverHerId: str = Field(description="Your party this entry is for", examples=["8201001"])
    receivedAt: datetime
    conversationRef: str | None = Field(None, description="RefToConversation: MsgId of the conversation's first message")
    isAppRec: bool
    originalMsgId: str | None = Field(None, description="For an AppRec: the MsgId of the message it answers")
    handledManually: bool = Field(False, description="Already handled by the manual routine: do not enter it again")


class AppRecErrorOut(Schema):
    code: str = Field(description="Code system 8221", examples=["E35"])
    text: str | None = Field(None, examples=["Pasienten finnes ikke i mottakersystemet"])


class AppRecOut(Schema):
    id: UUID = Field(description="The AppRec's own message id on this node")
    msgId: str
    status: str = Field(description="Code system 8258: 1 OK, 2 Avvist, 3 OK, feil i delmelding",
                        json_schema_extra=APPREC_STATUS)
    errors: list[AppRecErrorOut]
    receivedAt: datetime | None = None


class DeliveryOut(Schema):
    herId: str = Field(examples=["8201001"])
    role: DeliveryRole = Field(description="primary: MsgHead Receiver; copy: an OtherReceiver")
    state: DeliveryState
    apprec: AppRecOut | None = None
    lastError: str | None = None


class EventOut(Schema):
    at: datetime
    kind: str = Field(description="What happened", json_schema_extra={"enum": EVENT_KINDS, "examples": ["delivered"]})
    detail: str
    actor: str


def _status_examples(schema: dict) -> None:
    apprec = {"id": "c3e1f7a2-4b6d-4e8a-8f10-2d9b7c5a1e33", "msgId": "e8a4b2c1-9f3d-4a7e-b6c5-1d2e3f4a5b6c",
              "status": "1", "errors": [], "receivedAt": "2026-11-30T09:31:15.002+01:00"}
    schema["examples"] = [{
        "id": MESSAGE_ID, "msgId": example_msg_id(), "type": "LOG_INNLAGT", "senderHerId": "8100101",
        "receiverHerId": "8201001", "role": "sender", "state": "acknowledged", "handledManually": False,
        "apprec": apprec,
        "deliveries": [{"herId": "8201001", "role": "primary", "state": "acknowledged", "apprec": apprec,
                        "lastError": None}],
        "events": [
            {"at": "2026-11-30T09:30:01.871+01:00", "kind": "submitted", "detail": "by DIPS UNN", "actor": "DIPS UNN"},
            {"at": "2026-11-30T09:30:02.418+01:00", "kind": "delivered", "detail": "to 8201001 (primary)",
             "actor": "worker"},
            {"at": "2026-11-30T09:31:15.002+01:00", "kind": "apprec-received", "detail": "status 1 from 8201001",
             "actor": "worker"}],
    }]


class StatusOut(Schema):
    model_config = ConfigDict(json_schema_extra=_status_examples)

    id: UUID
    msgId: str
    type: str = Field(description="MsgInfo/Type, code system 8279", json_schema_extra=TYPE_FIELD)
    senderHerId: str
    receiverHerId: str
    role: Literal["sender", "receiver"] = Field(description="Whether your key sent this message or receives it")
    state: StatusState = Field(description="For the receiver: its entry's state. For the sender: the primary "
                                           "receiver's (each receiver's in `deliveries`). queued → sent → delivered "
                                           "→ acknowledged | acknowledged-with-errors | rejected; refused and "
                                           "failed are final")
    handledManually: bool = Field(False, description="Handled by the manual routine (S9) for this receiver")
    apprec: AppRecOut | None = None
    deliveries: list[DeliveryOut]
    events: list[EventOut]


class AppRecErrorIn(Schema):
    code: str = Field(description="Code system 8221", examples=["E35"])
    text: str | None = Field(None, examples=["Pasienten finnes ikke i mottakersystemet"])


class AppRecIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": "1"},
        {"status": "2", "errors": [{"code": "E35", "text": "Pasienten finnes ikke i mottakersystemet"}]},
    ]})

    status: Literal["1", "2", "3"] | None = Field(None, description="Code system 8258: 1 OK, 2 Avvist, "
                                                                    "3 OK, feil i delmelding")
    errors: list[AppRecErrorIn] = Field([], description="Required for status 2 and 3, none for 1")
    businessDocument: str | None = Field(None, description="Alternatively: the EPR's own AppRec XML, base64")


# -- the batch workflow (few requests per message) -------------------------------------------

class AppRecInline(Schema):
    status: str = Field(description="Code system 8258: 1 OK, 2 Avvist, 3 OK, feil i delmelding")
    errors: list[AppRecErrorOut] = []


class DocumentError(Schema):
    code: str
    detail: str


class InboxEntry(InboxItem):
    """An inbox entry of the batch workflow: the document inline (include=document) for a message,
    the AppRec's verdict inline for an AppRec — no further request needed to act on either."""

    businessDocument: str | None = Field(None, description="include=document: the XML, base64 (access is logged)")
    documentError: DocumentError | None = Field(None, description="include=document: why this one could not be read")
    originalId: UUID | None = Field(None, description="For an AppRec: the id POST /messages gave the answered message")
    apprec: AppRecInline | None = Field(None, description="For an AppRec: its status and errors")


class AppRecBatchItem(Schema):
    id: UUID = Field(description="The inbox entry to answer")
    status: Literal["1", "2", "3"]
    errors: list[AppRecErrorIn] = []


class BatchResult(Schema):
    id: UUID
    status: int = Field(description="HTTP status of this item alone: 202 answered / 204 marked read, 4xx refused")
    apprecId: UUID | None = Field(None, description="The AppRec the node sent")
    code: str | None = Field(None, description="Problem code when refused (as the single endpoint would give)")
    detail: str | None = None


class ProblemError(Schema):
    code: str
    text: str


class SubmitResult(Schema):
    """One item of POST /messages/batch: what POST /messages would have answered for it alone."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": 202, "id": MESSAGE_ID},
        {"status": 422, "code": "E21", "detail": "8299999 is not in the address register",
         "errors": [{"code": "E21", "text": "8299999 is not in the address register"}]}]})

    status: int = Field(description="HTTP status of this item alone: 202 accepted, 200 the same MsgId and content "
                                    "was sent before (safe to retry), 4xx refused")
    id: UUID | None = Field(None, description="The message id (202 and 200); use it with GET /messages/{id}/status")
    code: str | None = Field(None, description="Problem code when refused (as POST /messages would give)")
    detail: str | None = None
    errors: list[ProblemError] = Field([], description="Every error found, when refused (e.g. all schema errors)")


class PollIn(Schema):
    """POST /messages/poll: hand in what was done with the last batch, take the next."""

    receiverHerIds: list[str] = Field(description="HER-ids of your parties whose inbox to poll", min_length=1)
    apprecs: list[AppRecBatchItem] = Field([], description="Answer these entries first (as POST /messages/apprecs)")
    read: list[UUID] = Field([], description="Mark these entries read first (as POST /messages/read): e.g. the "
                                             "AppRecs taken in from the last batch")
    wait: int = Field(0, ge=0, description="Seconds to wait for an entry when there is none (long poll)")
    include: Literal["", "document"] = Field("", description="`document`: each message's business document inline")
    limit: int = Field(100, ge=1, le=500, description="At most this many entries")
    linger: int = Field(0, ge=0, le=1000, description="With `wait`: look this many milliseconds after the request (and after each arrival): fuller batches")


class PollOut(Schema):
    answered: list[BatchResult] = Field(description="One result per item of `apprecs`, in order")
    read: list[BatchResult] = Field(description="One result per id of `read`, in order")
    entries: list[InboxEntry] = Field(description="The next unread entries, as GET /messages returns them")


class ProblemTypeOut(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "code": "E21", "status": 422, "title": "E21 Mottaker finnes ikke",
        "description": "The receiver (HER-id) is not in the address register …",
        "type": "https://samhand.unn.no/api/v1/problems/E21"}]})

    code: ProblemCode
    status: int
    title: str
    description: str
    type: str = Field(description="The page for this code (the `type` of its problems)")
