"""Request and response bodies, shaped like NHN's EDI 2.0 message-server API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class BusinessDocument(Schema):
    businessDocument: str = Field(description="The XML document, base64-encoded")
    contentType: Literal["application/xml"] = "application/xml"
    contentTransferEncoding: Literal["base64"] = "base64"


class Assigned(Schema):
    id: UUID = Field(description="The id the node assigned; use it for /status")


class InboxItem(Schema):
    id: UUID = Field(description="The inbox entry (one per receiving party)")
    msgId: str
    type: str
    senderHerId: str
    receiverHerId: str
    receivedAt: datetime
    conversationRef: str | None = None
    isAppRec: bool
    originalMsgId: str | None = Field(None, description="For an AppRec: the MsgId of the message it answers")
    handledManually: bool = Field(False, description="Already handled by the manual routine: do not enter it again")


class AppRecErrorOut(Schema):
    code: str
    text: str | None = None


class AppRecOut(Schema):
    id: UUID
    msgId: str
    status: str
    errors: list[AppRecErrorOut]
    receivedAt: datetime | None = None


class DeliveryOut(Schema):
    herId: str
    role: str
    state: str
    apprec: AppRecOut | None = None
    lastError: str | None = None


class EventOut(Schema):
    at: datetime
    kind: str
    detail: str
    actor: str


class StatusOut(Schema):
    id: UUID
    msgId: str
    type: str
    senderHerId: str
    receiverHerId: str
    role: Literal["sender", "receiver"]
    state: str
    handledManually: bool = Field(False, description="Handled by the manual routine (S9) for this receiver")
    apprec: AppRecOut | None = None
    deliveries: list[DeliveryOut]
    events: list[EventOut]


class AppRecErrorIn(Schema):
    code: str = Field(description="Code system 8221, e.g. E35")
    text: str | None = None


class AppRecIn(Schema):
    status: Literal["1", "2", "3"] | None = Field(None, description="Code system 8258: 1 OK, 2 Avvist, 3 OK, feil i delmelding")
    errors: list[AppRecErrorIn] = []
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
