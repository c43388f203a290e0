"""Lean submit: the insert itself finds a duplicate MsgId (ON CONFLICT), and a new message costs
one statement each for message, content, deliveries and event — no look-up before the insert."""

from __future__ import annotations


import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samhand import kith
from samhand.exchange.models import Delivery, Message

from msgfactory import readdress
from personas import TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO


@pytest.fixture
def cached_keys(settings):
    from samhand.api.models import forget_keys

    settings.SAMHAND_API_KEY_CACHE_SECONDS = 5
    settings.SAMHAND_DIRECTORY_CACHE_SECONDS = 10
    forget_keys()
    yield
    forget_keys()


def _statements(queries, table):
    return [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]


def test_a_new_message_is_stored_with_one_statement_per_table(unn, cached_keys):
    xml = readdress("Innleggelsesrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                    copies=(TROMSO_CASE,))
    unn.send(readdress("Innleggelsesrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))  # warm
    with CaptureQueriesContext(connection) as queries:
        response = unn.send(xml)
    assert response.status_code == 202, response.content
    message_sql = _statements(queries, "exchange_message")
    assert len(message_sql) == 1 and "ON CONFLICT" in message_sql[0]  # no SELECT before the insert
    assert len(_statements(queries, "exchange_messagecontent")) == 1
    assert len(_statements(queries, "exchange_delivery")) == 1  # both deliveries in one insert
    assert len(_statements(queries, "exchange_event")) == 1
    if connection.vendor == "postgresql":
        # One statement writes it all: message, content, both deliveries and the event, each part
        # inserting only if the message was new.
        assert message_sql[0].startswith("WITH m AS (INSERT INTO") and message_sql[0].count("INSERT INTO") == 5
        # The worker's wake-up too, sent only if the message was new.
        assert "pg_notify" in message_sql[0]
        assert [q for q in queries.captured_queries if "pg_notify" in q["sql"]] == [queries.captured_queries[
            [q["sql"] for q in queries.captured_queries].index(message_sql[0])]]
    assert not _statements(queries, "api_apiclient")  # the key is remembered
    message = Message.objects.get(pk=response.json()["id"])
    assert sorted(Delivery.objects.filter(message=message).values_list("her_id", "role")) == [
        (TROMSO_NURSING, "primary"), (TROMSO_CASE, "copy")]
    assert bytes(message.content.payload) != xml  # stored protected, never in clear


def test_the_same_message_twice_is_one_message(unn):
    xml = readdress("Utskrivningsrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    first = unn.send(xml)
    again = unn.send(xml)
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["id"] == again.json()["id"]
    msg_id = kith.parse_msghead(kith.parse_xml(xml)).msg_id
    assert Message.objects.filter(msg_id=msg_id).count() == 1
    assert Delivery.objects.filter(message__msg_id=msg_id).count() == 1


def test_a_used_msgid_with_other_content_is_refused_and_nothing_is_written(unn):
    xml = readdress("Utskrivningsrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    msg_id = kith.parse_msghead(kith.parse_xml(xml)).msg_id
    assert unn.send(xml).status_code == 202
    other = readdress("Innleggelsesrapport_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                      msg_id=msg_id)
    response = unn.send(other)
    assert response.status_code == 409 and response.json()["code"] == "E10"
    assert Message.objects.filter(msg_id=msg_id).count() == 1
    assert Delivery.objects.filter(message__msg_id=msg_id).count() == 1
