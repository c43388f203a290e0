"""Through the API only: a municipality's EPR reports a deviation about a UNN department's
message; UNN's handler for the category sees it, answers; Tromsø sees the answer and closes it."""

from __future__ import annotations

import pytest

from personas import UNN_MED_TROMSO
from devhelpers import UNN_HANDLER

pytestmark = pytest.mark.django_db


def report(caller, **overrides):
    body = {"category": "message-exchange", "title": "Innleggelsesmelding kom to dager for sent",
            "description": "Meldingen om innlagt pasient kom etter utskrivning.", "severity": "high",
            "occurredAt": "2026-01-05T10:00:00+01:00", "discoveredAt": "2026-01-06T08:00:00+01:00",
            "responsibleHerId": UNN_MED_TROMSO, **overrides}
    return caller.post("/deviations", body)


def test_municipality_reports_unn_answers_reporter_closes(handlers, admission, unn, tromso):
    from samhand.access.models import AccessLog
    from samhand.deviations.models import Deviation
    from samhand.exchange.models import Message
    from samhand.monitoring.models import MailOut

    created = report(tromso, messageIds=[admission["entry_id"]])
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "sent" and body["deadline"]
    case_id = body["id"]
    deviation = Deviation.objects.get(pk=case_id)
    assert deviation.reporter.her_id == "8201000" and deviation.responsible.her_id == "8100000"
    assert deviation.responsible_her_id == UNN_MED_TROMSO
    assert (deviation.deadline - deviation.sent_at).days == 28  # the approved procedure: 4 weeks

    # The handler for the category gets an e-mail with a link and without patient data.
    mail = MailOut.objects.get(key=f"deviation:{case_id}:sent")
    patient = Message.objects.get(pk=admission["message_id"]).patient_id
    assert mail.to == [UNN_HANDLER]
    assert f"https://samhand.example.no/avvik/{case_id}/" in mail.body
    assert patient not in mail.body and patient not in mail.subject
    assert deviation.title not in mail.body  # free text may describe the patient: only the link carries it

    # UNN's handler finds it among the cases to answer, and opens it: under treatment.
    listed = unn.get("/deviations", side="responsible").json()
    assert [d["id"] for d in listed] == [case_id]
    assert listed[0]["reporterOrganisation"] == "Tromsø kommune"
    assert unn.get("/deviations", side="reporter").json() == []
    before = AccessLog.objects.filter(purpose="deviation-api", patient_id=patient).count()
    seen = unn.get(f"/deviations/{case_id}").json()
    assert seen["state"] == "in-treatment" and seen["side"] == "responsible"
    assert seen["patientIds"] == [patient]  # from the linked message, not from free text
    assert AccessLog.objects.filter(purpose="deviation-api", patient_id=patient).count() == before + 1

    # Internal notes stay on their own side.
    assert unn.post(f"/deviations/{case_id}/notes", {"text": "Sjekk DIPS-køen"}).status_code == 201
    assert tromso.post(f"/deviations/{case_id}/notes", {"text": "Purret per telefon"}).status_code == 201

    # Only the responsible side answers; the reporter cannot close before the answer.
    assert tromso.post(f"/deviations/{case_id}/answer", {"text": "nei"}).status_code == 403
    assert tromso.post(f"/deviations/{case_id}/close", {"cause": "x", "measures": "y"}).status_code == 409
    answered = unn.post(f"/deviations/{case_id}/answer", {"text": "Køen i DIPS sto; rutinen er fulgt opp."})
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    assert MailOut.objects.filter(key=f"deviation:{case_id}:answered").exists()

    mine = tromso.get(f"/deviations/{case_id}").json()
    assert mine["answer"] == "Køen i DIPS sto; rutinen er fulgt opp."
    assert unn.post(f"/deviations/{case_id}/close", {"cause": "x", "measures": "y"}).status_code == 403
    closed = tromso.post(f"/deviations/{case_id}/close", {"cause": "Kø i DIPS", "measures": "Overvåking av køen",
                                                          "procedureChange": True})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"

    tromso_view = tromso.get(f"/deviations/{case_id}").json()
    kinds = [e["kind"] for e in tromso_view["timeline"]]
    assert kinds == ["registered", "sent", "in-treatment", "note", "answered", "closed"]
    assert [e["text"] for e in tromso_view["timeline"] if e["internal"]] == ["Purret per telefon"]
    unn_view = unn.get(f"/deviations/{case_id}").json()
    assert [e["text"] for e in unn_view["timeline"] if e["internal"]] == ["Sjekk DIPS-køen"]
    assert unn_view["procedureChangeNeeded"] is True and unn_view["cause"] == "Kø i DIPS"
    assert tromso.get("/deviations", state="closed").json()[0]["id"] == case_id


def test_report_is_checked(handlers, admission, tromso, balsfjord):
    assert report(tromso, category="weather").status_code == 400
    assert report(tromso, responsibleHerId="8201001").status_code == 422  # own organisation
    assert report(tromso, responsibleHerId="9999999").status_code == 422  # not in the register
    # A message Balsfjord had no part in cannot be linked by Balsfjord.
    assert report(balsfjord, messageIds=[admission["message_id"]]).status_code == 422
    assert tromso.get("/deviations", state="open").status_code == 400


def test_unn_without_category_handler_falls_back_to_meldingsansvarlig(handlers, unn, tromso):
    from samhand.deviations.models import Deviation
    from samhand.directory.models import Organisation

    created = report(unn, category="chain", responsibleHerId="8201000")
    assert created.status_code == 201, created.content
    deviation = Deviation.objects.get(pk=created.json()["id"])
    assert deviation.handler_email == Organisation.objects.get(her_id="8201000").ma_email != ""


def test_disagreement_goes_to_the_cooperation_committee(handlers, unn, tromso):
    from samhand.deviations.models import Deviation

    created = report(tromso, category="disagreement", title="Uenighet om utskrivningsklar-dato")
    assert created.status_code == 201, created.content
    deviation = Deviation.objects.get(pk=created.json()["id"])
    assert deviation.routed_to_dispute_body and "SSU" in deviation.handler_name
    assert deviation.handler_email == "ssu@example.no"
    assert unn.get(f"/deviations/{deviation.pk}").json()["routedToDisputeBody"] is True
