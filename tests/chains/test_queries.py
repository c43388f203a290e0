"""The portal's work lists: open episodes per service, most urgent first; and arrivals from
another node are tracked like submissions."""

from __future__ import annotations

import pytest

from samhand.chains import queries
from samhand.chains.models import Episode
from samhand.exchange.inbound import receive
from samhand.exchange.outbox import drain

from chainfactory import HELSEOPPL, INNLAGT, RAPPORT, plo, send
from msgfactory import protect_as
from personas import BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.usefixtures("chains")


@pytest.fixture
def three_patients(unn, tromso, balsfjord, work, clock):
    """Patient 0 admitted first (its deadlines pass first), then 1 and 2 (2 in Balsfjord)."""
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=0), work)
    clock.advance(hours=6)
    innlagt = send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, who=1), work)
    send(tromso, unn, plo(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, who=1, parent=innlagt), work)
    send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, who=1), work)
    clock.advance(hours=1)
    send(unn, balsfjord, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=BALSFJORD_NURSING, who=2), work)
    return clock


def test_open_episodes_most_urgent_first(three_patients, work):
    clock = three_patients
    mine = [TROMSO_NURSING, TROMSO_CASE]
    listed = queries.open_episodes_for(mine)
    assert [s.patient_id for s in listed] == ["15076500565", "13116900216"]
    first = listed[0]
    assert first.next_step.key == "innleggelsesrapport" and not first.overdue
    assert [n.key for n in first.upcoming] == ["innleggelsesrapport", "helseopplysninger", "utskrevet"]
    assert listed[1].next_step.key == "utskrivningsklar" and listed[1].next_step.due_at is None

    clock.advance(hours=18)  # patient 0's deadlines have passed
    work()
    overdue = queries.open_episodes_for(mine, overdue_only=True)
    assert [s.patient_id for s in overdue] == ["15076500565"] and overdue[0].next_step.overdue
    assert [s.patient_id for s in queries.due_within(mine, hours=1)] == ["15076500565"]
    assert queries.due_within(mine, hours=0) == overdue


def test_open_episodes_per_service(three_patients):
    by_service = queries.open_episodes_by_service([TROMSO_NURSING, TROMSO_CASE, BALSFJORD_NURSING])
    assert {her: [s.patient_id for s in items] for her, items in by_service.items()} == {
        TROMSO_NURSING: ["15076500565", "13116900216"], TROMSO_CASE: ["13116900216"],
        BALSFJORD_NURSING: ["12057900499"]}
    assert queries.open_episodes_by_service([BALSFJORD_NURSING]).keys() == {BALSFJORD_NURSING}


def test_the_api_lists_the_same_order(three_patients, unn):
    listed = unn.get("/episodes").json()
    assert [e["patientId"] for e in listed] == ["15076500565", "12057900499", "13116900216"]
    assert unn.get("/episodes", limit=1).json()[0]["patientId"] == "15076500565"


def test_a_message_arriving_from_another_node_is_tracked(seeded):
    wire = protect_as(plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), sender=UNN_MED_TROMSO,
                      receivers=(TROMSO_NURSING,))
    received = receive(wire, to_her_id=TROMSO_NURSING, transport_sender=UNN_MED_TROMSO)
    assert received.accepted, received.reason
    assert not Episode.objects.exists()  # tracked off the receiving transaction, from the event feed
    assert drain("chains.tracking") >= 1
    episode = Episode.objects.get()
    assert episode.entries.get().message == received.message
    assert set(episode.parties.values_list("her_id", flat=True)) == {UNN_MED_TROMSO, TROMSO_NURSING}
