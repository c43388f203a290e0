"""The context a document builder works from, and what it returns.

Everything here is plain data: the builders never look anything up. Patient facts that must stay
the same across one patient's chain (scenario, allergies, medication list, function scores) are
derived from the national id with a private RNG (see ``clinical.facts``); ``Ctx.rng`` only varies
the free text, so two builds of the same message for the same patient differ in wording but not
in clinical content.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from lxml import etree

#: Forsendelsesstatus, code system 7309 (HISD 1154 §2: only N, M and C are used).
STATUS_7309 = {"N": "Ny", "M": "Endring", "C": "Kansellering"}


@dataclass(frozen=True)
class Address:
    street: str
    postal_code: str
    city: str


@dataclass(frozen=True)
class Patient:
    family_name: str
    given_name: str
    national_id: str  # 11 digits (fødselsnummer or D-nummer)
    birth_date: date
    sex: str  # code system 3101: "1" Mann, "2" Kvinne
    address: Address | None = None
    middle_name: str | None = None

    @property
    def male(self) -> bool:
        return self.sex == "1"

    def age_at(self, when: date) -> int:
        years = when.year - self.birth_date.year
        return years - ((when.month, when.day) < (self.birth_date.month, self.birth_date.day))


@dataclass(frozen=True)
class HealthPerson:
    family_name: str
    given_name: str
    profession: str = "SP"  # code system 9060: SP Sykepleier, LE Lege, FT Fysioterapeut
    hpr: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Department:
    """A hospital department/ward (a service with its own HER-id in the address register)."""

    name: str  # e.g. "Medisinsk sengepost 5B"
    her_id: str
    phone: str | None = None
    hospital_name: str = "Universitetssykehuset Nord-Norge HF"
    hospital_her_id: str | None = None
    place: str = "UNN Tromsø"  # for free text such as "Innlagt ved ..."


@dataclass(frozen=True)
class MunicipalService:
    """A municipal service (e.g. "Hjemmesykepleien" or "Tildelingskontoret") of one municipality."""

    name: str
    her_id: str
    phone: str | None = None
    municipality: str = "Tromsø kommune"
    municipality_her_id: str | None = None
    address: Address | None = None


@dataclass(frozen=True)
class Relative:
    family_name: str
    given_name: str
    relation: str  # free text in Norwegian, e.g. "Sønn", "Datter", "Ektefelle"
    phone: str | None = None
    address: Address | None = None
    relation_code: str | None = None  # code system 9033 when known (the samples use "SO" Sønn)


@dataclass
class Ctx:
    """Everything one builder needs. Dates default sensibly from ``admitted`` when left out."""

    patient: Patient
    department: Department
    service: MunicipalService  # municipal nursing service (sykepleietjenesten)
    nurse: HealthPerson  # hospital nurse responsible for the report
    physician: HealthPerson  # hospital physician (kontaktlege / beslutningsansvarlig lege)
    municipal_nurse: HealthPerson  # primary contact in the municipal nursing service
    admitted: datetime
    ready_for_discharge: date | datetime | None = None
    discharged: datetime | None = None
    status: str = "N"  # Forsendelsesstatus: N, M or C (logistics messages: N or C)
    rng: random.Random = field(default_factory=random.Random)
    # Approximate size in bytes of the serialized document (UTF-8, no declaration, not indented):
    # free-text fields grow with more sentences until reached. A document already larger is left
    # as it is; cancellations (status C) and DIALOG_AVVIK are never padded.
    target_bytes: int | None = None
    relatives: tuple[Relative, ...] = ()
    case_service: MunicipalService | None = None  # saksbehandlertjenesten; defaults to service
    gp: HealthPerson | None = None  # fastlege
    scenario: str | None = None  # key in clinical.SCENARIOS; derived from the national id if None

    def __post_init__(self) -> None:
        if self.status not in STATUS_7309:
            raise ValueError(f"status must be one of N, M, C, not {self.status!r}")

    @property
    def ready_date(self) -> date:
        """Ready-for-discharge date; by default three to six days after admission."""
        if self.ready_for_discharge is None:
            days = 3 + int(self.patient.national_id[-3:]) % 4
            return self.admitted.date() + timedelta(days=days)
        if isinstance(self.ready_for_discharge, datetime):
            return self.ready_for_discharge.date()
        return self.ready_for_discharge

    @property
    def discharge_time(self) -> datetime:
        """Discharge time; by default 11:30 the day after the ready-for-discharge date."""
        if self.discharged is not None:
            return self.discharged
        return datetime.combine(self.ready_date + timedelta(days=1), time(11, 30))

    @property
    def case_handling(self) -> MunicipalService:
        return self.case_service or self.service


@dataclass(frozen=True)
class Built:
    """A business document ready for MsgHead Document/RefDoc/Content.

    ``msg_type``/``msg_type_dn`` go to MsgInfo/Type (code system 8279). ``ref_to_parent`` is set
    when the document answers an earlier message (MsgInfo/ConversationRef/RefToParent).
    ``sender``/``receiver`` say which side sends it: "hospital", "nursing" (municipal nursing
    service) or "case_handling" (municipal case-handling service).
    """

    element: etree._Element
    msg_type: str
    msg_type_dn: str
    namespace: str
    schema_file: str  # official XSD file name, e.g. "Pasientlogistikk-v1.6.xsd"
    sender: str
    receiver: str
    ref_to_parent: str | None = None

    def to_bytes(self) -> bytes:
        return etree.tostring(self.element, encoding="utf-8")

    @property
    def size(self) -> int:
        """Serialized size in bytes (UTF-8, no XML declaration, no pretty-printing)."""
        return len(self.to_bytes())
