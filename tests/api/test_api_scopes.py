"""A key's scopes bound what it can do (api/auth.py): a key issued for privacy work cannot read or
send patient messages, nor use any other route of the message API, and a message key cannot do the
holder's privacy work. Checked over every operation the OpenAPI document lists, so a route added
later is covered without being named here."""

from __future__ import annotations

import re

import pytest

from apicaller import ApiCaller
from msgfactory import readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO

PRIVACY_PATHS = {"/api/v1/access/report", "/api/v1/access/audit", "/api/v1/access/blocks",
                 "/api/v1/access/blocks/{id}/consent"}


def _key(client, scopes) -> ApiCaller:
    from samhand.api.models import ApiClient
    from samhand.directory.models import CommunicationParty

    _c, raw = ApiClient.issue(f"Gerica Tromsø {'+'.join(scopes)}",
                              CommunicationParty.objects.filter(her_id=TROMSO_NURSING), scopes=scopes)
    return ApiCaller(client, raw)


def _operations(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if op.get("security"):
                yield method, path, op


def _call(client, key: ApiCaller, method: str, path: str):
    url = re.sub(r"\{[^}]+\}", "1", path)
    return getattr(client, method)(url, **({"data": "{}", "content_type": "application/json"}
                                           if method in ("post", "put", "patch") else {}),
                                   HTTP_AUTHORIZATION=f"Bearer {key.key}")


def test_every_operation_asks_for_its_scope(seeded, client):
    privacy_only, messages_only = _key(client, ("privacy",)), _key(client, ("messages",))
    checked = {"messages": 0, "privacy": 0}
    for method, path, op in _operations(client):
        privacy = path in PRIVACY_PATHS
        wrong = messages_only if privacy else privacy_only
        response = _call(client, wrong, method, path)
        assert response.status_code == 403, (method, path, response.content)
        problem = response.json()
        assert problem["code"] == "forbidden"
        assert ("privacy" if privacy else "messages") in problem["detail"]
        assert "403" in op["responses"], (method, path)  # documented
        checked["privacy" if privacy else "messages"] += 1
    # Not vacuous: the message API, the rooms beside it and the privacy routes were all reached.
    assert checked["privacy"] == 5 and checked["messages"] > 30


def test_a_privacy_key_cannot_read_a_patients_messages(seeded, client, unn, work):
    from samhand.access.models import AccessLog

    unn.send(readdress("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO,
                       receiver=TROMSO_NURSING))
    work()
    privacy_only, both = _key(client, ("privacy",)), _key(client, ("messages", "privacy"))
    reads = AccessLog.objects.count()
    for path, params in (("/messages", {"receiverHerIds": TROMSO_NURSING}),
                         ("/messages", {"receiverHerIds": TROMSO_NURSING, "include": "document"})):
        assert privacy_only.get(path, **params).status_code == 403
    assert privacy_only.post("/messages/poll", {"receiverHerIds": [TROMSO_NURSING]}).status_code == 403
    assert AccessLog.objects.count() == reads  # nothing was read, so nothing was logged
    # The same party's key with both scopes reads it.
    entries = both.inbox(TROMSO_NURSING)
    assert len(entries) == 1 and both.document(entries[0]["id"]).startswith(b"<")
    assert both.get("/access/blocks").status_code == 200


@pytest.mark.parametrize("scope", ["root", ""])
def test_an_unknown_scope_is_refused_where_an_operation_is_declared(scope):
    from samhand.api.auth import ApiKeyAuth

    with pytest.raises(ValueError, match="unknown scope"):
        ApiKeyAuth(scope)
