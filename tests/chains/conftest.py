"""Fixtures for the chains: the seeded registry and chain, a movable clock, and the wiring shim.

The exchange pipeline calls ``track_message``/``track_apprec`` and passes MsgInfo/Type to
``capability_errors`` once the lead has wired them (see docs/chains.md). Until then,
``exchange_wiring`` does the same from the outside, and does nothing once the calls are in place.
"""

from __future__ import annotations

import inspect
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
    from samhand.chains import clock as chains_clock

    fake = Clock()
    monkeypatch.setattr(chains_clock, "now", fake)
    return fake


def _source(*modules) -> str:
    return "".join(inspect.getsource(m) for m in modules)


@pytest.fixture(autouse=True)
def exchange_wiring(monkeypatch):
    """Stand-in for the lead's wiring of the chains into the exchange pipeline (no-op once wired)."""
    from samhand import kith
    from samhand.chains.tracking import track_apprec, track_message
    from samhand.exchange import apprec, checks, deliver, inbound, store, submit

    pipeline = _source(submit, inbound, deliver, apprec, store)
    if "track_message" not in pipeline:
        def tracking(original):
            def store_and_track(*args, **kwargs):
                message = original(*args, **kwargs)
                if not message.is_apprec:
                    track_message(message, kith.parse_msghead(kith.parse_xml(kwargs["raw"])))
                return message
            return store_and_track

        monkeypatch.setattr(submit, "store_message", tracking(submit.store_message))
        monkeypatch.setattr(inbound, "store_message", tracking(inbound.store_message))
    if "track_apprec" not in pipeline:
        original_correlate = deliver.correlate

        def correlate_and_track(apprec_message):
            original_correlate(apprec_message)
            original = apprec_message.original
            if original is not None and original.deliveries.filter(apprec=apprec_message).exists():
                track_apprec(original, apprec_message.apprec_status)

        monkeypatch.setattr(deliver, "correlate", correlate_and_track)
    if "msghead.msg_type)" not in inspect.getsource(checks.check_msghead):
        def typed(original):
            def check(root):
                checked = original(root)
                if checked.kind is not None:
                    untyped = {e.text for e in checks.capability_errors(checked.recipients, checked.kind)}
                    checked.errors = [e for e in checked.errors if e.text not in untyped]
                    checked.errors += checks.capability_errors(checked.recipients, checked.kind,
                                                               checked.msghead.msg_type)
                return checked
            return check

        monkeypatch.setattr(submit, "check_msghead", typed(submit.check_msghead))
        monkeypatch.setattr(inbound, "check_msghead", typed(inbound.check_msghead))
