"""Deadlines from the approved procedure, reminders and escalation (time travel), the GDPR
art. 33 clock and its export, and the procedures as versioned, approved records."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone

from devhelpers import UNN_HANDLER, UNN_LEADER
from personas import UNN_MED_TROMSO

pytestmark = pytest.mark.django_db


def _report(caller, **overrides):
    body = {"category": "message-exchange", "title": "Melding til feil kommune", "severity": "high",
            "responsibleHerId": UNN_MED_TROMSO, **overrides}
    response = caller.post("/deviations", body)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_reminder_before_deadline_and_escalation_to_leader_after(handlers, tromso, clock):
    from samhand.deviations.models import Deviation
    from samhand.deviations.worker import deadline_step
    from samhand.monitoring.models import MailOut

    case_id = _report(tromso)
    assert deadline_step() == 0
    clock.advance(days=20)  # 8 days left: no reminder yet (7 days before)
    assert deadline_step() == 0
    clock.advance(days=1, hours=1)
    assert deadline_step() == 1
    assert deadline_step() == 0  # once
    assert MailOut.objects.get(key=f"deviation:{case_id}:reminder").to == [UNN_HANDLER]
    clock.advance(days=7)
    assert deadline_step() == 1
    assert MailOut.objects.get(key=f"deviation:{case_id}:escalated").to == [UNN_LEADER]
    assert deadline_step() == 0
    kinds = list(Deviation.objects.get(pk=case_id).entries.values_list("kind", flat=True))
    assert kinds == ["registered", "sent", "reminder", "escalated"]


def test_answered_case_is_neither_reminded_nor_escalated(handlers, unn, tromso, clock):
    from samhand.deviations.worker import deadline_step

    case_id = _report(tromso)
    assert unn.post(f"/deviations/{case_id}/answer", {"text": "Rettet i adresseboka."}).status_code == 200
    clock.advance(days=40)
    assert deadline_step() == 0


def test_breach_clock_counts_down_from_discovery_and_exports_the_fields(handlers, unn, tromso, clock):
    from pypdf import PdfReader

    discovered = timezone.now() - timedelta(hours=10)
    case_id = _report(tromso, possibleBreach=True, category="misdirected", discoveredAt=discovered.isoformat(),
                      occurredAt=(discovered - timedelta(hours=2)).isoformat())
    seen = tromso.get(f"/deviations/{case_id}").json()
    assert 61.5 <= seen["breach"]["hoursLeft"] <= 62.1
    clock.advance(hours=30)
    assert 31.5 <= tromso.get(f"/deviations/{case_id}").json()["breach"]["hoursLeft"] <= 32.1

    filled = tromso.post(f"/deviations/{case_id}/breach", {
        "nature": "Epikrise med helseopplysninger sendt til feil kommune", "personCategories": "pasienter",
        "persons": 1, "recordCategories": "helseopplysninger", "records": 1,
        "consequences": "Uvedkommende kan ha lest helseopplysninger", "contact": "personvernombud@tromso.example.no"})
    assert filled.status_code == 200, filled.content
    assert unn.post(f"/deviations/{case_id}/breach", {"records": 2}).status_code == 200  # either party
    exported = tromso.get(f"/deviations/{case_id}/breach")
    assert exported.status_code == 200
    n = exported.json()
    for key in ("natureOfBreach", "dataSubjects", "records", "likelyConsequences", "measures", "contactPoint",
                "timeline"):
        assert key in n
    assert n["natureOfBreach"] == "Epikrise med helseopplysninger sendt til feil kommune"
    assert n["dataSubjects"] == {"categories": "pasienter", "approximateNumber": 1}
    assert n["records"] == {"categories": "helseopplysninger", "approximateNumber": 2}
    assert n["contactPoint"] == "personvernombud@tromso.example.no"
    assert n["likelyConsequences"] == "Uvedkommende kan ha lest helseopplysninger"
    assert n["timeline"]["discoveredAt"].startswith(discovered.isoformat()[:16])
    assert [e["kind"] for e in n["timeline"]["events"]][:2] == ["registered", "sent"]
    assert "breach" in [e["kind"] for e in n["timeline"]["events"]]
    assert 31.5 <= n["timeline"]["hoursLeft"] <= 32.1

    pdf = tromso.get(f"/deviations/{case_id}/breach", format="pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Mulig brudd på personopplysningssikkerheten" in text and "72 timer" in text
    assert "Timer igjen" in text and "personvernombud@tromso.example.no" in text

    clock.advance(hours=40)  # past the 72 hours
    assert tromso.get(f"/deviations/{case_id}").json()["breach"]["hoursLeft"] < 0


def test_breach_export_only_for_breach_flagged_cases(handlers, tromso):
    case_id = _report(tromso)
    assert tromso.get(f"/deviations/{case_id}").json()["breach"] is None
    assert tromso.get(f"/deviations/{case_id}/breach").status_code == 409


def test_procedures_are_versioned_approved_and_read_by_other_rooms(seeded, clock):
    from samhand.deviations import procedures
    from samhand.deviations.models import AgreementDocument, ProcedureVersion

    for code in procedures.CODES:
        assert procedures.in_force(code).number == 1
    assert procedures.current("deviation")["answerDays"] == 28
    assert procedures.current("downtime")["announceAfterHours"] == 4
    assert procedures.current("misdirected")["deleteFromRecord"] is True

    effective = timezone.now() + timedelta(days=10)
    v2 = procedures.approve("deviation", text="Ny frist: 14 dager.", parameters={"answerDays": 14,
                            "rules": {"apprec-timeout": False}}, approved_by="SSU", approved_on=date(2026, 1, 10),
                            decision_reference="SSU-sak 2/2026", effective_from=effective, summary="Kortere frist")
    assert v2.number == 2
    assert procedures.current("deviation")["answerDays"] == 28  # not yet in force
    clock.advance(days=11)
    params = procedures.current("deviation")
    assert params["answerDays"] == 14
    assert params["rules"]["apprec-timeout"] is False and params["rules"]["misdirected"] is True
    assert [v.number for v in procedures.history("deviation")] == [2, 1]

    v2.text = "endret i ettertid"
    with pytest.raises(RuntimeError):
        v2.save()
    assert ProcedureVersion.objects.get(pk=v2.pk).text == "Ny frist: 14 dager."
    with pytest.raises(procedures.ProcedureError):
        procedures.approve("deviation", text="x", parameters={"nonsense": 1}, approved_by="SSU",
                           approved_on=date(2026, 1, 10), decision_reference="x", effective_from=effective)

    guideline = AgreementDocument.objects.get(kind="appendix", number="7")
    assert guideline.parent.kind == "agreement" and "elektronisk samhandling" in guideline.title
    assert procedures.dispute_route()[0].startswith("Strategisk samarbeidsutvalg")


def test_the_deadline_step_runs_in_the_worker():
    from samhand.deviations.worker import deadline_step
    from samhand.worker import EVERY, STEPS

    assert ("deviation-deadlines", deadline_step) in STEPS and EVERY["deviation-deadlines"] > 0
