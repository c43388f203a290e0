"""The outsider (a key acting for nobody) and another organisation (Balsfjord) get 403/404 on
every deviation route; drafts are not shown to the responsible side."""

from __future__ import annotations

import pytest

from personas import UNN_MED_TROMSO

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_id(handlers, tromso):
    response = tromso.post("/deviations", {"category": "other", "title": "Test", "responsibleHerId": UNN_MED_TROMSO})
    assert response.status_code == 201
    return response.json()["id"]


ROUTES = [("get", "/deviations/{id}", None), ("get", "/deviations/{id}/breach", None),
          ("post", "/deviations/{id}/confirm", {}), ("post", "/deviations/{id}/answer", {"text": "x"}),
          ("post", "/deviations/{id}/close", {"cause": "x", "measures": "y"}),
          ("post", "/deviations/{id}/reject", {"reason": "x"}), ("post", "/deviations/{id}/notes", {"text": "x"}),
          ("post", "/deviations/{id}/breach", {"records": 5})]


def _call(caller, method, path, body):
    return caller.get(path) if method == "get" else caller.post(path, body)


def test_outsider_gets_403_everywhere(case_id, outsider):
    assert outsider.get("/deviations").status_code == 403
    assert outsider.post("/deviations", {"category": "other", "title": "x",
                                         "responsibleHerId": UNN_MED_TROMSO}).status_code == 403
    for method, path, body in ROUTES:
        assert _call(outsider, method, path.format(id=case_id), body).status_code in (403, 404), path


def test_other_organisation_gets_404_on_every_case_route(case_id, balsfjord):
    assert balsfjord.get("/deviations").json() == []
    for method, path, body in ROUTES:
        assert _call(balsfjord, method, path.format(id=case_id), body).status_code == 404, path


def test_no_key_is_401(case_id, client):
    assert client.get("/api/v1/deviations").status_code == 401
    assert client.get(f"/api/v1/deviations/{case_id}").status_code == 401


def test_drafts_are_seen_by_the_reporting_side_only(handlers, unn, tromso):
    from samhand.deviations.models import DeviationLink
    from samhand.deviations.services import create_draft
    from samhand.directory.models import Organisation
    from django.utils import timezone

    draft, created = create_draft(key="test:1", rule="test", category="other", title="Utkast", description="",
                                  reporter=Organisation.objects.get(her_id="8201000"),
                                  responsible=Organisation.objects.get(her_id="8100000"),
                                  occurred_at=timezone.now(), links=[])
    assert created and draft.state == "draft"
    assert [d["id"] for d in tromso.get("/deviations", state="draft").json()] == [str(draft.pk)]
    assert unn.get("/deviations").json() == []
    assert unn.get(f"/deviations/{draft.pk}").status_code == 404
    assert unn.post(f"/deviations/{draft.pk}/confirm", {}).status_code == 404
    confirmed = tromso.post(f"/deviations/{draft.pk}/confirm", {})
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "sent"
    assert tromso.post(f"/deviations/{draft.pk}/confirm", {}).status_code == 409
    assert [d["id"] for d in unn.get("/deviations").json()] == [str(draft.pk)]
    assert DeviationLink.objects.count() == 0


def test_the_routes_are_in_the_openapi_document(db, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/deviations", "/api/v1/deviations/{id}", "/api/v1/deviations/{id}/confirm",
                 "/api/v1/deviations/{id}/answer", "/api/v1/deviations/{id}/close", "/api/v1/deviations/{id}/reject"):
        assert path in paths, path
