"""A broker outage does not turn the receiving threads into busy loops that flood the log."""

from __future__ import annotations

import logging
import time

from samhand.transports import network
from samhand.transports.amqp.client import AmqpError


class _Conn:
    def __init__(self):
        self.down = True
        self.calls = 0

    def receive_any(self, queues, timeout, limit, gather=0.0):
        self.calls += 1
        if self.down:
            raise AmqpError("cannot connect to amqp://127.0.0.1:5672: Connection refused")
        return []


def test_an_unreachable_broker_is_reported_once_and_tried_at_the_receive_s_pace(monkeypatch, caplog):
    conn = _Conn()
    monkeypatch.setattr(network, "enabled", lambda: True)
    monkeypatch.setattr(network, "connection", lambda: conn)
    monkeypatch.setattr(network, "_queues", lambda: {"q": ("8201001", network._handle_message)})
    network._receive_state.down_since = None
    caplog.set_level(logging.INFO, logger=network.log.name)
    started = time.monotonic()
    for _ in range(4):
        assert network.receive_step("w", wait=0.05) == 0
    assert time.monotonic() - started >= 0.2  # each failed try waited as a receive would have
    failures = [r for r in caplog.records if "receive failed" in r.getMessage()]
    assert len(failures) == 1 and conn.calls == 4
    conn.down = False
    assert network.receive_step("w", wait=0.05) == 0
    assert any("receiving again" in r.getMessage() for r in caplog.records)
    assert network._receive_state.down_since is None
