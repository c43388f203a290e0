"""Dispatch through a broker: a batch is published together and only what the broker confirmed
is marked sent, in one statement on PostgreSQL, with a "sent" event each."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samhand.exchange import deliver
from samhand.exchange.models import Delivery, Event
from samhand.exchange.transport import TransportError

from msgfactory import readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO


class Broker:
    """A broker transport that confirms everything but the deliveries it is told to refuse."""

    name, in_transaction = "fake-broker", False

    def __init__(self, refuse=()):
        self.refuse, self.published = set(refuse), []

    def send(self, delivery):
        raise AssertionError("a broker transport is sent to in batches")

    def send_many(self, deliveries):
        self.published += [d.pk for d in deliveries]
        return {d.pk: TransportError("not confirmed") for d in deliveries if d.pk in self.refuse}


@pytest.fixture
def broker(monkeypatch):
    holder = {"broker": Broker()}
    monkeypatch.setattr(deliver, "_transport_for", lambda delivery: holder["broker"])
    return holder


def test_only_confirmed_deliveries_still_ours_are_marked_sent(unn, broker):
    ids = []
    for _ in range(3):
        response = unn.send(readdress("Utskrivningsrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO,
                                      receiver=TROMSO_NURSING))
        assert response.status_code == 202, response.content
        ids.append(Delivery.objects.get(message_id=response.json()["id"]).pk)
    broker["broker"] = Broker(refuse={ids[1]})
    with CaptureQueriesContext(connection) as queries:
        assert deliver.dispatch_step("w1") == 3
    assert sorted(broker["broker"].published) == sorted(ids)
    states = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "state"))
    assert states[ids[0]] == states[ids[2]] == Delivery.State.SENT
    assert states[ids[1]] == Delivery.State.QUEUED  # not confirmed: retried later
    sent = Event.objects.filter(kind="sent", delivery_id__in=ids)
    assert sorted(e.delivery_id for e in sent) == sorted([ids[0], ids[2]])
    assert {e.detail for e in sent} == {f"to {TROMSO_NURSING} via fake-broker"}
    assert all(e.message_id == Delivery.objects.get(pk=e.delivery_id).message_id for e in sent)
    assert Delivery.objects.get(pk=ids[0]).attempts == 1 and Delivery.objects.get(pk=ids[0]).lease_owner == ""
    if connection.vendor == "postgresql":
        marking = [q["sql"] for q in queries.captured_queries if "RETURNING id, message_id, her_id" in q["sql"]]
        assert len(marking) == 1 and "INSERT INTO exchange_event" in marking[0]


def test_a_delivery_another_worker_took_over_is_not_marked(unn, broker):
    response = unn.send(readdress("Utskrivningsrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
    delivery = Delivery.objects.get(message_id=response.json()["id"])
    delivery.lease_owner = "someone-else"
    delivery.save(update_fields=["lease_owner"])
    deliver._mark_sent([delivery], "w1", "fake-broker")
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.QUEUED and delivery.attempts == 0
    assert not Event.objects.filter(kind="sent", delivery=delivery).exists()
