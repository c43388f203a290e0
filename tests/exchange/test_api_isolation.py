"""Tenant isolation: a system acts and reads only for its own parties (S3)."""

from __future__ import annotations

import pytest

from samhand.access.models import AccessLog

from apicaller import ApiCaller
from msgfactory import readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO

LOGISTICS = "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml"


@pytest.fixture
def exchanged(unn, tromso, work):
    """UNN sent one message to Tromsø; it is delivered and answered."""
    sent_id = unn.send(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)).json()["id"]
    work()
    inbox_id = tromso.inbox(TROMSO_NURSING)[0]["id"]
    tromso.post(f"/messages/{inbox_id}/apprec", {"status": "1"})
    work()
    apprec_id = unn.inbox(UNN_MED_TROMSO)[0]["id"]
    return {"sent": sent_id, "inbox": inbox_id, "apprec": apprec_id}


def test_tromso_cannot_send_as_unn(tromso, exchanged):
    response = tromso.send(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING))
    assert response.status_code == 403 and response.json()["code"] == "abuse:spoofing-attack"


def test_tromso_cannot_list_unn_inbox(tromso, exchanged):
    response = tromso.get("/messages", receiverHerIds=f"{TROMSO_NURSING},{UNN_MED_TROMSO}")
    assert response.status_code == 403
    assert UNN_MED_TROMSO in response.json()["detail"]


def test_tromso_cannot_see_unn_messages(tromso, exchanged):
    for path in (f"/messages/{exchanged['apprec']}/business-document", f"/messages/{exchanged['apprec']}/status",
                 f"/messages/{exchanged['sent']}/business-document", f"/messages/{exchanged['sent']}/status"):
        assert tromso.get(path).status_code == 404, path
    assert tromso.put(f"/messages/{exchanged['apprec']}/read").status_code == 404
    assert tromso.post(f"/messages/{exchanged['apprec']}/apprec", {"status": "1"}).status_code == 404


def test_unn_cannot_read_or_answer_for_tromso(unn, exchanged):
    # UNN sent the message, but the inbox entry belongs to Tromsø.
    assert unn.put(f"/messages/{exchanged['inbox']}/read").status_code == 404
    assert unn.post(f"/messages/{exchanged['inbox']}/apprec", {"status": "1"}).status_code == 404
    assert unn.get(f"/messages/{exchanged['inbox']}/status").status_code == 404


def test_outsider_gets_403_or_404_everywhere(outsider, exchanged):
    assert outsider.send(readdress(LOGISTICS, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)).status_code == 403
    assert outsider.get("/messages", receiverHerIds=TROMSO_NURSING).status_code == 403
    for object_id in exchanged.values():
        assert outsider.get(f"/messages/{object_id}/business-document").status_code == 404
        assert outsider.get(f"/messages/{object_id}/status").status_code == 404
        assert outsider.put(f"/messages/{object_id}/read").status_code == 404
        assert outsider.post(f"/messages/{object_id}/apprec", {"status": "1"}).status_code == 404


def test_no_key_or_a_wrong_key_is_401(client, exchanged):
    for caller in (ApiCaller(client, None), ApiCaller(client, "shk_wrong"), ApiCaller(client, "garbage")):
        response = caller.get("/messages", receiverHerIds=TROMSO_NURSING)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"


def test_revoked_key_is_401(unn, exchanged):
    from samhand.api.models import ApiClient

    ApiClient.objects.filter(system=unn.system).update(active=False)
    assert unn.get("/messages", receiverHerIds=UNN_MED_TROMSO).status_code == 401


def test_reads_of_patient_content_are_logged_and_refused_reads_are_not(tromso, outsider, exchanged):
    before = AccessLog.objects.count()
    outsider.get(f"/messages/{exchanged['inbox']}/business-document")
    assert AccessLog.objects.count() == before
    tromso.document(exchanged["inbox"])
    log = AccessLog.objects.first()
    assert AccessLog.objects.count() == before + 1
    assert (log.actor_kind, log.actor, log.purpose) == ("api-client", "Gerica Tromsø", "epr-fetch")
    assert log.patient_id == "15076500565"


def test_keys_are_stored_hashed(unn):
    from samhand.api.models import ApiClient

    stored = ApiClient.objects.get(system=unn.system)
    assert unn.key not in (stored.key_hash, stored.key_hint)
    assert len(stored.key_hash) == 64
