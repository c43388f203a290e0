"""Episodes per service; alerts and downtime through the monitoring services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from samhand.access.models import AccessLog
from samhand.directory.models import Organisation

from portalpeople import BALSFJORD_PATIENT, TROMSO_PATIENT


def test_open_episodes_per_service_most_urgent_first_and_logged(episodes, as_user):
    response = as_user("tromso.sb").get("/forlop/")
    assert response.status_code == 200
    services = response.context["services"]
    shown = {s["her_id"]: [e.patient_id for e in s["episodes"]] for s in services}
    assert TROMSO_PATIENT in shown["8201001"]
    assert BALSFJORD_PATIENT not in sum(shown.values(), [])
    assert "Innleggelsesrapport" in response.content.decode() or "Helseopplysninger" in response.content.decode()
    assert AccessLog.objects.filter(actor="tromso.sb", purpose="portal-episodes").exists()


def _alert_for(org_her_id: str, traffic):
    from samhand.monitoring.alerts import Finding, open_alerts_for, raise_finding

    org = Organisation.objects.get(her_id=org_her_id)
    message = traffic["to_balsfjord"]
    if not open_alerts_for(org).exists():
        raise_finding(Finding(kind="rejected", organisation_id=org.pk, partner_her_id=message.receiver_her_id,
                              partner_name="Sykepleietjeneste, Balsfjord kommune",
                              delivery_id=message.deliveries.get().pk, message_id=message.pk, detail="E35"))
    return open_alerts_for(org).first()


def test_acknowledge_and_resolve_an_alert(traffic, as_user):
    from samhand.monitoring.models import Alert

    alert = _alert_for("8100000", traffic)
    unn = as_user("unn.ma")
    assert "Negativ kvittering" in unn.get("/varsler/").content.decode()
    assert unn.post(f"/varsler/{alert.pk}/kvitter/").status_code == 302
    alert.refresh_from_db()
    assert alert.state == Alert.State.ACKNOWLEDGED and alert.acknowledged_by == "unn.ma"
    assert unn.post(f"/varsler/{alert.pk}/los/").status_code == 302
    alert.refresh_from_db()
    assert alert.state == Alert.State.RESOLVED and alert.resolved_by == "unn.ma"
    resolved = unn.get("/varsler/", {"vis": "loste"})
    assert [a.pk for a in resolved.context["alerts"]] == [alert.pk]
    assert "Negativ kvittering" not in unn.get("/varsler/").content.decode()


def test_alerts_of_other_organisations_and_roles(traffic, as_user, people):
    from samhand.accounts.models import Membership

    alert = _alert_for("8100000", traffic)
    assert as_user("tromso.ma").post(f"/varsler/{alert.pk}/kvitter/").status_code == 404
    assert as_user("tromso.ma").get("/varsler/").context["alerts"] == []
    # A case handler at UNN sees the alert but acting on it is for the meldingsansvarlig.
    Membership.objects.filter(user=people["tromso.sb"]).update(organisation=Organisation.objects.get(her_id="8100000"))
    assert as_user("tromso.sb").post(f"/varsler/{alert.pk}/kvitter/").status_code == 403
    # The operator runs the node: every organisation's alerts.
    assert alert.pk in [a.pk for a in as_user("unn.drift").get("/varsler/").context["alerts"]]


def test_announce_and_end_downtime(traffic, as_user):
    from samhand.monitoring.models import Downtime

    tromso = as_user("tromso.ma")
    form = tromso.get("/nedetid/ny/")
    targets = [value for value, _label in form.context["form"].fields["target"].choices]
    assert sorted(targets) == ["8201001", "8201002", "org:8201000"]  # own organisation only
    start = timezone.localtime() + timedelta(days=1)
    data = {"target": "8201002", "planned": "1", "start": start.strftime("%Y-%m-%dT%H:%M"),
            "expected_end": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "description": "Oppgradering av fagsystemet.", "contact": "Tildelingskontoret"}
    assert tromso.post("/nedetid/ny/", {**data, "target": "8100101"}).status_code == 400  # not Tromsø's
    bad = tromso.post("/nedetid/ny/", {**data, "expected_end": data["start"]})
    assert bad.status_code == 400 and "Forventet slutt må være etter start." in bad.content.decode()
    assert tromso.post("/nedetid/ny/", data).status_code == 302
    downtime = Downtime.objects.get()
    assert (downtime.party.her_id, downtime.planned, downtime.created_by) == ("8201002", True, "tromso.ma")
    page = tromso.get("/nedetid/").content.decode()
    assert "Oppgradering av fagsystemet." in page
    # UNN (a partner) sees it but may not end it.
    assert as_user("unn.ma").post(f"/nedetid/{downtime.pk}/avslutt/").status_code == 404
    assert as_user("tromso.sb").get("/nedetid/ny/").status_code == 403
    assert tromso.post(f"/nedetid/{downtime.pk}/avslutt/").status_code == 302
    downtime.refresh_from_db()
    assert downtime.ended_at is not None and downtime.ended_by == "tromso.ma"


def test_manual_routine_pdf_for_the_sender(traffic, as_user):
    unn = as_user("unn.ma")
    response = unn.post(f"/meldinger/{traffic['report'].pk}/manuell-rutine.pdf")
    assert response.status_code == 403  # UNN received it: the manual routine is the sender's
    response = as_user("tromso.ma").post(f"/meldinger/{traffic['report'].pk}/manuell-rutine.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(actor="tromso.ma", purpose="manual-routine").exists()
    assert "Innleggelsesrapport" in as_user("tromso.ma").get("/avstemming/").content.decode()
