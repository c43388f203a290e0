"""lib.prepared.Prepared: a queryset compiled once per shape gives what the queryset gives."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samhand.exchange.models import Delivery, Message
from samhand.lib.prepared import Prepared

from msgfactory import readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.django_db


def _by_sender(senders, *, limit):
    return Message.objects.filter(sender_her_id__in=senders).order_by("created_at")[:limit]


def _entries(message_ids, her_id):
    return (Delivery.objects.select_related("message", "message__content", "party")
            .filter(message_id__in=message_ids, her_id=her_id).order_by("created_at"))


def _send(unn, n):
    ids = []
    for _ in range(n):
        response = unn.send(readdress("Utskrivningsrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
        assert response.status_code == 202, response.content
        ids.append(response.json()["id"])
    return ids


def test_same_objects_as_the_queryset_with_related_objects_loaded(unn):
    ids = _send(unn, 3)
    prepared = Prepared(_entries)
    for chosen in ([ids[0]], ids[1:], ids):  # one shape per list length
        values = [uuid.UUID(i) for i in chosen]
        got = prepared(values, TROMSO_NURSING)
        expected = list(_entries(values, TROMSO_NURSING))
        assert [d.pk for d in got] == [d.pk for d in expected] and got
        with CaptureQueriesContext(connection) as queries:
            for d in got:
                assert d.message.content.payload == expected[got.index(d)].message.content.payload
                assert d.party.her_id == TROMSO_NURSING and d.message.msg_id
        assert len(queries) == 0  # select_related was honoured: nothing loaded afterwards
        assert prepared(values, UNN_MED_TROMSO) == []  # other values, same shape
    if connection.vendor == "postgresql":
        assert len([s for s in prepared._shapes.values() if s is not None]) == 3


def test_shape_arguments_and_compiled_once(unn):
    _send(unn, 3)
    prepared = Prepared(_by_sender)
    assert len(prepared([UNN_MED_TROMSO], limit=2)) == 2
    assert len(prepared([UNN_MED_TROMSO], limit=5)) == 3
    assert prepared(["8999999"], limit=5) == []
    if connection.vendor == "postgresql":
        assert len(prepared._shapes) == 2  # limit 2 and limit 5; the third call reused a shape
        with CaptureQueriesContext(connection) as queries:
            prepared([UNN_MED_TROMSO], limit=5)
        assert len(queries) == 1 and str(UNN_MED_TROMSO) in str(queries[0]["sql"])


def test_a_lookup_that_rewrites_its_value_is_run_as_a_queryset(unn):
    _send(unn, 1)
    prepared = Prepared(lambda text: Message.objects.filter(msg_type__icontains=text))
    assert len(prepared("utskriv")) == 1 and prepared("nothing-like-it") == []
    if connection.vendor == "postgresql":
        assert list(prepared._shapes.values()) == [None]  # not prepared: '%utskriv%' is not the value


def test_an_empty_list_gives_nothing_and_costs_no_savepoint(unn):
    _send(unn, 1)
    prepared = Prepared(_by_sender)
    assert prepared([], limit=5) == []
    from django.db import transaction

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert len(prepared([UNN_MED_TROMSO], limit=7)) == 1
    assert not [q for q in queries if q["sql"].startswith("SAVEPOINT")]  # compiled in the caller's transaction


def test_the_dispatch_claim_is_prepared_and_its_times_are_values(unn):
    from samhand.exchange import queue

    _send(unn, 2)
    with CaptureQueriesContext(connection) as queries:
        first = queue.claim("w-prepared", 1)
    assert len(first) == 1 and first[0].lease_owner == "w-prepared" and first[0].lease_until is not None
    assert first[0].message.content.payload  # loaded with what dispatching needs, no further queries
    if connection.vendor == "postgresql":  # the lease and the read are one statement
        assert len([q for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]) == 1
        assert Delivery.objects.get(pk=first[0].pk).lease_owner == "w-prepared"
    second = queue.claim("w-prepared", 1)  # the same shape again, with new times
    assert len(second) == 1 and second[0].pk != first[0].pk
    assert queue.claim("w-prepared", 1) == []
    if connection.vendor == "postgresql":
        shapes = [s for s in queue._locked_candidates._shapes.values() if s is not None]
        assert shapes, "the claim fell back to compiling every time (a time frozen into the statement?)"
        sql, params = queue._locked_candidates.statement(timezone.now(), timezone.now(), limit=1,
                                                         holds=tuple(queue._HOLDS))
        assert "SKIP LOCKED" in sql and not any(isinstance(p, datetime) and p.year == 1901 for p in params)
