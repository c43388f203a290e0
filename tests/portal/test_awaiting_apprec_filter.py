"""The status filter «levert» and the type APPREC in the message list (issue 11).

«Levert» without AppRecs shows exactly the business messages delivered and waiting for their
AppRec, read from the deliveries not marked ``for_apprec`` (exchange 0009's partial index on
PostgreSQL); with «Vis også applikasjonskvitteringer» it also shows the AppRecs, whose own
deliveries are «levert». Choosing the type APPREC shows the AppRecs without the tick."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from samhand.access.door import MessageFilter, message_streams_for_user
from samhand.exchange.models import Delivery, Message

TROMSO_A, TROMSO_B = "8201001", "8201002"
BALSFJORD = "8202001"
UNN_A, UNN_B = "8100101", "8100201"


def _shown(client, params: dict) -> set:
    response = client.get("/meldinger/", params)
    assert response.status_code == 200
    assert not response.context["older_url"]  # all on one page
    return {m.pk for m in response.context["page"].items}


def _message(sender, receiver, state, *, apprec=False, minutes=0, copy_to=""):
    at = timezone.now() - timedelta(minutes=minutes)
    m = Message.objects.create(msg_id=str(uuid.uuid4()), sender_her_id=sender, receiver_her_id=receiver,
                               msg_type="APPREC" if apprec else "LOG_INNLAGT", is_apprec=apprec, family="PLO",
                               sha256="0" * 64, origin=Message.Origin.API, created_at=at)
    Delivery.objects.create(message=m, her_id=receiver, state=state, created_at=at, for_apprec=apprec)
    if copy_to:
        Delivery.objects.create(message=m, her_id=copy_to, role=Delivery.Role.COPY, state="delivered",
                                created_at=at)
    return m.pk


def test_levert_shows_exactly_the_messages_waiting_for_their_apprec(seeded, as_user):
    waiting_in = _message(UNN_A, TROMSO_A, "delivered", minutes=1)
    waiting_out = _message(TROMSO_B, UNN_B, "delivered", minutes=2)
    waiting_copy = _message(UNN_B, BALSFJORD, "delivered", minutes=3, copy_to=TROMSO_B)  # Tromsø's by the copy
    waiting_internal = _message(TROMSO_A, TROMSO_B, "delivered", minutes=4)
    apprec_out = _message(TROMSO_A, UNN_A, "delivered", apprec=True, minutes=5)
    apprec_in = _message(UNN_B, TROMSO_B, "delivered", apprec=True, minutes=6)
    _message(UNN_A, TROMSO_A, "acknowledged", minutes=7)
    _message(UNN_A, TROMSO_A, "queued", minutes=8)
    _message(TROMSO_A, UNN_A, "rejected", minutes=9)
    _message(UNN_A, BALSFJORD, "delivered", minutes=10)  # waiting, but not Tromsø's
    _message(BALSFJORD, UNN_A, "delivered", apprec=True, minutes=11)

    client = as_user("tromso.ma")
    waiting = {waiting_in, waiting_out, waiting_copy, waiting_internal}
    assert _shown(client, {"state": "delivered"}) == waiting
    assert _shown(client, {"state": "delivered", "kvitteringer": "on"}) == waiting | {apprec_out, apprec_in}
    # The other filters still apply.
    assert _shown(client, {"state": "delivered", "partner": "org:8100000"}) == {waiting_in, waiting_out, waiting_copy}
    assert _shown(client, {"state": "delivered", "partner": "org:8202000"}) == {waiting_copy}
    assert _shown(client, {"state": "delivered", "type": "LOG_INNLAGT"}) == waiting


def test_levert_is_read_from_the_deliveries_not_for_an_apprec(seeded, people):
    """The delivery side, and a filter PostgreSQL can match to the partial index: were the AppRecs'
    deliveries not told apart, the list would walk every message (seconds at a million)."""
    streams = message_streams_for_user(people["tromso.ma"], MessageFilter(state="delivered"))
    sql = str(streams[0].query)
    assert '"for_apprec"' in sql and 'FROM "exchange_delivery"' in sql
    # With AppRecs shown, «levert» is common: the streams, without the mark.
    streams = message_streams_for_user(people["tromso.ma"], MessageFilter(state="delivered", include_apprecs=True))
    assert all('"for_apprec"' not in str(qs.query) for qs in streams)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the partial index is PostgreSQL's")
def test_postgresql_reads_the_waiting_deliveries_from_the_partial_index(seeded, people):
    streams = message_streams_for_user(people["unn.ma"], MessageFilter(state="delivered"))
    sql, params = streams[0].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "delivery_awaiting_apprec_idx" in plan, plan
    # And the statistics that tell the planner how few they are (exchange 0009).
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_statistic_ext WHERE stxname = 'delivery_role_state_apprec_stats'")
        assert cursor.fetchone()[0] == 1


def test_levert_through_the_exchange(traffic, as_user):
    """Real traffic: the deliveries marked by the exchange itself (conftest's ``traffic``: Tromsø's
    report and its message to Balsfjord wait for their AppRec; two AppRecs came back to UNN)."""
    apprecs = set(Message.objects.filter(is_apprec=True).values_list("pk", flat=True))
    assert len(apprecs) == 2
    unn = as_user("unn.ma")
    assert _shown(unn, {"state": "delivered"}) == {traffic["report"].pk}
    assert _shown(unn, {"state": "delivered", "kvitteringer": "on"}) == {traffic["report"].pk} | apprecs
    tromso = as_user("tromso.ma")
    assert _shown(tromso, {"state": "delivered"}) == {traffic["report"].pk, traffic["neighbours"].pk}


def test_choosing_the_type_apprec_shows_the_apprecs(traffic, as_user):
    apprecs = set(Message.objects.filter(is_apprec=True).values_list("pk", flat=True))
    unn = as_user("unn.ma")
    assert _shown(unn, {"type": "APPREC"}) == apprecs
    assert _shown(unn, {"type": "APPREC", "kvitteringer": "on"}) == apprecs
    # Other types still leave the AppRecs out unless ticked.
    assert not _shown(unn, {}) & apprecs
    assert _shown(unn, {"kvitteringer": "on"}) >= apprecs


def test_the_form_implies_the_tick_for_the_type_apprec(seeded):
    from samhand.portal.forms import MessageFilterForm

    def built(data):
        form = MessageFilterForm(data)
        assert form.is_valid(), form.errors
        return form.to_filter()

    assert built({"type": "APPREC"}).include_apprecs
    assert not built({"type": "LOG_INNLAGT"}).include_apprecs
    assert not built({}).include_apprecs
    assert built({"kvitteringer": "on"}).include_apprecs
