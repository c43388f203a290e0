"""The persona matrix for the access API: the outsider gets 401/403/404 on every route, a key
without the privacy scope cannot do privacy work, and an organisation sees only its own records."""

from __future__ import annotations

import uuid

import pytest

from apicaller import ApiCaller
from personas import TROMSO_CASE, TROMSO_NURSING, UNN_MED_TROMSO

from accesspeople import PATIENT, TROMSO_NURSE

ROUTES = [
    ("post", "/access/requests", {"patientId": PATIENT, "holderHerId": UNN_MED_TROMSO, "purpose": "TREAT",
                                  "practitioner": TROMSO_NURSE}),
    ("get", "/access/documents/{doc}", {"decisionRef": "{ref}"}),
    ("get", "/access/fhir/DocumentReference", {"decisionRef": "{ref}"}),
    ("get", "/access/report", {"patientId": PATIENT}),
    ("get", "/access/audit", {"patientId": PATIENT}),
    ("post", "/access/blocks", {"patientId": PATIENT, "scope": "organisation"}),
    ("get", "/access/blocks", {}),
    ("get", "/access/blocks/{block}/consent", {}),
]


@pytest.fixture
def world(ward, tromso, unn_privacy):
    permit = tromso.post("/access/requests", {"patientId": PATIENT, "holderHerId": UNN_MED_TROMSO,
                                              "purpose": "TREAT", "practitioner": TROMSO_NURSE}).json()
    block = unn_privacy.post("/access/blocks", {"patientId": "12057900499", "scope": "organisation"}).json()
    return {"doc": permit["documents"][0]["id"], "ref": permit["decisionRef"], "block": block["id"]}


def _call(caller, method, path, params, world):
    path = path.format(**world)
    params = {k: (v.format(**world) if isinstance(v, str) else v) for k, v in params.items()}
    return caller.post(path, params) if method == "post" else caller.get(path, **params)


@pytest.mark.parametrize("method,path,params", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_outsider_and_anonymous_get_nothing(world, outsider, client, method, path, params):
    assert _call(outsider, method, path, params, world).status_code in (403, 404)
    assert _call(ApiCaller(client, None), method, path, params, world).status_code == 401


@pytest.mark.parametrize("method,path,params", ROUTES[3:], ids=[f"{m} {p}" for m, p, _ in ROUTES[3:]])
def test_privacy_routes_need_the_privacy_scope(world, tromso, method, path, params):
    response = _call(tromso, method, path, params, world)
    assert response.status_code == 403 and "privacy" in response.json()["detail"]


def test_each_organisation_sees_only_its_own_privacy_records(world, client, tromso):
    from samhand.api.models import ApiClient
    from samhand.directory.models import CommunicationParty

    _c, raw = ApiClient.issue("Gerica Tromsø personvern",
                              CommunicationParty.objects.filter(her_id__in=[TROMSO_NURSING, TROMSO_CASE]),
                              scopes=("privacy",))
    tromso_privacy = ApiCaller(client, raw)
    assert tromso_privacy.get(f"/access/blocks/{world['block']}/consent").status_code == 404
    assert tromso_privacy.get("/access/blocks").json() == []
    # UNN's discharge summary was read by nobody yet; Tromsø's report holds Tromsø's own reads only.
    assert tromso.get(f"/access/documents/{world['doc']}", decisionRef=world["ref"]).status_code == 200
    report = tromso_privacy.get("/access/report", patientId=PATIENT).json()
    assert report["holderHerId"] == "8201000" and report["accesses"] == []
    # A privacy-only key cannot ask the broker for a clinician.
    assert _call(tromso_privacy, *ROUTES[0], world).status_code == 403
    # A decision reference belongs to the key that asked.
    assert tromso_privacy.get(f"/access/documents/{world['doc']}", decisionRef=world["ref"]).status_code == 403
    assert tromso.get(f"/access/documents/{uuid.uuid4()}", decisionRef=world["ref"]).status_code == 403


def test_apikey_command_scopes(seeded, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from samhand.api.models import ApiClient

    call_command("apikey", "create", "--system", "DIPS personvern", "--her-ids", UNN_MED_TROMSO,
                 "--scopes", "messages,privacy")
    call_command("apikey", "create", "--system", "DIPS", "--her-ids", UNN_MED_TROMSO)
    assert dict(ApiClient.objects.values_list("system", "scopes")) == {"DIPS personvern": "messages,privacy",
                                                                     "DIPS": "messages"}
    with pytest.raises(CommandError, match="unknown scope"):
        call_command("apikey", "create", "--system", "X", "--her-ids", UNN_MED_TROMSO, "--scopes", "root")
