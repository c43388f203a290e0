"""Deviation fixtures: a clock the tests can move, handlers per category, traffic to report on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from devhelpers import INNLAGT, UNN_HANDLER, UNN_LEADER
from msgfactory import readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.PUBLIC_URL = "https://samhand.example.no"
    settings.SAMHAND_MONITOR_INTERVAL_SECONDS = 0
    settings.SAMHAND_DOWNTIME_CACHE_SECONDS = 0
    settings.SAMHAND_PROBE_SENDER_HER_ID = ""


class Clock:
    """The deviations', monitoring's and the chains' now, moved forward by the test."""

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


@pytest.fixture
def handlers(seeded):
    """UNN names a handler for message-exchange deviations and a leader; Tromsø has none (fallback:
    meldingsansvarlig from the directory)."""
    from samhand.deviations.models import Handler
    from samhand.directory.models import Organisation

    unn = Organisation.objects.get(her_id="8100000")
    Handler.objects.create(organisation=unn, category="message-exchange", name="Avviksbehandler meldinger UNN",
                           email=UNN_HANDLER, username="unn.ma")
    Handler.objects.create(organisation=unn, role="leader", name="Klinikksjef", email=UNN_LEADER)
    return unn


@pytest.fixture
def admission(unn, tromso, work):
    """UNN's medical department admits a Tromsø patient (official sample); Tromsø has it in its inbox."""
    response = unn.send(readdress(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
    assert response.status_code == 202, response.content
    message_id = response.json()["id"]
    work()
    entry = tromso.inbox(TROMSO_NURSING)[0]
    return {"message_id": message_id, "entry_id": entry["id"]}
