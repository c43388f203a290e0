"""Receipt watch (HITS 1168): late and missing AppRecs, negative AppRecs, failed deliveries and
backlogs raise one alert per partner and problem to the sender's meldingsansvarlig, and resolve
themselves when the cause clears."""

from __future__ import annotations

from samhand.exchange.models import Delivery, Event
from samhand.monitoring import rules, watch
from samhand.monitoring.models import Alert, MailOut

from monhelpers import alerts_of, answer, send
from personas import BALSFJORD_NURSING, TROMSO_NURSING, UNN_MED_TROMSO, UNN_ORG

UNN_MA = "meldingsansvarlig@unn.example.no"


def test_a_missing_apprec_warns_after_an_hour_and_counts_as_negative_after_96_hours(unn, tromso, work, clock,
                                                                                   mailoutbox):
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    assert not alerts_of(UNN_ORG).exists()

    clock.advance(minutes=61)
    work()
    late = alerts_of(UNN_ORG).get()
    assert (late.kind, late.severity, late.partner_her_id, late.count) == ("apprec-late", "warning", TROMSO_NURSING, 1)
    assert [m.to for m in mailoutbox] == [[UNN_MA]]
    assert "Kvittering forsinket" in mailoutbox[0].subject and "Sykepleietjeneste" in mailoutbox[0].subject

    clock.advance(hours=96)
    work()
    late.refresh_from_db()
    assert late.state == "resolved" and late.resolved_automatically  # it is no longer late: it is missing
    missing = alerts_of(UNN_ORG, state="open", kind="apprec-missing").get()
    assert missing.severity == "critical"
    # Long past the set time (4 hours) it cannot reach its receiver in time: the manual routine is due.
    assert alerts_of(UNN_ORG, state="open", kind="manual-routine").exists()
    assert Event.objects.filter(message_id=message_id, kind="apprec-timeout").count() == 1
    assert any("Kvittering mangler etter 96 timer" in m.subject for m in mailoutbox)

    # HITS 1168 §4.1: the receiver may still take the message in after 96 hours and answer OK.
    answer(tromso, TROMSO_NURSING, message_id)
    work()
    missing.refresh_from_db()
    assert missing.state == "resolved" and missing.resolved_automatically
    assert not alerts_of(UNN_ORG, state__in=("open", "acknowledged")).exists()


def test_a_negative_apprec_alerts_at_once_and_a_positive_one_never(unn, tromso, work, mailoutbox):
    accepted = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    rejected = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, accepted, "1")
    answer(tromso, TROMSO_NURSING, rejected, "2", code="E35")
    work()
    alert = alerts_of(UNN_ORG).get()
    assert (alert.kind, alert.severity, alert.count) == ("rejected", "critical", 1)
    assert alert.items.get().message_id == Delivery.objects.get(message_id=rejected).message_id
    assert "E35" in alert.items.get().detail
    assert len(mailoutbox) == 1 and "Negativ applikasjonskvittering" in mailoutbox[0].subject
    assert "MsgId" in mailoutbox[0].body and "Line" not in mailoutbox[0].body  # no patient data by e-mail


def test_a_rejection_resolves_when_the_message_is_sent_again_and_received(unn, tromso, work):
    first = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, first, "2")
    work()
    alert = alerts_of(UNN_ORG, kind="rejected").get()
    again = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)  # corrected, new MsgId
    work()
    assert Alert.objects.get(pk=alert.pk).state == "open"
    answer(tromso, TROMSO_NURSING, again, "1")
    work()
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_by.startswith("samhand")


def test_one_alert_per_partner_and_problem_not_one_per_message(unn, tromso, balsfjord, work, mailoutbox):
    to_tromso = [send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING) for _ in range(3)]
    to_balsfjord = send(unn, sender=UNN_MED_TROMSO, receiver=BALSFJORD_NURSING)
    work()
    for message_id in to_tromso:
        answer(tromso, TROMSO_NURSING, message_id, "2")
    answer(balsfjord, BALSFJORD_NURSING, to_balsfjord, "2")
    work()
    by_partner = {a.partner_her_id: a for a in alerts_of(UNN_ORG, kind="rejected")}
    assert by_partner[TROMSO_NURSING].count == 3 and by_partner[BALSFJORD_NURSING].count == 1
    assert len(mailoutbox) == 2
    # A fourth rejection joins the open alert without another e-mail.
    fourth = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, fourth, "2")
    work()
    assert alerts_of(UNN_ORG, kind="rejected", partner_her_id=TROMSO_NURSING).get().count == 4
    assert len(mailoutbox) == 2


def test_a_dead_lettered_delivery_alerts_until_it_is_handled_manually(unn, tromso, work):
    from samhand.monitoring.services import manual_routine_pdf

    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    # The transport gave up after its last attempt (what dispatch does after SAMHAND_MAX_ATTEMPTS).
    Delivery.objects.filter(message_id=message_id).update(state=Delivery.State.FAILED,
                                                          last_error="transport: connection refused")
    work()
    alert = alerts_of(UNN_ORG, kind="failed").get()
    assert "connection refused" in alert.items.get().detail
    manual_routine_pdf(Delivery.objects.get(message_id=message_id).message, by="sykepleier.unn")
    work()
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_automatically


def test_a_backlog_alerts_and_clears_when_the_queue_moves(unn, work, clock):
    send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)  # queued; no worker has run yet
    clock.advance(minutes=16)
    assert watch.raise_by_rules(rules.RECEIPT_KINDS) == 1
    alert = alerts_of(UNN_ORG).get()
    assert (alert.kind, alert.severity) == ("backlog", "warning")
    assert watch.raise_by_rules(rules.RECEIPT_KINDS) == 0  # raised once
    work()  # dispatch delivers it; the backlog is gone
    alert.refresh_from_db()
    assert alert.state == "resolved"


def test_a_person_who_resolves_an_alert_is_not_bothered_again_by_the_same_messages(unn, tromso, work):
    from samhand.monitoring.services import resolve_alert

    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, message_id, "2")
    work()
    resolve_alert(alerts_of(UNN_ORG).get(), by="ma.unn")
    work()
    assert not alerts_of(UNN_ORG, state="open").exists()
    assert MailOut.objects.filter(key__endswith=":opened").count() == 1
