"""Fixtures for the chains: the seeded registry and chain, and a movable clock.

The exchange pipeline itself calls ``track_message``/``track_apprec`` and passes MsgInfo/Type to
``capability_errors`` (registered as a type check), so the tests go through the API and the worker like an EPR.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def chains(seeded):
    from samhand.chains.seed import seed_message_types, seed_standard_chain

    seed_message_types()
    return seed_standard_chain()


class Clock:
    """The chains' clock, moved by the test (deadlines are hours and days)."""

    def __init__(self):
        self.now = timezone.now().replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)

    def set(self, when) -> None:
        self.now = when


@pytest.fixture
def clock(monkeypatch) -> Clock:
    from samhand.lib import clock as lib_clock

    fake = Clock()
    monkeypatch.setattr(lib_clock, "now", fake)
    return fake


@pytest.fixture
def warm_caches(settings):
    """The registry and chain caches on, as in production (tests run with them off)."""
    from samhand.chains.definitions import chain_cache
    from samhand.chains.registry import registry_cache

    settings.SAMHAND_DIRECTORY_CACHE_SECONDS = 10
    chain_cache.clear(), registry_cache.clear()
    yield
    chain_cache.clear(), registry_cache.clear()
