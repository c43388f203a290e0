"""The access broker's cast: a home-care nurse in Tromsø whose service has an open episode with
UNN's medical ward for the patient, a nurse in Harstad without a relation, and UNN's privacy
contact. Traffic goes through the API and the worker, as the EPR systems send it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.test import Client

# The portal tests' Chromium fixtures (Debian's chromium through Playwright) serve these pages too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "portal"))
from portalbrowser import browser, page_for  # noqa: E402,F401 - fixtures
from portalpeople import create_people  # noqa: E402

from msgfactory import with_patient_id
from personas import TROMSO_NURSING, UNN_MED_TROMSO

from accesspeople import (HARSTAD_CASE, HARSTAD_NURSING, INNLAGT, PATIENT, PEOPLE,
                          UTSKRIVNING)


@pytest.fixture
def harstad(seeded, client):
    from apicaller import ApiCaller
    from samhand.api.models import ApiClient
    from samhand.directory.models import CommunicationParty

    _c, raw = ApiClient.issue("Visma Flyt Harstad", CommunicationParty.objects.filter(her_id__in=[HARSTAD_NURSING,
                                                                                                  HARSTAD_CASE]))
    return ApiCaller(client, raw, "Visma Flyt Harstad")


@pytest.fixture
def unn_privacy(seeded, client):
    from apicaller import ApiCaller
    from samhand.api.models import ApiClient
    from samhand.directory.models import CommunicationParty

    _c, raw = ApiClient.issue("DIPS UNN personvern", CommunicationParty.objects.filter(her_id=UNN_MED_TROMSO),
                              scopes=("messages", "privacy"))
    return ApiCaller(client, raw, "DIPS UNN personvern")


@pytest.fixture
def people(seeded):
    return create_people({username: (her_id, role, {"first_name": first, "last_name": last, "email": email},
                            {"profession": profession, "hpr_number": hpr})
                           for username, (her_id, role, profession, hpr, (first, last), email) in PEOPLE.items()})


@pytest.fixture
def as_user(people):
    def login(username: str) -> Client:
        client = Client()
        client.force_login(people[username])
        return client
    return login


@pytest.fixture
def ward(unn, tromso, work):
    """UNN's medical ward admits the patient (LOG_INNLAGT to Tromsø's nursing service, tracked as an
    open episode) and sends the discharge summary (Utskrivningsrapport); Tromsø answers both OK."""
    from samhand import kith
    from samhand.chains.seed import seed_message_types, seed_standard_chain
    from samhand.chains.tracking import track_message
    from samhand.exchange.models import Message

    seed_message_types()
    seed_standard_chain()
    sent = {}
    for name in (INNLAGT, UTSKRIVNING):
        xml = with_patient_id(name, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING, national_id=PATIENT)
        response = unn.send(xml)
        assert response.status_code == 202, response.content
        message = Message.objects.get(pk=response.json()["id"])
        track_message(message, kith.parse_msghead(kith.parse_xml(xml)))
        sent[message.msg_type] = message
    work()
    for entry in tromso.inbox(TROMSO_NURSING):
        assert tromso.post(f"/messages/{entry['id']}/apprec", {"status": "1"}).status_code == 202
    work()
    return sent
