"""Monitoring fixtures: a clock the tests can move, and rules that look on every worker loop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def monitor_now(settings):
    """The periodic rules look on every worker loop, and downtime is never cached, in these tests."""
    settings.SAMHAND_MONITOR_INTERVAL_SECONDS = 0
    settings.SAMHAND_PROBE_SENDER_HER_ID = ""
    settings.PUBLIC_URL = "https://samhand.example.no"


class Clock:
    """The node's now (samhand.lib.clock), moved forward by the test (the exchange keeps real time)."""

    def __init__(self, monkeypatch):
        self.offset = timedelta()
        monkeypatch.setattr("samhand.lib.clock.now", self.now)

    def now(self):
        return timezone.now() + self.offset

    def advance(self, **kwargs) -> None:
        self.offset += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


class MonitoringMail:
    """The mail monitoring sent: the outbox without the deviations app's drafts to confirm (it
    also mails one for a negative AppRec or a missing receipt, through its own subscriber)."""

    def __init__(self, outbox: list):
        self._outbox = outbox

    def _mine(self) -> list:
        return [m for m in self._outbox if not m.subject.startswith("Avviksutkast")]

    def __len__(self) -> int:
        return len(self._mine())

    def __getitem__(self, index):
        return self._mine()[index]

    def __iter__(self):
        return iter(self._mine())

    def clear(self) -> None:
        self._outbox.clear()


@pytest.fixture
def mailoutbox(mailoutbox):
    return MonitoringMail(mailoutbox)
