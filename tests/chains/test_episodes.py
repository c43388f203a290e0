"""Patient episodes through the API: the official samples along the whole chain, a simulated
chain, changes, cancellations (also before the original), rejections and isolation."""

from __future__ import annotations

import random

import pytest

from samhand import kith
from samhand.access.models import AccessLog
from samhand.chains.models import Episode, EpisodeMessage
from samhand.chains.tracking import track_message
from samhand.exchange.models import Message
from samhand.simulator import documents as docs

from chainfactory import (
    AVMELDING, FORESPORSEL, HELSEOPPL, HELSEOPPL_M1, HELSEOPPL_M2, INNLAGT, INNLAGT_C, RAPPORT, TILBAKEMELDING,
    UTSKREVET, UTSKRIVNINGSKLAR, UTSKRIVNINGSRAPPORT, msg_id_of, plo, send, wrap,
)
from personas import BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.usefixtures("chains")


def episodes(caller, **params) -> list[dict]:
    response = caller.get("/episodes", **params)
    assert response.status_code == 200, response.content
    return response.json()


def only_episode(caller, **params) -> dict:
    found = episodes(caller, **{"state": "all", **params})
    assert len(found) == 1, found
    return found[0]


def detail(caller, episode_id) -> dict:
    response = caller.get(f"/episodes/{episode_id}")
    assert response.status_code == 200, response.content
    return response.json()


def steps(caller, episode_id) -> dict[str, str]:
    return {s["step"]: s["state"] for s in detail(caller, episode_id)["steps"]}


def test_official_samples_along_the_whole_chain(unn, tromso, work, clock):
    innlagt = send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    episode = only_episode(unn)
    assert episode["state"] == "open" and episode["chain"] == "plo-innleggelse-utskrivning"
    assert episode["chainVersion"] == 1
    assert [(m["msgId"], m["type"], m["appRecStatus"]) for m in episode["messages"]] == [(innlagt, "LOG_INNLAGT", "1")]
    assert [(e["step"], e["dueAt"] is not None) for e in episode["expected"]] == [
        ("innleggelsesrapport", True), ("helseopplysninger", True), ("utskrevet", False)]

    clock.advance(hours=2)
    send(tromso, unn, plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, parent=innlagt), work)
    clock.advance(hours=3)
    varsel = send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    clock.advance(days=3)
    klar = send(unn, tromso, plo(UTSKRIVNINGSKLAR, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, parent=varsel), work)
    assert [e["step"] for e in only_episode(unn)["expected"]] == ["tilbakemelding", "avmelding", "utskrevet"]
    clock.advance(hours=1)
    send(tromso, unn, plo(TILBAKEMELDING, sender=TROMSO_CASE, receiver=UNN_MED_TROMSO, parent=klar), work)
    clock.advance(days=1)
    send(unn, tromso, plo(UTSKRIVNINGSRAPPORT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(unn, tromso, plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, parent=innlagt), work)

    episode = only_episode(tromso)
    assert episode["state"] == "closed" and episode["closeReason"] == "utskrevet" and not episode["overdue"]
    assert [m["type"] for m in episode["messages"]] == [
        "LOG_INNLAGT", "INNLEGGELSESRAPPORT", "HELSEOPPL_SOKNAD", "LOG_UTSKRIVNINGSKLAR", "DIALOG_HELSEFAGLIG",
        "UTSKRIVNINGSRAPPORT", "LOG_UTSKREVET"]
    assert all(m["flags"] == [] and m["appRecStatus"] == "1" for m in episode["messages"])
    assert steps(unn, episode["id"]) == {
        "innlagt": "done", "innleggelsesrapport": "done", "helseopplysninger": "done", "utskrivningsklar": "done",
        "tilbakemelding": "done", "avmelding": "withdrawn", "utskrivningsrapport": "done", "utskrevet": "done",
        "epikrise": "withdrawn"}
    assert {(p["herId"], p["side"]) for p in episode["parties"]} == {
        (UNN_MED_TROMSO, "hospital"), (TROMSO_NURSING, "municipality"), (TROMSO_CASE, "municipality")}
    assert episode["hospitalHerId"] == "8100000" and episode["municipalityHerId"] == "8201000"


def test_a_simulated_complete_chain_with_the_simulator_documents(unn, tromso, work, clock):
    ctx = docs.make_ctx(random.Random(7))
    sent = []

    def hospital(builder, receiver):
        built = builder(ctx)
        xml = wrap(built.element, built.msg_type, sender=UNN_MED_TROMSO, receiver=receiver,
                   parent=sent[-1] if sent else None, conversation=sent[0] if sent else None)
        sent.append(send(unn, tromso, xml, work))

    hospital(docs.log_innlagt, TROMSO_NURSING)
    rapport = docs.innleggelsesrapport(ctx)
    send(tromso, unn, wrap(rapport.element, rapport.msg_type, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO,
                           parent=sent[0]), work)
    hospital(docs.helseopplysninger, TROMSO_CASE)
    clock.advance(days=2)
    hospital(docs.log_utskrivningsklar, TROMSO_CASE)
    feedback = docs.dialog_helsefaglig(ctx, from_municipality=True, ref_msg_id=sent[-1])
    send(tromso, unn, wrap(feedback.element, feedback.msg_type, sender=TROMSO_CASE, receiver=UNN_MED_TROMSO,
                           parent=sent[-1], conversation=sent[0]), work)
    clock.advance(days=1)
    hospital(docs.utskrivningsrapport, TROMSO_NURSING)
    hospital(docs.log_utskrevet, TROMSO_NURSING)

    episode = only_episode(unn)
    assert episode["state"] == "closed" and episode["flaggedMessages"] == 0
    assert len(episode["messages"]) == 7 and episode["expected"] == []
    assert Episode.objects.count() == 1


def test_utskrevet_without_innlagt_is_out_of_order_and_innlagt_missing(unn, tromso, work):
    send(unn, tromso, plo(UTSKRIVNINGSRAPPORT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(unn, tromso, plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    episode = only_episode(unn)
    utskrevet = episode["messages"][-1]
    assert utskrevet["flags"] == ["out_of_order"] and "utløser" in utskrevet["note"]
    assert episode["flaggedMessages"] == 1 and episode["state"] == "closed"
    assert steps(unn, episode["id"])["innlagt"] == "missing"


def test_a_second_new_innlagt_during_the_stay_is_flagged_as_repeated(unn, tromso, work):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    episode = only_episode(unn)
    assert episode["messages"][-1]["flags"] == ["repeated"]


def test_a_new_admission_while_the_last_one_is_unfinished_starts_a_new_episode(unn, tromso, work, clock):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(unn, tromso, plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    clock.advance(days=3)  # the Utskrivningsrapport never came; the episode waits for it
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    new, old = episodes(unn, state="all")
    assert (new["state"], old["state"]) == ("open", "closed")
    assert old["closeReason"] == "ny innleggelse før melding om utskrevet pasient"
    assert steps(unn, old["id"])["utskrivningsrapport"] == "missing"
    assert [m["type"] for m in new["messages"]] == ["LOG_INNLAGT"] and new["messages"][0]["flags"] == []


def test_changes_replace_what_they_change(unn, tromso, work):
    # The official samples carry the references: Endring1 -> Ny, Endring2 -> Endring1 (conversation Ny).
    first = "37fc6c80-fd20-11e7-8f1a-0800200c9a66"
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, msg_id=first), work)
    change1 = send(unn, tromso, plo(HELSEOPPL_M1, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, parent=first,
                                    conversation=first), work)
    send(unn, tromso, plo(HELSEOPPL_M2, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, parent=change1,
                          conversation=first), work)
    episode = only_episode(unn)
    assert [(m["status"], m["effect"]) for m in episode["messages"]] == [("N", "replaced"), ("M", "replaced"),
                                                                        ("M", None)]
    assert episode["messages"][1]["refersTo"] == first and episode["flaggedMessages"] == 0
    assert steps(unn, episode["id"])["helseopplysninger"] == "done"


def test_a_cancellation_withdraws_the_original_and_what_it_triggered(unn, tromso, work):
    original = "b088a160-0698-11e8-b566-0800200c9a66"  # the sample cancellation refers to this MsgId
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, msg_id=original), work)
    send(unn, tromso, plo(INNLAGT_C, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, parent=original), work)
    episode = only_episode(unn)
    assert episode["state"] == "cancelled"
    assert [(m["status"], m["effect"]) for m in episode["messages"]] == [("N", "cancelled"), ("C", None)]
    assert episodes(unn) == []  # nothing open
    assert steps(unn, episode["id"])["innleggelsesrapport"] == "waiting"


def test_a_cancellation_that_arrives_before_its_original(unn, tromso, work):
    original = "b088a160-0698-11e8-b566-0800200c9a66"
    send(unn, tromso, plo(INNLAGT_C, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, parent=original), work)
    pending = only_episode(unn)
    assert pending["state"] == "cancelled" and pending["messages"][0]["status"] == "C"
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, msg_id=original), work)
    episode = only_episode(unn)
    assert episode["id"] == pending["id"] and episode["state"] == "cancelled"
    assert [(m["msgId"], m["status"], m["effect"]) for m in episode["messages"]] == [
        (pending["messages"][0]["msgId"], "C", None), (original, "N", "cancelled")]
    assert episode["messages"][0]["refersTo"] == original
    assert steps(unn, episode["id"])["innlagt"] == "expected"  # the admission never counted


def test_a_negative_apprec_reopens_the_step(unn, tromso, work, clock):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    clock.advance(hours=1)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work, ack="2")
    episode = only_episode(unn)
    assert episode["messages"][-1]["appRecStatus"] == "2"
    assert "helseopplysninger" in [e["step"] for e in episode["expected"]]
    clock.advance(hours=30)
    assert work() >= 1
    assert only_episode(unn, state="overdue")["expected"][0]["overdue"] is True


def test_a_message_sent_but_not_yet_acknowledged_is_sent_not_done(unn, tromso, work):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work, ack=None)
    assert steps(unn, only_episode(unn)["id"])["innlagt"] == "sent"


def test_related_dialogue_joins_the_episode_without_a_step(unn, tromso, work):
    innlagt = send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(tromso, unn, plo(FORESPORSEL, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, parent=innlagt), work)
    messages = only_episode(unn)["messages"]
    assert [(m["type"], m["step"], m["flags"]) for m in messages] == [
        ("LOG_INNLAGT", "innlagt", []), ("DIALOG_FORESPORSEL", None, [])]


def test_unlinked_dialogue_and_other_patients_stay_out(unn, tromso, work):
    send(tromso, unn, plo(FORESPORSEL, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO), work)
    assert Episode.objects.count() == 0
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=0), work)
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=1), work)
    assert Episode.objects.count() == 2


def test_avmelding_withdraws_the_expected_feedback(unn, tromso, work):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    send(unn, tromso, plo(UTSKRIVNINGSKLAR, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    send(unn, tromso, plo(AVMELDING, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    state = steps(unn, only_episode(unn)["id"])
    assert state["utskrivningsklar"] == "withdrawn" and state["tilbakemelding"] == "withdrawn"
    assert state["avmelding"] == "done"


def test_episodes_are_seen_only_by_the_parties_involved(unn, tromso, balsfjord, outsider, work):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    episode = only_episode(tromso)
    assert episodes(balsfjord, state="all") == []
    assert balsfjord.get(f"/episodes/{episode['id']}").status_code == 404
    assert outsider.get("/episodes").status_code == 403
    assert outsider.get(f"/episodes/{episode['id']}").status_code == 403
    assert tromso.get("/episodes", herId=BALSFJORD_NURSING).status_code == 403
    assert episodes(tromso, herId=TROMSO_CASE) == []  # only the nursing service is involved so far
    assert tromso.get("/episodes", state="bogus").status_code == 400


def test_reading_episodes_is_logged(unn, tromso, work):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    before = AccessLog.objects.count()
    episode = only_episode(tromso)
    detail(tromso, episode["id"])
    logged = list(AccessLog.objects.order_by("-id")[: AccessLog.objects.count() - before])
    assert {row.purpose for row in logged} == {"episode-list", "episode-timeline"}
    assert all(row.actor == "Gerica Tromsø" and row.organisation_her_id == TROMSO_NURSING for row in logged)
    assert all(row.patient_id == episode["patientId"] for row in logged)


def test_the_timeline_reads_in_order(unn, tromso, work, clock):
    innlagt = send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    clock.advance(hours=25)
    work()
    timeline = detail(unn, only_episode(unn)["id"])
    kinds = [(e["kind"], e["step"]) for e in timeline["timeline"]]
    assert kinds[:3] == [("started", None), ("message", "innlagt"), ("apprec", "innlagt")]
    assert ("overdue", "innleggelsesrapport") in kinds and ("overdue", "helseopplysninger") in kinds
    assert timeline["timeline"][1]["msgId"] == innlagt
    assert timeline["approval"]["approvedBy"].startswith("SSU") and timeline["approval"]["approvedOn"] == "2023-06-01"


def test_tracking_is_idempotent_and_cheap(unn, tromso, work, warm_caches, django_assert_max_num_queries):
    xml = plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    send(unn, tromso, xml, work)
    message = Message.objects.get(msg_type="LOG_INNLAGT")
    with django_assert_max_num_queries(1):
        track_message(message, kith.parse_msghead(kith.parse_xml(xml)))  # already tracked
    assert EpisodeMessage.objects.count() == 1

    def arrive(xml, receiver):
        return Message.objects.create(msg_id=msg_id_of(xml), sender_her_id=UNN_MED_TROMSO, receiver_her_id=receiver,
                                      msg_type="x", sha256="0" * 64, origin=Message.Origin.API)

    joins = plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE)
    message = arrive(joins, TROMSO_CASE)
    # Savepoint, look-ups, the new row, the changed steps, the episode, the parties, release.
    with django_assert_max_num_queries(10):
        track_message(message, kith.parse_msghead(kith.parse_xml(joins)))
    starts = plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=1)
    message = arrive(starts, TROMSO_NURSING)
    with django_assert_max_num_queries(9):
        track_message(message, kith.parse_msghead(kith.parse_xml(starts)))
    assert EpisodeMessage.objects.count() == 3 and Episode.objects.count() == 2


def test_a_rejected_discharge_reopens_the_episode(unn, tromso, work):
    innlagt = send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(tromso, unn, plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, parent=innlagt), work)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    send(unn, tromso, plo(UTSKRIVNINGSRAPPORT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(unn, tromso, plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work, ack=None)
    assert only_episode(unn)["state"] == "closed"
    entry = next(e for e in tromso.inbox(TROMSO_NURSING) if e["type"] == "LOG_UTSKREVET")
    tromso.post(f"/messages/{entry['id']}/apprec",
                {"status": "2", "errors": [{"code": "E35", "text": "Pasienten finnes ikke"}]})
    work()
    episode = only_episode(unn)
    assert episode["state"] == "open" and episode["dischargedAt"] is None
    assert "utskrevet" in [e["step"] for e in episode["expected"]]
