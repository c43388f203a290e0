"""The alert lifecycle: open → acknowledged → resolved, escalation to on-call, and the API."""

from __future__ import annotations

from samhand.directory.models import ContactPoint, Organisation
from samhand.monitoring.models import Alert

from monhelpers import alerts_of, answer, send
from personas import TROMSO_NURSING, UNN_MED_TROMSO, UNN_ORG

UNN_MA = "meldingsansvarlig@unn.example.no"


def rejected_alert(unn, tromso, work) -> Alert:
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, message_id, "2")
    work()
    return alerts_of(UNN_ORG, kind="rejected").get()


def test_an_unacknowledged_critical_alert_escalates_to_the_on_call_addresses_once(
        unn, tromso, work, clock, mailoutbox, settings):
    settings.SAMHAND_SMS_EMAIL_GATEWAY = "{number}@sms.example.no"
    settings.SAMHAND_ONCALL_EMAILS = ["drift@samhand.example.no"]
    ContactPoint.objects.create(organisation=Organisation.objects.get(her_id=UNN_ORG), name="Vakthavende IKT",
                                role="vakt", email="ikt-vakt@unn.example.no", phone="+47 77 66 98 01")
    alert = rejected_alert(unn, tromso, work)
    clock.advance(minutes=29)
    work()
    assert len(mailoutbox) == 1  # not yet
    clock.advance(minutes=2)
    work()
    alert.refresh_from_db()
    assert alert.escalated_at is not None and alert.state == "open"
    escalation = mailoutbox[-1]
    assert escalation.subject.startswith("ESKALERT")
    assert set(escalation.to) == {UNN_MA, "ikt-vakt@unn.example.no", "4777626001@sms.example.no",
                                  "drift@samhand.example.no"}
    assert "+47 77 62 60 01" in escalation.body  # the on-call number to ring
    clock.advance(hours=2)
    work()
    assert len(mailoutbox) == 2  # escalated once


def test_an_acknowledged_alert_does_not_escalate(unn, tromso, work, clock, mailoutbox):
    from samhand.monitoring.services import acknowledge_alert

    alert = rejected_alert(unn, tromso, work)
    acknowledge_alert(alert, by="ma.unn")
    clock.advance(hours=1)
    work()
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by, alert.escalated_at) == ("acknowledged", "ma.unn", None)
    assert len(mailoutbox) == 1


def test_alerts_through_the_api(unn, tromso, outsider, work):
    alert = rejected_alert(unn, tromso, work)
    listed = unn.get("/alerts")
    assert listed.status_code == 200
    [body] = listed.json()
    assert (body["id"], body["kind"], body["state"], body["count"], body["openCount"]) == (
        str(alert.pk), "rejected", "open", 1, 1)
    assert body["partnerHerId"] == TROMSO_NURSING and body["messages"][0]["type"] == "LOG_INNLAGT"
    assert tromso.get("/alerts").json() == []  # UNN's alert is UNN's
    assert outsider.get("/alerts").status_code == 403
    assert tromso.post(f"/alerts/{alert.pk}/acknowledge", {}).status_code == 404

    acked = unn.post(f"/alerts/{alert.pk}/acknowledge", {})
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert acked.json()["acknowledgedBy"] == "DIPS UNN"
    resolved = unn.post(f"/alerts/{alert.pk}/resolve", {})
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    assert unn.post(f"/alerts/{alert.pk}/resolve", {}).status_code == 200  # resolving twice changes nothing
    late_ack = unn.post(f"/alerts/{alert.pk}/acknowledge", {})
    assert late_ack.status_code == 409 and late_ack.json()["code"] == "alert-resolved"
    assert unn.get("/alerts").json() == []
    assert [a["state"] for a in unn.get("/alerts", state="resolved").json()] == ["resolved"]
    assert unn.get("/alerts", state="nonsense").status_code == 400


def test_open_alerts_for_an_organisation(unn, tromso, work):
    from samhand.monitoring.services import open_alerts_for, resolve_alert

    alert = rejected_alert(unn, tromso, work)
    unn_org = Organisation.objects.get(her_id=UNN_ORG)
    assert list(open_alerts_for(unn_org)) == [alert]
    assert list(open_alerts_for(Organisation.objects.get(her_id="8201000"))) == []
    resolve_alert(alert, by="ma.unn")
    assert list(open_alerts_for(unn_org)) == []
