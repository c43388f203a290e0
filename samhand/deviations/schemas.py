"""API schemas of the deviations (camelCase like the rest of /api/v1)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema


class DeviationIn(Schema):
    category: str
    title: str
    description: str = ""
    occurredAt: datetime | None = None
    discoveredAt: datetime | None = None
    severity: str = "medium"
    responsibleHerId: str
    patientConsequence: str = ""
    immediateMeasures: str = ""
    messageIds: list[UUID] = []
    episodeIds: list[UUID] = []
    alertIds: list[UUID] = []
    downtimeIds: list[int] = []
    possibleBreach: bool = False


class Created(Schema):
    id: UUID
    state: str
    deadline: datetime | None


class DeviationItem(Schema):
    id: UUID
    state: str
    category: str
    title: str
    deadline: datetime | None
    reporterOrganisation: str
    responsibleOrganisation: str
    automatic: bool
    possibleBreach: bool


class EntryOut(Schema):
    at: datetime
    kind: str
    text: str
    actor: str
    organisation: str | None
    internal: bool


class LinkOut(Schema):
    kind: str
    id: str


class BreachOut(Schema):
    deadline: datetime
    hoursLeft: float


class DeviationOut(DeviationItem):
    description: str
    severity: str
    occurredAt: datetime
    discoveredAt: datetime
    patientConsequence: str
    immediateMeasures: str
    reporterHerId: str
    responsibleHerId: str
    reportedBy: str
    handler: str
    routedToDisputeBody: bool
    side: str
    answer: str
    cause: str
    measures: str
    procedureChangeNeeded: bool
    rejectedReason: str
    links: list[LinkOut]
    patientIds: list[str]
    breach: BreachOut | None
    timeline: list[EntryOut]


class TextIn(Schema):
    text: str


class CloseIn(Schema):
    cause: str
    measures: str
    procedureChange: bool = False


class ReasonIn(Schema):
    reason: str


class BreachIn(Schema):
    """The notification fields (GDPR art. 33(3)); omitted fields stay as they are."""

    possibleBreach: bool | None = None
    nature: str | None = None
    personCategories: str | None = None
    persons: int | None = None
    recordCategories: str | None = None
    records: int | None = None
    consequences: str | None = None
    contact: str | None = None
    notifiedAt: datetime | None = None
