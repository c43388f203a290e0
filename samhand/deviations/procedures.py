"""The approved procedures as versioned data (S20), read by every room that follows them.

``current(code)`` gives the parameters of the version in force (the latest approved version whose
``effective_from`` has passed), over the shipped defaults, so a procedure that was never seeded
still answers. Codes: deviation, downtime, manual, misdirected, urgent-dialogue.

Like the standard chain (samhand/chains/definitions.py): an approved version is never edited;
approving a change makes a new version with its approval body, date, decision reference and
effective date, and the older versions stay as the history.
"""

from __future__ import annotations

import copy
import functools
import json
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from samhand.lib import clock

from .models import AgreementDocument, Procedure, ProcedureVersion

DATA = Path(__file__).resolve().parent / "data" / "procedures-v1.json"
CODES = ("deviation", "downtime", "manual", "misdirected", "urgent-dialogue")
OSLO = ZoneInfo("Europe/Oslo")


class ProcedureError(ValueError):
    pass


@functools.cache
def _read_shipped() -> str:
    return DATA.read_text(encoding="utf-8")


def _shipped() -> dict:
    # Parsed afresh each time: callers may change what they get (it is their copy).
    return json.loads(_read_shipped())


def defaults(code: str) -> dict:
    for entry in _shipped()["procedures"]:
        if entry["code"] == code:
            return copy.deepcopy(entry["parameters"])
    raise ProcedureError(f"no procedure {code!r}; codes are {', '.join(CODES)}")


def in_force(code: str, at: datetime | None = None) -> ProcedureVersion | None:
    at = at or clock.now()
    return (ProcedureVersion.objects.select_related("procedure")
            .filter(procedure__code=code, status=ProcedureVersion.Status.APPROVED, effective_from__lte=at)
            .order_by("-effective_from", "-number").first())


def current(code: str, at: datetime | None = None) -> dict:
    """The parameters of the approved procedure in force (shipped defaults for missing keys)."""
    params = defaults(code)
    version = in_force(code, at)
    if version is not None:
        for key, value in copy.deepcopy(version.parameters).items():
            # A version that switches one rule keeps the others (nested objects merge one level).
            params[key] = {**params[key], **value} if isinstance(value, dict) and isinstance(
                params.get(key), dict) else value
    return params


def history(code: str) -> list[ProcedureVersion]:
    return list(ProcedureVersion.objects.filter(procedure__code=code).order_by("-number"))


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _start(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time.min, tzinfo=OSLO)


@transaction.atomic
def approve(code: str, *, text: str, parameters: dict, approved_by: str, approved_on: date,
            decision_reference: str, effective_from: datetime, summary: str = "") -> ProcedureVersion:
    """A new approved version of a procedure (the next number); earlier versions stay as history."""
    if code not in CODES:
        raise ProcedureError(f"no procedure {code!r}; codes are {', '.join(CODES)}")
    if not (approved_by.strip() and decision_reference.strip() and text.strip()):
        raise ProcedureError("an approved version names its text, approval body and decision reference")
    unknown = set(parameters) - set(defaults(code))
    if unknown:
        raise ProcedureError(f"unknown parameter(s) for {code}: {', '.join(sorted(unknown))}")
    procedure = Procedure.objects.get(code=code)
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ProcedureVersion.objects.create(
        procedure=procedure, number=last + 1, status=ProcedureVersion.Status.APPROVED, text=text.strip(),
        parameters=parameters, approved_by=approved_by.strip(), approved_on=approved_on,
        decision_reference=decision_reference.strip(), effective_from=effective_from, summary=summary)


@transaction.atomic
def seed_procedures() -> list[ProcedureVersion]:
    """Version 1 of each procedure and the agreement records, as shipped (idempotent)."""
    data = _shipped()
    approval = data["approval"]
    made = []
    for entry in data["procedures"]:
        procedure, _created = Procedure.objects.get_or_create(code=entry["code"], defaults={"name": entry["name"]})
        version = procedure.versions.filter(number=1).first()
        if version is None:
            version = ProcedureVersion.objects.create(
                procedure=procedure, number=1, status=ProcedureVersion.Status.APPROVED, text=entry["text"],
                parameters=entry["parameters"], approved_by=approval["approvedBy"],
                approved_on=_day(approval["approvedOn"]), decision_reference=approval["reference"],
                effective_from=_start(approval["effectiveFrom"]), summary="Første versjon.")
        made.append(version)
    _seed_agreement(data["agreement"])
    return made


def _seed_agreement(entry: dict) -> None:
    from samhand.directory.models import Organisation

    agreement, _created = AgreementDocument.objects.get_or_create(
        kind=AgreementDocument.Kind.AGREEMENT, number=entry["number"], defaults={
            "title": entry["title"], "approved_by": entry["approvedBy"], "approved_on": _day(entry["approvedOn"]),
            "decision_reference": entry["reference"], "revised_on": _day(entry.get("revisedOn")),
            "next_revision": _day(entry.get("nextRevision")), "dispute_body": entry["disputeBody"],
            "dispute_email": entry["disputeEmail"]})
    agreement.parties.set(Organisation.objects.filter(kind__in=("hospital", "municipality")))
    for appendix in entry["appendices"]:
        AgreementDocument.objects.get_or_create(
            kind=AgreementDocument.Kind.APPENDIX, number=appendix["number"], defaults={
                "title": appendix["title"], "parent": agreement, "approved_by": entry["approvedBy"],
                "approved_on": _day(appendix.get("approvedOn") or entry["approvedOn"]),
                "decision_reference": appendix.get("reference") or entry["reference"]})


def dispute_route() -> tuple[str, str]:
    """(body, e-mail) where disagreements go: the cooperation agreement's dispute route."""
    agreement = AgreementDocument.objects.filter(kind=AgreementDocument.Kind.AGREEMENT).order_by("-approved_on").first()
    if agreement is not None and agreement.dispute_body:
        return agreement.dispute_body, agreement.dispute_email
    shipped = _shipped()["agreement"]
    return shipped["disputeBody"], shipped["disputeEmail"]


def rule_enabled(rule: str) -> bool:
    return bool(current("deviation").get("rules", {}).get(rule, False))
