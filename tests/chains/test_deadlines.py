"""Every deadline of the seeded chain fires: the worker marks the step overdue when its due time
passes, a step done in time never is, and one done after its due time is flagged late."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from samhand.chains.models import Episode, EpisodeStep
from samhand.chains.worker import deadline_step
from samhand.worker import STEPS

from chainfactory import HELSEOPPL, INNLAGT, RAPPORT, TILBAKEMELDING, UTSKREVET, UTSKRIVNINGSKLAR, plo, send
from personas import TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.usefixtures("chains")
OSLO = ZoneInfo("Europe/Oslo")


def state_of(key: str) -> EpisodeStep:
    return EpisodeStep.objects.select_related("step").get(step__key=key)


def admitted(unn, tromso, work):
    return send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)


def test_the_deadline_step_is_registered_with_the_worker():
    assert ("chain-deadlines", deadline_step) in STEPS


@pytest.mark.parametrize("key", ["innleggelsesrapport", "helseopplysninger"])
def test_24_hours_after_admission(unn, tromso, work, clock, key):
    admitted(unn, tromso, work)
    due = state_of(key).due_at
    assert due == clock.now + timedelta(hours=24)
    clock.advance(hours=23, minutes=59)
    assert deadline_step("test") == 0
    clock.advance(minutes=2)
    assert deadline_step("test") == 2  # Innleggelsesrapport and Helseopplysninger, both due now
    step = state_of(key)
    assert step.state == "overdue" and step.overdue_at == clock.now
    episode = Episode.objects.get()
    assert episode.overdue_steps == 2 and episode.next_due_at == due
    assert deadline_step("test") == 0  # claimed once


def test_innleggelsesrapport_in_time_is_never_overdue(unn, tromso, work, clock):
    innlagt = admitted(unn, tromso, work)
    clock.advance(hours=20)
    send(tromso, unn, plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, parent=innlagt), work)
    clock.advance(hours=10)
    work()
    assert state_of("innleggelsesrapport").state == "done"
    assert state_of("helseopplysninger").state == "overdue"


def test_a_late_innleggelsesrapport_is_flagged_late(unn, tromso, work, clock):
    innlagt = admitted(unn, tromso, work)
    clock.advance(hours=30)
    work()
    send(tromso, unn, plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, parent=innlagt), work)
    step = state_of("innleggelsesrapport")
    assert step.state == "done" and step.late and step.overdue_at is not None
    episode = unn.get("/episodes", state="all").json()[0]
    assert episode["messages"][-1]["flags"] == ["late"] and episode["overdueSteps"] == 1  # Helseopplysninger


def test_feedback_on_utskrivningsklar_within_four_hours(unn, tromso, work, clock):
    innlagt = admitted(unn, tromso, work)
    send(tromso, unn, plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, parent=innlagt), work)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    clock.advance(days=2)
    klar = send(unn, tromso, plo(UTSKRIVNINGSKLAR, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE), work)
    assert state_of("tilbakemelding").due_at == clock.now + timedelta(hours=4)
    clock.advance(hours=4, seconds=1)
    assert deadline_step("test") == 1
    overdue = unn.get("/episodes", state="overdue").json()
    assert [(e["step"], e["overdue"]) for e in overdue[0]["expected"]] == [
        ("tilbakemelding", True), ("avmelding", False), ("utskrevet", False)]
    send(tromso, unn, plo(TILBAKEMELDING, sender=TROMSO_CASE, receiver=UNN_MED_TROMSO, parent=klar), work)
    assert state_of("tilbakemelding").late
    assert unn.get("/episodes", state="overdue").json() == []


def test_utskrivningsrapport_the_same_day(unn, tromso, work, clock):
    clock.set(datetime(2025, 3, 3, 9, 0, tzinfo=OSLO))
    admitted(unn, tromso, work)
    clock.set(datetime(2025, 3, 6, 13, 0, tzinfo=OSLO))
    send(unn, tromso, plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    assert state_of("utskrivningsrapport").due_at == datetime(2025, 3, 6, 23, 59, 59, tzinfo=OSLO)
    clock.set(datetime(2025, 3, 6, 23, 0, tzinfo=OSLO))
    assert deadline_step("test") == 0
    clock.set(datetime(2025, 3, 7, 0, 5, tzinfo=OSLO))
    assert deadline_step("test") == 1
    assert state_of("utskrivningsrapport").state == "overdue"
    assert Episode.objects.get().state == "open"  # discharged, but the report is still outstanding


def test_discharged_episodes_close_after_the_grace_period(unn, tromso, work, clock):
    admitted(unn, tromso, work)
    send(unn, tromso, plo(UTSKREVET, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    clock.advance(days=8)
    assert deadline_step("test") >= 1
    episode = Episode.objects.get()
    assert episode.state == "closed" and "utløpt" in episode.close_reason
    assert state_of("utskrivningsrapport").state == "missing"


def test_abandoned_episodes_close_after_the_idle_period(unn, tromso, work, clock, settings):
    settings.SAMHAND_CHAIN_IDLE_DAYS = 30
    admitted(unn, tromso, work)
    clock.advance(days=31)
    work()
    episode = Episode.objects.get()
    assert episode.state == "closed" and episode.close_reason == "ingen meldinger på lenge"
    assert state_of("utskrevet").state == "missing"
