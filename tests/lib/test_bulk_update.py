"""lib.bulk.update_many: one statement writes the named fields of many rows, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samhand.exchange.models import SubscriberCursor
from samhand.lib.bulk import update_many

from msgfactory import readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO

pytestmark = pytest.mark.django_db


def test_writes_each_row_its_own_values_in_one_statement():
    cursors = [SubscriberCursor.objects.create(name=f"bulk-{i}") for i in range(4)]
    untouched = SubscriberCursor.objects.create(name="bulk-other", txid=7, event_id=70)
    at = timezone.now() - timedelta(hours=1)
    for i, cursor in enumerate(cursors[:3]):
        cursor.txid, cursor.event_id, cursor.updated_at = 100 + i, 1000 + i, at + timedelta(minutes=i)
    cursors[3].txid = 99  # changed in memory, but its row is not in the batch
    with CaptureQueriesContext(connection) as queries:
        updated = update_many(SubscriberCursor, cursors[:3], ["txid", "event_id", "updated_at"])
    assert updated == 3
    if connection.vendor == "postgresql":
        assert len(queries) == 1 and "UNNEST" in queries[0]["sql"]
    rows = {c.name: c for c in SubscriberCursor.objects.filter(name__startswith="bulk-")}
    for i in range(3):
        row = rows[f"bulk-{i}"]
        assert (row.txid, row.event_id, row.updated_at) == (100 + i, 1000 + i, at + timedelta(minutes=i))
    assert rows["bulk-3"].txid == 0
    assert (rows["bulk-other"].txid, rows["bulk-other"].event_id) == (untouched.txid, untouched.event_id)


def test_only_the_named_fields_are_written():
    cursor = SubscriberCursor.objects.create(name="bulk-fields", txid=1, event_id=2)
    cursor.txid, cursor.event_id = 5, 6
    update_many(SubscriberCursor, [cursor], ["txid"])
    cursor.refresh_from_db()
    assert (cursor.txid, cursor.event_id) == (5, 2)


def test_foreign_keys_and_nulls(unn):
    from samhand.exchange.models import Delivery

    ids = []
    for _ in range(2):
        response = unn.send(readdress("Utskrivningsrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
        assert response.status_code == 202, response.content
        ids.append(response.json()["id"])
    first, second = (Delivery.objects.get(message_id=i) for i in ids)
    at = timezone.now()
    first.apprec_id, first.acked_at, first.state = second.message_id, at, Delivery.State.ACKNOWLEDGED
    second.apprec_id, second.acked_at, second.state = None, None, Delivery.State.FAILED
    assert update_many(Delivery, [first, second], ["apprec", "acked_at", "state"]) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.apprec_id, first.acked_at, first.state) == (second.message_id, at, Delivery.State.ACKNOWLEDGED)
    assert (second.apprec_id, second.acked_at, second.state) == (None, None, Delivery.State.FAILED)


def test_nothing_to_write_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert update_many(SubscriberCursor, [], ["txid"]) == 0
    assert len(queries) == 0


def test_a_field_that_is_not_a_column_is_refused():
    cursor = SubscriberCursor.objects.create(name="bulk-refused")
    with pytest.raises(ValueError):
        update_many(SubscriberCursor, [cursor], ["name"])  # the primary key itself
