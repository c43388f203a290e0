"""Partner health and silent partners: a partner whose receipts stop coming back is suspected down."""

from __future__ import annotations

from samhand.exchange.models import Delivery
from samhand.monitoring.models import PartnerStatus

from monhelpers import DIALOG, alerts_of, answer, send
from personas import TROMSO_CASE, TROMSO_NURSING, TROMSO_ORG, UNN_MED_TROMSO


def test_a_partner_that_stops_answering_is_suspected_down_until_it_answers_again(unn, tromso, work, clock,
                                                                              mailoutbox):
    from samhand.monitoring.services import partner_health

    sent = [send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING) for _ in range(3)]
    work()
    clock.advance(minutes=61)
    work()
    status = PartnerStatus.objects.get(her_id=TROMSO_NURSING)
    assert status.suspected_down and "3 siste meldingene" in status.reason
    alert = alerts_of(TROMSO_ORG, kind="suspected-down").get()  # the partner's own meldingsansvarlig
    assert alert.proposes_downtime and alert.count == 3 and alert.severity == "critical"
    assert any(m.to == ["meldingsansvarlig@tromso.kommune.example.no"] and "mistenkes" in m.subject
               for m in mailoutbox)
    [health] = partner_health([TROMSO_NURSING])
    assert (health["status"], health["status_label"], health["waiting_for_receipt"]) == (
        "suspected-down", "mistenkt nede", 3)
    assert health["oldest_waiting_seconds"] >= 61 * 60

    for message_id in sent:
        answer(tromso, TROMSO_NURSING, message_id)
    work()
    assert not PartnerStatus.objects.get(her_id=TROMSO_NURSING).suspected_down
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_automatically
    assert partner_health([TROMSO_NURSING])[0]["status"] == "ok"


def test_two_unanswered_messages_are_not_yet_silence(unn, work, clock):
    for _ in range(2):
        send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    clock.advance(minutes=61)
    work()
    assert not PartnerStatus.objects.filter(her_id=TROMSO_NURSING, suspected_down=True).exists()


def test_partner_health_reports_traffic_latency_rejections_and_backlog(unn, tromso, work):
    from samhand.monitoring.services import partner_health

    answered = [send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING) for _ in range(4)]
    waiting = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    for n, message_id in enumerate(answered):
        answer(tromso, TROMSO_NURSING, message_id, "2" if n == 0 else "1")
    # Tromsø's answer the other way (a dialogue: hospital departments take no logistics messages).
    send(tromso, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, sample=DIALOG)  # queued, not yet dispatched
    work()
    health, other = partner_health([TROMSO_NURSING, TROMSO_CASE])
    assert health["her_id"] == TROMSO_NURSING and "Tromsø kommune" in health["name"]
    assert health["answered"] == 4 and health["rejected_share"] == 0.25
    assert health["apprec_latency_median_seconds"] is not None
    assert health["apprec_latency_p95_seconds"] >= health["apprec_latency_median_seconds"]
    assert health["waiting_for_receipt"] == 1 and health["waiting_for_delivery"] == 0
    assert health["last_message_in"] == Delivery.objects.get(message_id=waiting).delivered_at
    assert health["last_message_out"] is not None
    assert other["answered"] == 0 and other["rejected_share"] is None and other["last_message_in"] is None


def test_partner_health_through_the_api(unn, outsider, work):
    send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    response = unn.get("/partners/health", herIds=f"{TROMSO_NURSING},{TROMSO_CASE}")
    assert response.status_code == 200
    body = response.json()
    assert [h["herId"] for h in body] == [TROMSO_NURSING, TROMSO_CASE]
    assert body[0]["status"] == "ok" and body[0]["waitingForReceipt"] == 1
    assert outsider.get("/partners/health", herIds=TROMSO_NURSING).status_code == 403


def test_percentiles():
    from samhand.monitoring.health import percentile

    assert percentile([], 0.5) is None
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([float(n) for n in range(1, 101)], 0.95) == 95.0
