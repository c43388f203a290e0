"""The decision rules as a table (docs/access.md has the same table)."""

from __future__ import annotations

import pytest

from samhand.access.rules import DENY, EMERGENCY_ONLY, PERMIT, RULES, Facts, decide

NURSE = {"role": "sykepleier", "hpr": "9144889"}
BASE = dict(purpose="TREAT", reason="", holder_known=True, same_organisation=False, care_relation=True,
            blocked=False, **NURSE)
REASON = "Bevisstløs pasient i akuttmottaket"

TABLE = [
    # changes from BASE                                       outcome          rule
    ({},                                                       PERMIT,          "care-relation"),
    ({"purpose": "COORD"},                                     PERMIT,          "care-relation"),
    ({"care_relation": False},                                 DENY,            "no-care-relation"),
    ({"purpose": "PEEK"},                                      DENY,            "unknown-purpose"),
    ({"holder_known": False},                                  DENY,            "unknown-holder"),
    ({"role": "sekretær"},                                     DENY,            "not-health-personnel"),
    ({"hpr": ""},                                              DENY,            "not-health-personnel"),
    ({"hpr": "12ab"},                                          DENY,            "not-health-personnel"),
    ({"role": "Lege"},                                         PERMIT,          "care-relation"),
    ({"same_organisation": True},                              DENY,            "own-organisation"),
    ({"blocked": True},                                        EMERGENCY_ONLY,  "blocked"),
    ({"blocked": True, "care_relation": False},                EMERGENCY_ONLY,  "blocked"),
    ({"purpose": "EMERGENCY"},                                 DENY,            "emergency-without-reason"),
    ({"purpose": "EMERGENCY", "reason": "akutt"},              DENY,            "emergency-without-reason"),
    ({"purpose": "EMERGENCY", "reason": REASON},               PERMIT,          "emergency"),
    ({"purpose": "EMERGENCY", "reason": REASON, "blocked": True}, PERMIT,       "emergency"),
    ({"purpose": "EMERGENCY", "reason": REASON, "care_relation": False}, PERMIT, "emergency"),
    ({"purpose": "EMERGENCY", "reason": REASON, "role": "sekretær"}, DENY,      "not-health-personnel"),
]


@pytest.mark.parametrize("changes,outcome,rule", TABLE, ids=[r for _c, _o, r in TABLE])
def test_decision_table(changes, outcome, rule):
    decided = decide(Facts(**{**BASE, **changes}))
    assert (decided.outcome, decided.rule) == (outcome, rule)
    assert decided.emergency == (rule == "emergency")
    assert decided.explanation


def test_every_rule_is_reachable_and_explained():
    reached = {rule for _c, _o, rule in TABLE}
    assert reached == {r.code for r in RULES}
