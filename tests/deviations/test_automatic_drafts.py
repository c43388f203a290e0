"""Automatic deviations from the event feed: an E21 refusal, a missing AppRec after 96 hours and an
overdue mandatory chain step each give exactly one draft, linked to its message or episode, also
when the event is delivered twice (the subscriber's cursor rewound: at-least-once delivery)."""

from __future__ import annotations

import pytest

from samhand.deviations.models import Deviation
from samhand.exchange.models import Delivery, Event, SubscriberCursor
from samhand.exchange.outbox import drain, publish

from devhelpers import INNLAGT
from msgfactory import readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.django_db
SUBSCRIBER = "deviations.drafts"


def redeliver() -> None:
    """Deliver every event to the deviations again, as after a crash before the cursor moved."""
    SubscriberCursor.objects.filter(name=SUBSCRIBER).update(txid=0, event_id=0)
    assert drain(SUBSCRIBER) > 0


def send_admission(unn) -> str:
    response = unn.send(readdress(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_e21_refusal_gives_one_draft_linked_to_the_message(handlers, unn, tromso, work):
    message_id = send_admission(unn)
    work()
    delivery = Delivery.objects.get(message_id=message_id, her_id=TROMSO_NURSING)
    answered = tromso.post(f"/messages/{delivery.pk}/apprec",
                           {"status": "2", "errors": [{"code": "E21", "text": "Mottaker finnes ikke"}]})
    assert answered.status_code == 202
    work()
    drain(SUBSCRIBER)
    drafts = list(Deviation.objects.filter(rule="apprec-negative"))
    assert len(drafts) == 1
    draft = drafts[0]
    assert draft.state == "draft" and draft.automatic and draft.category == "message-exchange"
    assert (draft.reporter.her_id, draft.responsible.her_id) == ("8100000", "8201000")
    assert draft.responsible_her_id == TROMSO_NURSING and "E21" in draft.title
    assert [str(link.message_id) for link in draft.links.all()] == [message_id]

    redeliver()
    events = list(Event.objects.filter(kind="apprec-received", message_id=message_id))
    from samhand.deviations.subscribers import on_events

    on_events(events + events)  # the same event twice in one batch
    assert Deviation.objects.filter(rule="apprec-negative").count() == 1

    # The meldingsansvarlig confirms it through the API: registered and sent to Tromsø.
    confirmed = unn.post(f"/deviations/{draft.pk}/confirm", {})
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "sent"
    assert [d["id"] for d in tromso.get("/deviations", side="responsible").json()] == [str(draft.pk)]


def test_a_positive_apprec_or_a_code_outside_the_rule_gives_no_draft(handlers, unn, tromso, work):
    first, second = send_admission(unn), send_admission(unn)
    work()
    ok = Delivery.objects.get(message_id=first, her_id=TROMSO_NURSING)
    assert tromso.post(f"/messages/{ok.pk}/apprec", {"status": "1"}).status_code == 202
    other = Delivery.objects.get(message_id=second, her_id=TROMSO_NURSING)
    assert tromso.post(f"/messages/{other.pk}/apprec",
                       {"status": "2", "errors": [{"code": "X99", "text": "Annen feil"}]}).status_code == 202
    work()
    drain(SUBSCRIBER)
    assert not Deviation.objects.exists()


def test_missing_apprec_after_96_hours_gives_one_draft(handlers, unn, tromso, work, clock):
    message_id = send_admission(unn)
    work()
    clock.advance(hours=95)
    work()
    drain(SUBSCRIBER)
    assert not Deviation.objects.filter(rule="apprec-timeout").exists()
    clock.advance(hours=2)
    work()
    drain(SUBSCRIBER)
    draft = Deviation.objects.get(rule="apprec-timeout")
    assert (draft.reporter.her_id, draft.responsible.her_id, draft.state) == ("8100000", "8201000", "draft")
    assert str(draft.links.get().message_id) == message_id
    redeliver()
    clock.advance(hours=1)
    work()
    assert Deviation.objects.filter(rule="apprec-timeout").count() == 1


def test_overdue_mandatory_chain_step_gives_one_draft_per_step_linked_to_the_episode(handlers, unn, tromso, work,
                                                                                  clock):
    from samhand.chains.models import Episode
    from samhand.chains.seed import seed_standard_chain
    from samhand.chains.worker import deadline_step

    seed_standard_chain()
    send_admission(unn)
    work()
    episode = Episode.objects.get()
    clock.advance(hours=25)
    assert deadline_step("test") >= 1
    drain(SUBSCRIBER)
    drafts = list(Deviation.objects.filter(rule="chain-step-overdue").order_by("title"))
    overdue = Event.objects.filter(kind="chain-step-overdue")
    assert len(drafts) == overdue.count() >= 1
    by_step = {e.data["step"]: e.data["organisation_her_id"] for e in overdue}
    assert by_step.get("innleggelsesrapport") == "8201000"  # the municipality sends it
    rapport = next(d for d in drafts if "innleggelsesrapport" in d.title)
    assert (rapport.reporter.her_id, rapport.responsible.her_id) == ("8100000", "8201000")
    assert rapport.category == "chain" and rapport.links.get().episode_id == episode.pk
    redeliver()
    assert Deviation.objects.filter(rule="chain-step-overdue").count() == len(drafts)


def test_each_rule_is_switched_in_the_approved_procedure(handlers, unn, tromso, work, clock):
    from datetime import date

    from django.utils import timezone

    from samhand.deviations import procedures

    procedures.approve("deviation", text="Uten automatiske avvik for manglende kvittering.",
                       parameters={"rules": {"apprec-timeout": False}}, approved_by="SSU",
                       approved_on=date(2026, 1, 1), decision_reference="SSU-sak 9/2026",
                       effective_from=timezone.now())
    send_admission(unn)
    work()
    clock.advance(hours=97)
    work()
    drain(SUBSCRIBER)
    assert Event.objects.filter(kind="apprec-timeout").count() == 1
    assert not Deviation.objects.exists()


def test_misdirected_downtime_and_reconciliation_events_give_drafts(handlers, unn, tromso, work):
    from samhand.exchange.models import Message

    message_id = send_admission(unn)
    work()
    message = Message.objects.get(pk=message_id)
    delivery = Delivery.objects.get(message=message, her_id=TROMSO_NURSING)
    publish("misdirected", message=message, delivery=delivery, data={"reason": "wrong-receiver", "text": "x"})
    publish("misdirected", message=message, delivery=delivery, data={"reason": "wrong-receiver", "text": "x"})
    publish("downtime-unannounced", data={"her_id": TROMSO_NURSING})
    drain(SUBSCRIBER)
    misdirected = Deviation.objects.get(rule="misdirected")
    assert (misdirected.reporter.her_id, misdirected.responsible.her_id) == ("8201000", "8100000")
    assert misdirected.possible_breach and misdirected.category == "misdirected"
    unannounced = Deviation.objects.get(rule="downtime-unannounced")
    assert (unannounced.reporter.her_id, unannounced.responsible.her_id) == ("8100000", "8201000")


def test_downtime_overrun_and_manual_reconciliation_publish_and_give_drafts(handlers, unn, tromso, work, clock):
    from datetime import timedelta

    from samhand.directory.models import CommunicationParty
    from samhand.exchange.models import Message
    from samhand.monitoring.downtime import declare_downtime, end_downtime
    from samhand.monitoring.manual import manual_routine_pdf

    party = CommunicationParty.objects.get(her_id=TROMSO_NURSING)
    now = clock.now()
    downtime = declare_downtime(party=party, planned=True, start=now - timedelta(minutes=1),
                                expected_end=now + timedelta(hours=1), description="Oppgradering av Gerica",
                                by="tromso.ma")
    message_id = send_admission(unn)
    work()
    assert Delivery.objects.get(message_id=message_id).state == "queued"  # held during the downtime
    manual_routine_pdf(Message.objects.get(pk=message_id), by="unn.ma", reason="nedetid hos mottaker")

    clock.advance(hours=2)  # past the expected end, still not ended
    work()
    drain(SUBSCRIBER)
    overrun = Deviation.objects.get(rule="downtime-overrun")
    assert (overrun.reporter.her_id, overrun.responsible.her_id) == ("8100000", "8201000")
    assert overrun.links.get().downtime_id == downtime.pk and overrun.category == "downtime"

    end_downtime(downtime, by="tromso.ma")
    work()
    drain(SUBSCRIBER)
    difference = Deviation.objects.get(rule="reconciliation-difference")
    assert str(difference.links.get().message_id) == message_id
    assert (difference.reporter.her_id, difference.responsible.her_id) == ("8100000", "8201000")
    redeliver()
    assert Deviation.objects.filter(rule__in=("downtime-overrun", "reconciliation-difference")).count() == 2


def test_repeated_negative_apprecs_from_one_partner_give_one_more_draft(handlers, unn, tromso, work):
    from datetime import date

    from django.utils import timezone

    from samhand.deviations import procedures

    procedures.approve("deviation", text="Terskel 2 for gjentatte negative kvitteringer.",
                       parameters={"repeatedNegativeThreshold": 2}, approved_by="SSU", approved_on=date(2026, 1, 1),
                       decision_reference="SSU-sak 10/2026", effective_from=timezone.now())
    sent = [send_admission(unn) for _ in range(3)]
    work()
    for message_id in sent:
        delivery = Delivery.objects.get(message_id=message_id, her_id=TROMSO_NURSING)
        assert tromso.post(f"/messages/{delivery.pk}/apprec",
                           {"status": "2", "errors": [{"code": "E35", "text": "Ukjent pasient"}]}).status_code == 202
    work()
    drain(SUBSCRIBER)
    assert Deviation.objects.filter(rule="apprec-negative").count() == 3
    repeated = Deviation.objects.get(rule="apprec-repeated")
    assert (repeated.reporter.her_id, repeated.responsible.her_id) == ("8100000", "8201000")
    redeliver()
    assert Deviation.objects.filter(rule__in=("apprec-negative", "apprec-repeated")).count() == 4
