"""Communication tests (kommunikasjonstest): a Dialogmelding to each partner, judged by its AppRec."""

from __future__ import annotations

from samhand import kith
from samhand.directory.models import CommunicationParty
from samhand.exchange.models import Delivery
from samhand.monitoring import probes
from samhand.monitoring.models import PartnerStatus, Probe, ProbeRun

from monhelpers import alerts_of, answer
from personas import BALSFJORD_NURSING, TROMSO_NURSING, UNN_MED_TROMSO

BALSFJORD_ORG = "8202000"


def test_a_probe_is_a_helsefaglig_dialog_answered_with_an_apprec(unn, work):
    CommunicationParty.objects.filter(her_id=TROMSO_NURSING).update(auto_apprec=True)
    probe = probes.schedule_probe(TROMSO_NURSING, interval_minutes=30, sender_her_id=UNN_MED_TROMSO)
    work()
    run = ProbeRun.objects.get(probe=probe)
    assert run.result == "ok", run.detail
    message = run.message
    assert (message.msg_type, message.family, message.doc_version) == ("DIALOG_HELSEFAGLIG", "Dialogmelding", "1.1")
    assert Delivery.objects.get(message=message).state == "acknowledged"
    status = PartnerStatus.objects.get(her_id=TROMSO_NURSING)
    assert status.last_probe_ok and status.consecutive_probe_failures == 0
    assert not alerts_of("8201000").exists()
    probe.refresh_from_db()
    assert (probe.next_at - run.sent_at).total_seconds() >= 29 * 60  # the partner's own interval
    work()
    assert ProbeRun.objects.filter(probe=probe).count() == 1  # not due again yet


def test_the_probe_document_says_what_it_is(seeded, schema_dir):
    sender = CommunicationParty.objects.select_related("organisation").get(her_id=UNN_MED_TROMSO)
    receiver = CommunicationParty.objects.select_related("organisation").get(her_id=TROMSO_NURSING)
    msghead = kith.parse_msghead(kith.parse_xml(probes.probe_document(sender, receiver)))
    assert (msghead.sender.service_her_id, msghead.receiver.service_her_id) == (UNN_MED_TROMSO, TROMSO_NURSING)
    assert msghead.patient.family_name == "Kommunikasjonstest"
    text = "".join(msghead.documents[0].content.itertext())
    assert "Kommunikasjonstest" in text and "Ingen handling nødvendig" in text
    # A production message: schema-valid, and built without the demo simulator's fake-data builders.
    assert kith.validate_message(probes.probe_document(sender, receiver), kith.SchemaSet(schema_dir)).ok
    import samhand.monitoring.probe_message as built_by

    assert "simulator" not in open(built_by.__file__, encoding="utf-8").read().split('"""', 2)[2]


def test_a_failing_probe_raises_an_alert_and_repeated_failures_mean_suspected_down(unn, balsfjord, work, clock,
                                                                                 mailoutbox):
    probe = probes.schedule_probe(BALSFJORD_NURSING, interval_minutes=20, sender_her_id=UNN_MED_TROMSO)
    work()  # sent; Balsfjord's EPR does not answer
    clock.advance(minutes=16)
    work()
    first = ProbeRun.objects.get(probe=probe)
    assert first.result == "failed" and "ingen kvittering innen 15 min" in first.detail
    alert = alerts_of(BALSFJORD_ORG, kind="probe-failed").get()
    assert alert.severity == "critical" and alert.partner_her_id == BALSFJORD_NURSING
    assert any("Kommunikasjonstest feilet" in m.subject and m.to == ["meldingsansvarlig@balsfjord.kommune.example.no"]
               for m in mailoutbox)
    assert not PartnerStatus.objects.get(her_id=BALSFJORD_NURSING).suspected_down

    clock.advance(minutes=5)
    work()  # the next test goes out
    clock.advance(minutes=16)
    work()
    assert PartnerStatus.objects.get(her_id=BALSFJORD_NURSING).consecutive_probe_failures == 2
    assert PartnerStatus.objects.get(her_id=BALSFJORD_NURSING).suspected_down
    assert alerts_of(BALSFJORD_ORG, kind="probe-failed").get().count == 2  # one alert, two failed tests
    assert alerts_of(BALSFJORD_ORG, kind="suspected-down").exists()

    # The EPR is back: the next test is answered, and both alerts resolve.
    clock.advance(minutes=5)
    work()
    latest = ProbeRun.objects.filter(probe=probe).order_by("-sent_at").first()
    assert latest.result == "pending"
    answer(balsfjord, BALSFJORD_NURSING, str(latest.message_id))
    work()
    latest.refresh_from_db()
    assert latest.result == "ok"
    assert not PartnerStatus.objects.get(her_id=BALSFJORD_NURSING).suspected_down
    assert set(alerts_of(BALSFJORD_ORG).values_list("state", flat=True)) == {"resolved"}


def test_a_probe_rejected_only_for_the_unknown_test_patient_still_proves_the_channel(unn, balsfjord, work):
    probe = probes.schedule_probe(BALSFJORD_NURSING, sender_her_id=UNN_MED_TROMSO)
    work()
    run = ProbeRun.objects.get(probe=probe)
    answer(balsfjord, BALSFJORD_NURSING, str(run.message_id), "2", code="E35")
    work()
    run.refresh_from_db()
    assert run.result == "ok" and "E35" in run.detail


def test_a_probe_rejected_for_a_technical_error_fails(unn, balsfjord, work):
    probe = probes.schedule_probe(BALSFJORD_NURSING, sender_her_id=UNN_MED_TROMSO)
    work()
    run = ProbeRun.objects.get(probe=probe)
    answer(balsfjord, BALSFJORD_NURSING, str(run.message_id), "2", code="T02")
    work()
    run.refresh_from_db()
    assert run.result == "failed" and "T02" in run.detail


def test_every_partner_gets_a_schedule_keeping_those_set_per_partner(seeded, settings):
    settings.SAMHAND_PROBE_SENDER_HER_ID = UNN_MED_TROMSO
    settings.SAMHAND_PROBE_INTERVAL_MINUTES = 45
    probes.schedule_probe(TROMSO_NURSING, interval_minutes=10)
    created = probes.ensure_probes()
    parties = CommunicationParty.objects.filter(active=True).exclude(her_id=UNN_MED_TROMSO).count()
    assert created == parties - 1
    assert Probe.objects.get(partner_her_id=TROMSO_NURSING).interval_minutes == 10
    assert Probe.objects.get(partner_her_id=BALSFJORD_NURSING).interval_minutes == 45
    assert not Probe.objects.filter(partner_her_id=UNN_MED_TROMSO).exists()
    assert probes.ensure_probes() == 0
