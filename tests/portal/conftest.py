"""Portal personas and traffic.

People: a meldingsansvarlig and a saksbehandler in Tromsø kommune, a meldingsansvarlig and
the node operator at UNN, and an outsider who can log in but belongs to no organisation.
Traffic goes through the API as the EPR systems send it, and the worker runs dry.
"""

from __future__ import annotations

import pytest
from django.test import Client

from msgfactory import with_patient_id
from portalpeople import (BALSFJORD_PATIENT, INNLAGT, OTHER_PATIENT, PEOPLE, RAPPORT,
                          TROMSO_PATIENT, create_people)
from personas import BALSFJORD_NURSING, TROMSO_NURSING, UNN_MED_TROMSO
from portalbrowser import browser, page_for  # noqa: F401 - the browser tests' fixtures


@pytest.fixture
def people(seeded):
    return create_people(PEOPLE)


@pytest.fixture
def as_user(people):
    """A logged-in browser-less client for one person."""
    def login(username: str) -> Client:
        client = Client()
        client.force_login(people[username])
        return client
    return login


SENT: dict[str, bytes] = {}


def _send(caller, xml: bytes) -> str:
    response = caller.send(xml)
    assert response.status_code == 202, response.content
    SENT[response.json()["id"]] = xml
    return response.json()["id"]


@pytest.fixture
def traffic(unn, tromso, balsfjord, work, people):
    """UNN admits a Tromsø patient (Tromsø answers OK) and a Balsfjord patient (Balsfjord rejects
    it, E35); Tromsø sends an admission report that UNN has not answered yet, and one to Balsfjord."""
    from samhand.exchange.models import Message

    to_tromso = _send(unn, with_patient_id(INNLAGT, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING,
                                           national_id=TROMSO_PATIENT))
    to_balsfjord = _send(unn, with_patient_id(INNLAGT, sender=UNN_MED_TROMSO, receiver=BALSFJORD_NURSING,
                                              national_id=BALSFJORD_PATIENT))
    work()
    entry = tromso.inbox(TROMSO_NURSING)[0]
    assert tromso.post(f"/messages/{entry['id']}/apprec", {"status": "1"}).status_code == 202
    entry = balsfjord.inbox(BALSFJORD_NURSING)[0]
    assert balsfjord.post(f"/messages/{entry['id']}/apprec",
                          {"status": "2", "errors": [{"code": "E35", "text": "Ukjent hos oss"}]}).status_code == 202
    report = _send(tromso, with_patient_id(RAPPORT, sender=TROMSO_NURSING, receiver=UNN_MED_TROMSO,
                                           national_id=TROMSO_PATIENT))
    # Between two municipalities: none of UNN's business.
    neighbours = _send(tromso, with_patient_id(RAPPORT, sender=TROMSO_NURSING, receiver=BALSFJORD_NURSING,
                                               national_id=OTHER_PATIENT))
    work()
    return {"to_tromso": Message.objects.get(pk=to_tromso), "to_balsfjord": Message.objects.get(pk=to_balsfjord),
            "report": Message.objects.get(pk=report), "neighbours": Message.objects.get(pk=neighbours)}


@pytest.fixture
def episodes(traffic):
    """The standard chain seeded and the traffic tracked against it (as the exchange pipeline does
    once the chains are wired in; track_message is idempotent, so this is harmless after that)."""
    from samhand import kith
    from samhand.chains.seed import seed_message_types, seed_standard_chain
    from samhand.chains.tracking import track_apprec, track_message

    seed_message_types()
    seed_standard_chain()
    for key in ("to_tromso", "to_balsfjord", "report", "neighbours"):
        message = traffic[key]
        track_message(message, kith.parse_msghead(kith.parse_xml(SENT[str(message.pk)])))
    track_apprec(traffic["to_tromso"], "1")
    track_apprec(traffic["to_balsfjord"], "2")
    return traffic
