"""Two nodes, each with its own database, exchanging messages and AppRecs through RabbitMQ."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from samhand import kith
from samhand.bench.nodes import TwoNodes
from samhand.simulator.epr import EprClient
from samhand.transports.amqp import AmqpConnection, profile

from msgfactory import sample_path
from needs import require_or_skip, tcp_problem
from personas import TROMSO_NURSING, UNN_MED_TROMSO

AMQP_URL = os.environ.get("SAMHAND_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")


require_or_skip(tcp_problem(AMQP_URL, 5672, "AMQP broker (RabbitMQ)"), module=True)

# Runs in both rounds of the suite: nodes on SQLite files, then on PostgreSQL databases.
pytestmark = [pytest.mark.amqp, pytest.mark.postgres]


def wait_for(predicate, timeout: float = 90.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    database = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    # No directory cache: the tests change a node's directory while it runs.
    pair = TwoNodes(tmp_path_factory.mktemp("two-nodes"), database=database, amqp_url=AMQP_URL,
                    extra_env={"SAMHAND_DIRECTORY_CACHE_SECONDS": "0"}).setup().start()
    yield pair
    pair.cleanup()


def message(msg_id: str | None = None, sample: str = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml") -> bytes:
    from samhand.kith import Party

    original = kith.parse_msghead(kith.parse_xml(sample_path(sample).read_bytes()))
    return kith.build_msghead(
        msg_type=original.msg_type, msg_type_dn=original.msg_type_dn or original.msg_type,
        sender=Party("Universitetssykehuset Nord-Norge HF", "8100000", "Medisinsk avdeling, UNN Tromsø", UNN_MED_TROMSO),
        receiver=Party("Tromsø kommune", "8201000", "Sykepleietjeneste", TROMSO_NURSING),
        document=original.business_document, patient=original.patient, msg_id=msg_id or str(uuid.uuid4()))


def test_message_and_apprec_cross_nodes(nodes):
    unn = EprClient(nodes.urls[0], nodes.keys[0][UNN_MED_TROMSO])
    tromso = EprClient(nodes.urls[1], nodes.keys[1][TROMSO_NURSING])
    xml = message()
    sent = unn.send(xml)
    msg_id = kith.parse_msghead(kith.parse_xml(xml)).msg_id
    entry = wait_for(lambda: next((e for e in tromso.inbox([TROMSO_NURSING]) if e["msgId"] == msg_id), None),
                     what="the message in Tromsø's inbox on node 2")
    assert tromso.document(entry["id"]) == xml
    assert unn.status(sent)["state"] == "sent"
    tromso.mark_read(entry["id"])
    tromso.apprec(entry["id"], "1")
    status = wait_for(lambda: (s := unn.status(sent))["state"] == "acknowledged" and s,
                      what="the AppRec correlated on node 1")
    assert status["apprec"]["status"] == "1"
    assert [e for e in unn.inbox([UNN_MED_TROMSO]) if e["originalMsgId"] == msg_id]


def test_receiving_node_answers_its_own_checks_with_a_negative_apprec(nodes):
    # Node 2 knows Tromsø no longer takes PLO 1.6 logistics; node 1 does not know yet.
    nodes.shell(1, "from samhand.directory.models import Capability as C; "
                   f"C.objects.filter(party__her_id='{TROMSO_NURSING}', direction='receive', family='PLO').delete()")
    try:
        unn = EprClient(nodes.urls[0], nodes.keys[0][UNN_MED_TROMSO])
        sent = unn.send(message())
        status = wait_for(lambda: (s := unn.status(sent))["state"] == "rejected" and s,
                          what="the negative AppRec from node 2")
        assert [e["code"] for e in status["apprec"]["errors"]] == ["T10"]
    finally:
        nodes.shell(1, "from samhand.bench.nodes import HOSTS; from samhand.directory.seed import "
                       "seed_demo_directory; seed_demo_directory(set(HOSTS[1].split(',')))")


def test_unreadable_input_goes_to_the_senders_error_queue(nodes):
    with AmqpConnection(AMQP_URL) as conn:
        conn.publish(profile.async_queue(TROMSO_NURSING), b"not a CMS message", message_id="garbage-1",
                     properties=profile.message_properties(UNN_MED_TROMSO, TROMSO_NURSING, None))
    recorded = wait_for(lambda: "garbage-1" in nodes.shell(
        0, "from samhand.exchange.models import NodeEvent; "
           "print(list(NodeEvent.objects.filter(kind='transport').values_list('detail', flat=True)))"),
        what="node 1 recording the error reported by node 2")
    assert recorded
