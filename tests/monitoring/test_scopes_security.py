"""Scopes at the edges (issue 16): a key bound to one department sees and acknowledges only
alerts about its own messages, not its sister departments'; partner health answers for the
key's own parties and its partners only."""

from __future__ import annotations

from apicaller import ApiCaller
from monhelpers import alerts_of, answer, send
from personas import (BALSFJORD_NURSING, TROMSO_CASE, TROMSO_NURSING, UNN_GERIATRI, UNN_MED_TROMSO, UNN_ORG)


def _caller(client, system, her_ids):
    from samhand.api.models import ApiClient
    from samhand.directory.models import CommunicationParty

    _key, raw = ApiClient.issue(system, CommunicationParty.objects.filter(her_id__in=her_ids))
    return ApiCaller(client, raw, system)


def _rejected(unn, tromso, work):
    message_id = send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    answer(tromso, TROMSO_NURSING, message_id, "2")
    work()
    return alerts_of(UNN_ORG, kind="rejected").get()


def test_a_department_key_does_not_see_sister_departments_alerts(unn, tromso, work, client):
    alert = _rejected(unn, tromso, work)
    geriatri = _caller(client, "Geriatri", [UNN_GERIATRI])
    medisin = _caller(client, "Medisin", [UNN_MED_TROMSO])
    assert geriatri.get("/alerts").json() == []
    assert geriatri.post(f"/alerts/{alert.pk}/acknowledge", {}).status_code == 404
    assert geriatri.post(f"/alerts/{alert.pk}/resolve", {}).status_code == 404
    alert.refresh_from_db()
    assert alert.state == "open"
    [seen] = medisin.get("/alerts").json()
    assert seen["id"] == str(alert.pk) and len(seen["messages"]) == 1
    assert medisin.post(f"/alerts/{alert.pk}/acknowledge", {}).status_code == 200
    # The key for the whole organisation still sees it.
    assert [a["id"] for a in unn.get("/alerts", state="all").json()] == [str(alert.pk)]


def test_partner_health_only_for_own_parties_and_partners(unn, tromso, balsfjord, work):
    send(unn, sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)
    work()
    assert tromso.get("/partners/health", herIds=f"{UNN_MED_TROMSO},{TROMSO_CASE}").status_code == 200
    # Balsfjord has exchanged nothing with Tromsø: not Tromsø's business.
    refused = tromso.get("/partners/health", herIds=f"{UNN_MED_TROMSO},{BALSFJORD_NURSING}")
    assert refused.status_code == 403 and BALSFJORD_NURSING in refused.json()["detail"]
    assert balsfjord.get("/partners/health", herIds=TROMSO_NURSING).status_code == 403
    assert balsfjord.get("/partners/health", herIds=BALSFJORD_NURSING).status_code == 200
