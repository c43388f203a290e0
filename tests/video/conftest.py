"""Fixtures for video cooperation: the demo directory with its video rooms and services, and a
Tromsø patient with an open episode (UNN admitted the patient; the message went through the API
and the pipeline tracked it on the standard chain)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.utils import timezone
from msgfactory import with_patient_id
from personas import TROMSO_NURSING, UNN_MED_TROMSO  # noqa: F401

PATIENT = "15076500565"
INNLAGT = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


@pytest.fixture
def video(seeded):
    from samhand.chains.seed import seed_message_types, seed_standard_chain
    from samhand.video.seed import seed_video

    seed_message_types()
    seed_standard_chain()
    seed_video()


@pytest.fixture
def episode(video, unn, work):
    from samhand.chains.models import Episode

    response = unn.send(with_patient_id(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                                        national_id=PATIENT))
    assert response.status_code == 202, response.content
    work()
    return Episode.objects.get(patient_id=PATIENT, state="open")


# -- portal people (as tests/portal does it) ------------------------------------------------------

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "portal"))
from portalbrowser import browser, page_for  # noqa: E402,F401 - the browser tests' fixtures
from portalpeople import create_people  # noqa: E402

PEOPLE = {
    "tromso.sykepleier": ("8201000", "saksbehandler"),
    "unn.lege": ("8100000", "saksbehandler"),
    "unn.drift": ("8100000", "operator"),
    "balsfjord.ma": ("8202000", "meldingsansvarlig"),
}


@pytest.fixture
def people(video):
    return create_people(PEOPLE)


@pytest.fixture
def as_user(people):
    from django.test import Client

    def login(username: str):
        client = Client()
        client.force_login(people[username])
        return client
    return login


class Clock:
    def __init__(self):
        self.now = timezone.now().replace(microsecond=0)

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    from samhand.lib import clock as video_clock

    fake = Clock()
    monkeypatch.setattr(video_clock, "now", fake)
    monkeypatch.setattr(video_clock, "today", lambda: timezone.localdate(fake.now))
    return fake
