"""The chains.tracking subscriber handles a batch of events with a few set-based statements, and
records exactly what handling the events one at a time records: several messages of one episode,
a message and its AppRec, changes, cancellations (also before the original) and rejections in
one batch."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from samhand.chains.models import Episode
from samhand.exchange import outbox
from samhand.exchange.models import Event, FailedEvent, SubscriberCursor

from chainfactory import (
    HELSEOPPL, HELSEOPPL_M1, HELSEOPPL_M2, INNLAGT, INNLAGT_C, NATIONAL_IDS, RAPPORT, TILBAKEMELDING, UTSKREVET,
    UTSKRIVNINGSKLAR, UTSKRIVNINGSRAPPORT, plo, send,
)
from personas import TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.usefixtures("chains")

TRACKING = "chains.tracking"


@pytest.fixture
def held():
    """The exchange runs while chains.tracking waits: its events pile up for one batch. The
    registry is put back as it was, in its order (the order subscribers run in)."""
    registry = dict(outbox._REGISTRY)
    sub = outbox._REGISTRY.pop(TRACKING)
    yield sub
    outbox._REGISTRY.clear()
    outbox._REGISTRY.update(registry)


def release(sub, *, batch: int | None = None) -> int:
    """Hand chains.tracking what piled up (in batches of ``batch`` events); returns the events."""
    outbox._REGISTRY[TRACKING] = dataclasses.replace(sub, batch=batch) if batch else sub
    try:
        return outbox.drain(TRACKING)
    finally:
        outbox._REGISTRY.pop(TRACKING)


def snapshot() -> list:
    """Every episode with its messages, steps and parties, by values that do not depend on row ids."""
    out = []
    for episode in Episode.objects.order_by("patient_id", "started_at", "state"):
        entries = list(episode.entries.select_related("step", "target").order_by("at", "id"))
        msg_of = {e.pk: e.msg_id for e in entries}
        out.append({
            "episode": [episode.patient_id, episode.hospital_org_her_id, episode.municipality_org_her_id,
                        episode.state, episode.close_reason, episode.started_at, episode.discharged_at,
                        episode.closed_at, episode.updated_at, episode.next_due_at, episode.overdue_steps,
                        episode.flagged_messages, episode.live_messages, episode.chain_version_id],
            "entries": [[e.msg_id, e.msg_type, e.status, e.step.key if e.step else None, e.at, e.sender_her_id,
                         e.receiver_her_id, e.ref_parent, e.ref_conversation, e.target.msg_id if e.target else None,
                         e.doc_key, e.effect, e.apprec_status, e.apprec_at, e.flags, e.note] for e in entries],
            "steps": [[s.step.key, s.state, s.triggered_at, s.due_at, s.fulfilled_at, s.confirmed_at, s.overdue_at,
                       s.late, msg_of.get(s.entry_id, s.entry_id)]
                      for s in episode.steps.select_related("step").order_by("step__position")],
            "parties": sorted((p.her_id, p.organisation_her_id, p.side, p.role) for p in episode.parties.all()),
        })
    return out


def admissions(unn, tromso, work, clock, catch_up) -> None:
    """Ten messages with their AppRecs: three patients, several messages of each episode."""
    for who in range(3):
        innlagt = send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=who), work)
        clock.advance(hours=1)
        send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, who=who), work)
        if who < 2:
            send(tromso, unn, plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, who=who, parent=innlagt),
                 work)
    clock.advance(days=1)
    send(unn, tromso, plo(UTSKRIVNINGSRAPPORT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=0), work)
    send(unn, tromso, plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=0, parent=None), work)


def test_a_batch_costs_a_few_statements_not_a_chain_per_event(unn, tromso, work, clock, held, warm_caches):
    admissions(unn, tromso, work, clock, None)
    with CaptureQueriesContext(connection) as captured:
        events = release(held)
    assert events >= 20  # each message and its AppRec
    assert len(captured) < 3 * events, [q["sql"][:120] for q in captured]
    # The outbox's own statements aside: a statement per table and kind of access, not per event.
    chains = [q["sql"][:120] for q in captured if "chains_" in q["sql"]]
    assert len(chains) <= 12, chains
    assert Episode.objects.count() == 3
    assert dict(Episode.objects.values_list("patient_id", "state")) == {
        NATIONAL_IDS[0]: "closed", NATIONAL_IDS[1]: "open", NATIONAL_IDS[2]: "open"}


def mixed(unn, tromso, work, clock, catch_up) -> None:
    """The rarer paths in one batch: changes, a cancellation before its original, a rejection,
    the feedback on a discharge-ready notice, a late report, steps overdue, a discharge rejected,
    a second admission."""
    first = "37fc6c80-fd20-11e7-8f1a-0800200c9a66"
    cancelled = "b088a160-0698-11e8-b566-0800200c9a66"
    innlagt = send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, msg_id=first), work, ack="2")
    catch_up()  # the rest is tracked 30 hours later
    change1 = send(unn, tromso, plo(HELSEOPPL_M1, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, parent=first,
                                    conversation=first), work)
    send(unn, tromso, plo(HELSEOPPL_M2, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, parent=change1,
                          conversation=first), work)
    clock.advance(hours=30)
    klar = send(unn, tromso, plo(UTSKRIVNINGSKLAR, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, parent=first), work)
    send(tromso, unn, plo(TILBAKEMELDING, sender=TROMSO_CASE, receiver=UNN_MED_TROMSO, parent=klar), work)
    send(tromso, unn, plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, parent=innlagt), work)
    send(unn, tromso, plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work, ack="2")
    send(unn, tromso, plo(INNLAGT_C, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=1, parent=cancelled), work)
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=1, msg_id=cancelled), work)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)  # repeated
    clock.advance(days=2)
    send(unn, tromso, plo(UTSKRIVNINGSRAPPORT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=2), work)
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=2), work)
    send(unn, tromso, plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=2), work, ack=None)
    clock.advance(days=1)
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=2), work)


class Rollback(Exception):
    pass


@pytest.mark.parametrize("scenario", [admissions, mixed])
def test_a_batch_records_what_one_event_at_a_time_records(unn, tromso, work, clock, held, scenario):
    scenario(unn, tromso, work, clock, lambda: release(held))
    results = []
    for batch in (None, 1):
        try:
            with transaction.atomic():
                release(held, batch=batch)
                results.append(snapshot())
                raise Rollback
        except Rollback:
            pass
    batched, one_by_one = results
    assert batched and batched == one_by_one


def test_an_event_delivered_twice_is_recorded_once(unn, tromso, work, clock, held):
    admissions(unn, tromso, work, clock, None)
    events = list(Event.objects.filter(kind__in=held.kinds).select_related("message", "delivery").order_by("id"))
    results = []
    for batch in (events, events + events):  # the second time every event twice in one batch
        try:
            with transaction.atomic():
                held.handler(batch)
                results.append(snapshot())
                raise Rollback
        except Rollback:
            pass
    assert results[0] == results[1]
    release(held)
    once = snapshot()
    assert once == results[0]
    SubscriberCursor.objects.filter(name=TRACKING).update(txid=0, event_id=0)  # the whole feed again
    assert release(held) >= len(events)
    assert snapshot() == once


def test_an_event_that_fails_leaves_the_rest_of_its_batch_tracked(unn, tromso, work, clock, held, monkeypatch):
    """No savepoint per event: the outbox runs the failed batch again event by event."""
    from samhand.chains import episodes
    from samhand.chains.models import EpisodeMessage

    admissions(unn, tromso, work, clock, None)
    wrong_side = episodes._wrong_side

    def failing(defn, a, episode):
        if a.msg_type == "HELSEOPPL_SOKNAD" and a.patient_id == NATIONAL_IDS[1]:
            raise RuntimeError("broken")
        return wrong_side(defn, a, episode)

    monkeypatch.setattr(episodes, "_wrong_side", failing)
    release(held)
    failed = FailedEvent.objects.get(subscriber=TRACKING)
    assert failed.event.message.msg_type == "HELSEOPPL_SOKNAD" and "broken" in failed.error
    assert EpisodeMessage.objects.count() == 9 and Episode.objects.count() == 3
    assert not EpisodeMessage.objects.filter(message=failed.event.message).exists()
