"""API bodies for capabilities and episodes."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field


class TypeVersionsOut(Schema):
    type: str = Field(description="MsgInfo/Type, code system 8279 (the CPP action)")
    family: str
    versions: list[str]


class CommonVersionOut(Schema):
    senderHerId: str
    type: str
    name: str | None = None
    family: str
    version: str = Field(description="The newest version both sides support")
    namespace: str | None = None
    schemaName: str | None = Field(None, description="Name in MeldingsVersjoner.xml (the XSD)")
    appRecVersion: str | None = None
    status: str | None = Field(None, description="introducing | in_use")


class CapabilitiesOut(Schema):
    herId: str
    name: str
    organisation: str
    recordedReceive: bool = Field(description="False: nothing recorded, takes everything the node supports")
    recordedSend: bool
    receives: list[TypeVersionsOut]
    sends: list[TypeVersionsOut]
    common: list[CommonVersionOut]


class PartyOut(Schema):
    herId: str
    side: str
    role: str | None = None


class EpisodeMessageOut(Schema):
    msgId: str
    type: str
    status: str = Field(description="Forsendelsesstatus: N new, M change, C cancellation")
    step: str | None = None
    at: datetime
    senderHerId: str
    receiverHerId: str
    appRecStatus: str | None = None
    effect: str | None = Field(None, description="replaced | cancelled")
    refersTo: str | None = Field(None, description="MsgId a change or cancellation applies to")
    flags: list[str] = []
    note: str | None = None


class ExpectedStepOut(Schema):
    step: str
    title: str
    types: list[str]
    fromRole: str
    toRole: str
    dueAt: datetime | None = None
    overdue: bool
    mandatory: bool
    waitingOn: str | None = Field(None, description="HER-id of who must send it: the service that received the "
                                  "trigger message, or the organisation when any of its services may answer")
    anyService: bool = Field(False, description="Any service of the organisation in waitingOn may send it")


class EpisodeOut(Schema):
    id: UUID
    state: str
    chain: str
    chainVersion: int
    patientId: str
    hospitalHerId: str
    municipalityHerId: str | None = None
    startedAt: datetime
    dischargedAt: datetime | None = None
    closedAt: datetime | None = None
    closeReason: str | None = None
    nextDueAt: datetime | None = None
    overdue: bool
    overdueSteps: int
    flaggedMessages: int
    parties: list[PartyOut]
    messages: list[EpisodeMessageOut]
    expected: list[ExpectedStepOut]


class StepOut(Schema):
    step: str
    title: str
    types: list[str]
    fromRole: str
    toRole: str
    state: str
    mandatory: bool
    deadline: str | None = None
    triggeredAt: datetime | None = None
    dueAt: datetime | None = None
    fulfilledAt: datetime | None = None
    confirmedAt: datetime | None = None
    overdueAt: datetime | None = None
    late: bool
    msgId: str | None = None


class ApprovalOut(Schema):
    approvedBy: str
    approvedOn: date | None = None
    effectiveFrom: datetime | None = None
    reference: str


class TimelineEventOut(Schema):
    at: datetime
    kind: str = Field(description="started | message | apprec | due | overdue | discharged | closed")
    step: str | None = None
    msgId: str | None = None
    type: str | None = None
    detail: str = ""


class EpisodeDetailOut(EpisodeOut):
    approval: ApprovalOut
    steps: list[StepOut]
    timeline: list[TimelineEventOut]
