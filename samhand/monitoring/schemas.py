"""Request and response bodies of the monitoring API (camelCase, like the rest of /api/v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field


class AlertMessageOut(Schema):
    id: UUID | None = Field(None, description="The message id (as POST /messages returned it)")
    msgId: str | None = None
    type: str | None = None
    receiverHerId: str | None = None
    detail: str = ""
    addedAt: datetime
    clearedAt: datetime | None = None


class AlertOut(Schema):
    id: UUID
    kind: str = Field(description="apprec-late, apprec-missing, rejected, failed, backlog, suspected-down, "
                                  "probe-failed, manual-routine, downtime-overrun")
    severity: Literal["warning", "critical"]
    state: Literal["open", "acknowledged", "resolved"]
    organisationHerId: str
    partnerHerId: str
    partnerName: str
    summary: str
    count: int = Field(description="Messages affected over the alert's life")
    openCount: int = Field(description="Messages still affected")
    openedAt: datetime
    lastSeenAt: datetime
    acknowledgedAt: datetime | None = None
    acknowledgedBy: str = ""
    escalatedAt: datetime | None = None
    resolvedAt: datetime | None = None
    resolvedBy: str = ""
    resolvedAutomatically: bool = False
    proposesDowntime: bool = False
    messages: list[AlertMessageOut]


class DowntimeIn(Schema):
    herId: str = Field(description="A party's HER-id, or an organisation's for all its parties")
    planned: bool
    start: datetime = Field(description="ISO 8601; without an offset: Norwegian local time")
    expectedEnd: datetime
    description: str
    contact: str = ""


class DowntimeOut(Schema):
    id: int
    herId: str
    name: str
    organisationHerId: str
    planned: bool
    state: Literal["planned", "in-force", "ended"]
    start: datetime
    expectedEnd: datetime
    endedAt: datetime | None = None
    description: str
    contact: str
    createdBy: str
    endedBy: str = ""
    released: int = Field(0, description="Messages that were held and went out when it ended")


class PartnerHealthOut(Schema):
    herId: str
    name: str
    organisation: str
    status: Literal["ok", "suspected-down", "downtime"]
    statusLabel: str
    suspectedSince: datetime | None = None
    reason: str = ""
    lastMessageIn: datetime | None = None
    lastMessageOut: datetime | None = None
    apprecLatencyMedianSeconds: float | None = None
    apprecLatencyP95Seconds: float | None = None
    answered: int
    rejectedShare: float | None = None
    waitingForDelivery: int
    waitingForReceipt: int
    oldestWaitingSeconds: float | None = None
    inDowntime: bool
    lastProbeAt: datetime | None = None
    lastProbeOk: bool | None = None


class ManualRoutineIn(Schema):
    reason: str = ""


class ManualFlagOut(Schema):
    handledManually: bool
    handledAt: datetime | None = None
    handledBy: str = ""
    reason: str = ""


class ReconciliationOut(Schema):
    id: int
    messageId: UUID
    msgId: str
    type: str
    senderHerId: str
    receiverHerId: str
    handledAt: datetime
    handledBy: str
    reason: str
    deliveredElectronicallyAt: datetime | None = None
    senderConfirmedAt: datetime | None = None
    senderConfirmedBy: str = ""
    receiverConfirmedAt: datetime | None = None
    receiverConfirmedBy: str = ""
    awaiting: list[Literal["sender", "receiver"]]


class ConfirmIn(Schema):
    side: Literal["sender", "receiver"]
