"""The EPR simulator against a live server: it drives the chain and answers AppRecs through HTTP."""

from __future__ import annotations

import random

import pytest

from samhand.exchange.models import Delivery, Message
from samhand.portal.demo import create_demo_credentials
from samhand.simulator.runner import Simulator, wait_for_server
from samhand.worker import Worker

pytestmark = pytest.mark.slow  # starts processes: scheduled first (tests/conftest.py)


@pytest.mark.django_db(transaction=True)
def test_simulated_eprs_exchange_the_plo_chain_with_apprecs(seeded, live_server):
    from samhand.chains.seed import seed_message_types, seed_standard_chain

    seed_message_types()
    seed_standard_chain()
    node = create_demo_credentials(live_server.url)
    wait_for_server(live_server.url)
    simulator = Simulator(live_server.url, node["apiKeys"], rng=random.Random(7), negative_share=0.0)
    worker = Worker(name="sim-test", idle_seconds=0)
    for _ in range(25):
        simulator.tick()
        while worker.run_once():
            pass
    simulator.handle_inboxes()
    while worker.run_once():
        pass

    assert simulator.stats["errors"] == 0, simulator.stats
    types = set(Message.objects.filter(is_apprec=False).values_list("msg_type", flat=True))
    assert {"LOG_INNLAGT", "INNLEGGELSESRAPPORT", "HELSEOPPL_SOKNAD"} <= types
    # Every business message that reached an inbox was read and answered by the simulated EPR.
    business = Delivery.objects.filter(message__is_apprec=False)
    assert business.count() >= 10
    answered = business.exclude(state=Delivery.State.DELIVERED)
    assert answered.count() >= business.count() - 2  # the last tick's messages may still be in flight
    assert set(answered.values_list("state", flat=True)) == {Delivery.State.ACKNOWLEDGED}
    # The municipality's Innleggelsesrapport refers to the hospital's LOG_INNLAGT conversation.
    report = Message.objects.filter(msg_type="INNLEGGELSESRAPPORT").first()
    first = Message.objects.get(msg_id=report.conversation_ref)
    assert first.msg_type == "LOG_INNLAGT" and first.receiver_her_id == report.sender_her_id
    # The feedback on LOG_UTSKRIVNINGSKLAR refers to it, so the chain counts it (issue 17): the demo
    # shows the step done, not «venter» turning «forsinket».
    from samhand.chains.models import EpisodeMessage

    feedback = list(Message.objects.filter(msg_type="DIALOG_HELSEFAGLIG", is_apprec=False))
    assert feedback, "the simulator answered no LOG_UTSKRIVNINGSKLAR in 25 ticks"
    for reply in feedback:
        assert Message.objects.get(msg_id=reply.parent_ref).msg_type == "LOG_UTSKRIVNINGSKLAR"
        assert EpisodeMessage.objects.get(message=reply).step.key == "tilbakemelding"
