"""The feedback on LOG_UTSKRIVNINGSKLAR as the standard allows it (HISD 80806 §9.4, FOR-2011-11-18-1115
§11): any service of the municipality that received the message may answer, linked to it by
ConversationRef; another municipality's answer does not count. Every outstanding step names who
must act, and the simulator's feedback refers to the LOG_UTSKRIVNINGSKLAR it answers."""

from __future__ import annotations

import random

import pytest

from samhand import kith
from samhand.chains import queries
from samhand.chains.models import Episode
from samhand.directory.models import CommunicationParty
from samhand.simulator.chain import Address, new_episode

from chainfactory import HELSEOPPL, INNLAGT, TILBAKEMELDING, UTSKRIVNINGSKLAR, plo, send
from personas import BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, TROMSO_ORG, UNN_MED_TROMSO, UNN_ORG
from test_episodes import only_episode, steps

pytestmark = pytest.mark.usefixtures("chains")


def _discharge_ready(unn, tromso, work):
    innlagt = send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    varsel = send(unn, tromso, plo(HELSEOPPL, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, parent=innlagt), work)
    klar = send(unn, tromso, plo(UTSKRIVNINGSKLAR, sender=UNN_MED_TROMSO, receiver=TROMSO_CASE, parent=varsel,
                                 conversation=innlagt), work)
    return innlagt, klar


def _feedback_step(episode_id) -> dict:
    episode = queries.episode_for([UNN_MED_TROMSO], episode_id)
    step = next(s for s in episode.steps.all() if s.step.key == "tilbakemelding")
    return {"state": step.state, "actor": queries.actor_of(episode, step)}


def test_feedback_waits_on_the_municipality_not_only_its_case_handling_office(unn, tromso, work, clock):
    _discharge_ready(unn, tromso, work)
    episode = only_episode(unn)
    waiting = _feedback_step(episode["id"])
    assert waiting["state"] == "expected"
    # Who must act: Tromsø kommune (the organisation that received LOG_UTSKRIVNINGSKLAR), any service.
    assert waiting["actor"].her_id == TROMSO_ORG and waiting["actor"].any_service
    expected = {e["step"]: e for e in episode["expected"]}
    assert expected["tilbakemelding"]["waitingOn"] == TROMSO_ORG and expected["tilbakemelding"]["anyService"]


@pytest.mark.parametrize("by_conversation", [False, True])
def test_feedback_from_the_nursing_service_completes_the_step(unn, tromso, work, clock, by_conversation):
    innlagt, klar = _discharge_ready(unn, tromso, work)
    clock.advance(hours=1)
    # Linked by RefToParent, or only by RefToConversation (the parent being another message).
    ref = {"parent": innlagt, "conversation": klar} if by_conversation else {"parent": klar, "conversation": innlagt}
    send(tromso, unn, plo(TILBAKEMELDING, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO, **ref), work)
    episode = only_episode(unn)
    assert steps(unn, episode["id"])["tilbakemelding"] == "done"
    assert episode["messages"][-1]["flags"] == [] and episode["messages"][-1]["step"] == "tilbakemelding"
    clock.advance(hours=10)
    work()
    assert not only_episode(unn)["overdue"]


def test_feedback_from_another_municipality_does_not_count(unn, tromso, balsfjord, work, clock):
    _innlagt, klar = _discharge_ready(unn, tromso, work)
    send(balsfjord, unn, plo(TILBAKEMELDING, sender=BALSFJORD_NURSING, receiver=UNN_MED_TROMSO, parent=klar), work)
    episode = only_episode(unn)
    assert steps(unn, episode["id"])["tilbakemelding"] == "expected"
    last = episode["messages"][-1]
    assert last["step"] is None and last["flags"] == ["wrong_party"] and "organisasjonen" in last["note"]


def test_every_outstanding_step_names_who_must_act(unn, tromso, work, clock):
    send(unn, tromso, plo(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING), work)
    episode = queries.episode_for([UNN_MED_TROMSO], only_episode(unn)["id"])
    actors = {s.step.key: queries.actor_of(episode, s) for s in queries.outstanding(episode)}
    assert actors["innleggelsesrapport"].her_id == TROMSO_NURSING and not actors["innleggelsesrapport"].any_service
    assert actors["helseopplysninger"].her_id == UNN_MED_TROMSO
    assert actors["utskrevet"].her_id == UNN_MED_TROMSO and actors["utskrevet"].role_label == "sykehusavdeling"
    summary = queries.open_episodes_by_service([TROMSO_NURSING])[TROMSO_NURSING][0]
    assert summary.partner_her_id == UNN_ORG and all(n.actor is not None for n in summary.upcoming)
    assert queries.open_episodes_by_service([UNN_MED_TROMSO])[UNN_MED_TROMSO][0].partner_her_id == TROMSO_ORG


def _address(her_id: str) -> Address:
    p = CommunicationParty.objects.select_related("organisation").get(her_id=her_id)
    return Address(p.her_id, p.name, p.organisation.her_id, p.organisation.name)


def test_simulator_feedback_refers_to_the_message_it_answers(seeded):
    episode = new_episode(random.Random(3), _address(UNN_MED_TROMSO), _address(TROMSO_NURSING),
                          _address(TROMSO_CASE))
    sent = {}
    for _ in range(3):  # innlagt, helseopplysninger, utskrivningsklar
        _her, xml = episode.hospital_step()
        head = kith.parse_msghead(kith.parse_xml(xml))
        sent[head.msg_type] = head.msg_id
    episode.hospital_step()  # the hospital goes on before the municipality has answered
    _her, xml = episode.answer_to("LOG_UTSKRIVNINGSKLAR", sent["LOG_UTSKRIVNINGSKLAR"])
    head = kith.parse_msghead(kith.parse_xml(xml))
    assert head.msg_type == "DIALOG_HELSEFAGLIG"
    assert head.conversation_ref.ref_to_parent == sent["LOG_UTSKRIVNINGSKLAR"]
    assert head.conversation_ref.ref_to_conversation == sent["LOG_INNLAGT"]
    assert Episode.objects.count() == 0
