"""`samhand bench seed` writes a consistent history fast; `searchtime` times the portal on it."""

from __future__ import annotations

import pytest

from samhand.bench.seed import seed
from samhand.exchange.models import Delivery, Event, Message, MessageContent


@pytest.mark.django_db
def test_seed_writes_messages_with_deliveries_and_events(seeded):
    result = seed(300, chunk=70)
    assert result["messages"] == 300
    assert Message.objects.count() == 300 and MessageContent.objects.count() == 300
    assert Delivery.objects.filter(role="primary").count() == 300  # and a few copies
    # As on a real node: the newest business messages still wait for their AppRec.
    assert Delivery.objects.filter(role="primary", state="delivered", message__is_apprec=False).exists()
    # Each delivery says whether it carries an AppRec, as the exchange writes it (exchange 0009).
    marks = set(Delivery.objects.values_list("message__is_apprec", "for_apprec"))
    assert marks == {(False, False), (True, True)}
    assert Event.objects.filter(kind="submitted").count() == 300
    assert Event.objects.filter(kind="delivered").count() == 300
    apprecs = Message.objects.filter(is_apprec=True)
    assert 50 < apprecs.count() < 200
    for apprec in apprecs.select_related("original")[:20]:
        # An AppRec answers the message before it, from that message's receiver.
        assert apprec.original is not None and not apprec.original.is_apprec
        assert (apprec.sender_her_id, apprec.receiver_her_id) == (apprec.original.receiver_her_id,
                                                                  apprec.original.sender_her_id)
        assert apprec.created_at > apprec.original.created_at
    assert {m.sender_her_id[:2] for m in Message.objects.all()} == {"81", "82"}
    assert all(len(p) == 11 for p in Message.objects.values_list("patient_id", flat=True)[:50])


@pytest.mark.django_db
def test_searchtime_measures_every_case(seeded):
    from samhand.bench.searchtime import CASES, measure

    seed(2000, chunk=1000)
    timings = measure(repeat=1)
    assert timings["messages"] == 2000
    cases = [k for k in timings if k != "messages"]
    assert len(cases) == 2 * (len(CASES) + 2)
    assert all(v["median_ms"] > 0 and v["queries"] > 0 for k, v in timings.items() if k != "messages")
