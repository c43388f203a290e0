"""A valid API key is remembered for a few seconds (no key lookup per request); a revoked key
still stops working within SAMHAND_API_KEY_CACHE_SECONDS, and at once in the revoking process."""

from __future__ import annotations

import pytest

from samhand.api import models as api_models
from samhand.api.models import ApiClient

from personas import TROMSO_CASE, TROMSO_NURSING


@pytest.fixture
def cached(settings):
    settings.SAMHAND_API_KEY_CACHE_SECONDS = 5
    api_models.forget_keys()
    yield
    api_models.forget_keys()


class Clock:
    def __init__(self, monkeypatch):
        self.now = 1000.0
        monkeypatch.setattr(api_models.time, "monotonic", lambda: self.now)


def test_a_valid_key_costs_no_query_while_remembered(cached, tromso, django_assert_num_queries):
    assert tromso.get("/messages", receiverHerIds=TROMSO_NURSING).status_code == 200
    with django_assert_num_queries(1):  # the inbox itself; no key, no HER-id lookup
        assert tromso.get("/messages", receiverHerIds=TROMSO_NURSING).status_code == 200


def test_revocation_elsewhere_takes_effect_within_the_cache_time(cached, tromso, monkeypatch):
    clock = Clock(monkeypatch)
    assert tromso.get("/messages", receiverHerIds=TROMSO_CASE).status_code == 200
    # Revoked by another process (the `apikey revoke` command): this process still remembers it…
    ApiClient.objects.filter(system="Gerica Tromsø").update(active=False)
    clock.now += 4.0
    assert tromso.get("/messages", receiverHerIds=TROMSO_CASE).status_code == 200
    # …for at most SAMHAND_API_KEY_CACHE_SECONDS.
    clock.now += 1.5
    response = tromso.get("/messages", receiverHerIds=TROMSO_CASE)
    assert response.status_code == 401, response.content
    clock.now += 100
    assert tromso.get("/messages", receiverHerIds=TROMSO_CASE).status_code == 401  # never remembered as valid


def test_revocation_in_this_process_takes_effect_at_once(cached, tromso):
    assert tromso.get("/messages", receiverHerIds=TROMSO_CASE).status_code == 200
    ApiClient.objects.get(system="Gerica Tromsø").revoke()
    assert tromso.get("/messages", receiverHerIds=TROMSO_CASE).status_code == 401


def test_unknown_keys_are_not_remembered(cached, client, seeded):
    from apicaller import ApiCaller

    stranger = ApiCaller(client, "shk_" + "x" * 43)
    assert stranger.get("/messages", receiverHerIds=TROMSO_CASE).status_code == 401
    assert api_models._cache == {}
