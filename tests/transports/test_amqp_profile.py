"""The service-bus profile helpers, and client behaviour that needs no broker."""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from samhand.transports.amqp import AmqpConnection, AmqpUnavailable
from samhand.transports.amqp import profile as P
from samhand.transports.amqp.messages import DeliveryCounter


def test_queue_names(monkeypatch):
    monkeypatch.delenv("SAMHAND_AMQP_QUEUE_PREFIX", raising=False)  # production: the profile's names
    assert P.async_queue(8093241) == "8093241_async"
    assert P.sync_queue("8093241") == "8093241_sync"
    assert P.error_queue(" 8093241 ") == "8093241_error"
    with pytest.raises(ValueError):
        P.async_queue("80932x1")


def test_message_properties_are_strings_named_as_in_the_profile():
    moment = datetime(2014, 2, 26, 12, 45, 32, tzinfo=timezone(timedelta(hours=2)))
    props = P.message_properties(8093241, "93252", "cpa-17", moment)
    assert props == {"fromHerId": "8093241", "toHerId": "93252", "cpaId": "cpa-17",
                     "applicationTimeStamp": "2014-02-26T10:45:32+00:00"}
    assert all(isinstance(v, str) for v in props.values())
    assert P.parse_timestamp(props["applicationTimeStamp"]) == moment


def test_cpa_id_is_left_out_without_a_cpa():
    assert "cpaId" not in P.message_properties(1, 2, None)


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError):
        P.message_properties(1, 2, None, datetime(2024, 1, 1))
    with pytest.raises(ValueError):
        P.parse_timestamp("2024-01-01T10:00:00")


def test_error_properties():
    moment = datetime(2024, 5, 1, 10, 15, tzinfo=timezone.utc)
    props = P.error_properties("0f6c-uuid", P.DECRYPTION_FAILED, None, moment,
                               condition_data='{"thumbprint": "ab12"}')
    assert props == {
        "originalMessageId": "0f6c-uuid",
        "receiverTimeStamp": "2024-05-01T10:15:00+00:00",
        "errorCondition": "transport:decryption-failed",
        "errorDescription": "Could not decrypt message because of unknown reason.",
        "errorConditionData": '{"thumbprint": "ab12"}',
    }
    assert "errorConditionData" not in P.error_properties("x", P.SPOOFING_ATTACK, "mismatch")
    with pytest.raises(ValueError):
        P.error_properties("x", "transport:no-such-thing", "")


def test_error_conditions_cover_the_profile():
    for name in ("transport:invalid-field-value", "transport:not-well-formed-xml",
                 "transport:decryption-failed", "abuse:spoofing-attack", "transport:invalid-signature",
                 "transport:expired-certificate", "transport:unsupported-message"):
        assert name in P.ERROR_CONDITIONS


def test_max_receives():
    assert P.MAX_RECEIVES == 10
    assert not P.exhausted(8) and P.exhausted(9)


def test_delivery_counter_without_broker_counts():
    counter = DeliveryCounter(size=2)
    assert counter.delivered("q", "m", 0, redelivered=False) == 0
    assert counter.delivered("q", "m", 0, redelivered=True) == 1
    counter.settled("q", "m", final=False, counts=False)  # released without counting
    assert counter.delivered("q", "m", 0, redelivered=True) == 1
    assert counter.delivered("q", "m", 0, redelivered=True) == 2
    assert counter.delivered("q", "m", 7, redelivered=True) == 7  # a broker that counts wins
    assert counter.delivered("q", "other", 0, redelivered=True) == 1  # seen elsewhere before
    counter.settled("q", "m", final=True)
    assert counter.delivered("q", "m", 0, redelivered=False) == 0


def test_unreachable_broker_fails_promptly():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conn = AmqpConnection(f"amqp://guest:guest@127.0.0.1:{port}", timeout=5)
    started = time.monotonic()
    with pytest.raises(AmqpUnavailable):
        conn.publish("x_async", b"x", message_id="m", properties={})
    assert time.monotonic() - started < 2
    conn.close()


def test_silent_peer_times_out_instead_of_hanging():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held = []
    threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()
    conn = AmqpConnection(f"amqp://guest:guest@127.0.0.1:{server.getsockname()[1]}", timeout=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(AmqpUnavailable):
            conn.receive("x_async", timeout=0.5)
        assert time.monotonic() - started < 3
    finally:
        conn.close()
        server.close()
        for sock, _ in held:
            sock.close()
