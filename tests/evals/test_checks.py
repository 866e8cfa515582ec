"""Every `expect` key, passing and failing: on hand-made turn records, then end to end on the engine."""
from __future__ import annotations

import pytest

from evals.checks import CHECKS, check_turn
from evals.suite import Expect
from tests.evals.helpers import only_case, run, write_suite


def record(**over) -> dict:  # noqa: ANN003
    """A turn where the patient was positive and got one referral ask, a front-desk handoff and a tool."""
    base = {
        "n": 2, "kind": "patient", "input": "Loving it!",
        "intents": [{"intent": "referral", "confidence": 0.92}, {"intent": "positive", "confidence": 0.9}],
        "replies": [{"body": "Thank you, Maya! I've passed Dana's details to our front desk.", "asks": ["referral"],
                     "segments": 1, "disposition": "send", "verdicts": []}],
        "tools": [{"name": "record_referral", "args": {"name": "Dana"}, "ok": True, "error": None},
                  {"name": "opt_out", "args": {}, "ok": False, "error": "refused"}],
        "handoffs": [{"queue": "front_desk", "priority": "normal"}],
        "referrals": ["Dana"],
    }
    base.update(over)
    return base


HELD = [{"body": "Thanks, Maya.", "asks": [], "segments": 1, "disposition": "hold", "verdicts": []}]

CASES = [
    # (expect, record overrides, passes)
    ({"intent": "referral"}, {}, True),
    ({"intent": ["question", "referral"]}, {}, True),
    ({"intent": "positive"}, {}, False),  # positive is present but does not decide the turn
    ({"intent": "positive"}, {"intents": []}, False),
    ({"intents_include": ["positive", "referral"]}, {}, True),
    ({"intents_include": ["positive", "booking"]}, {}, False),
    ({"ask": "referral"}, {}, True),
    ({"ask": "none"}, {}, False),
    ({"ask": "none"}, {"replies": HELD}, True),
    ({"ask": "referral"}, {"replies": [dict(record()["replies"][0], disposition="hold")]}, False),  # held asks nothing
    ({"ask": "review"}, {}, False),
    ({"reply": True}, {}, True),
    ({"reply": False}, {}, False),
    ({"reply": False}, {"replies": HELD}, True),
    ({"held": True}, {"replies": HELD}, True),
    ({"held": True}, {}, False),
    ({"held": False}, {}, True),
    ({"handoff": {"queue": "front_desk"}}, {}, True),
    ({"handoff": {"queue": "front_desk", "priority": "normal"}}, {}, True),
    ({"handoff": {"queue": "front_desk", "priority": "urgent"}}, {}, False),
    ({"handoff": {"queue": "clinical"}}, {}, False),
    ({"handoff": "none"}, {}, False),
    ({"handoff": "none"}, {"handoffs": []}, True),
    ({"handoff": None}, {"handoffs": []}, True),
    ({"referrals": ["dana"]}, {}, True),  # names compare case-insensitively
    ({"referrals": []}, {}, False),
    ({"referrals": ["Dana", "Sam"]}, {}, False),
    ({"tools": ["record_referral"]}, {}, True),
    ({"tools": ["opt_out"]}, {}, False),  # refused calls did not run
    ({"not_tools": ["opt_out"]}, {}, True),
    ({"not_tools": ["record_referral"]}, {}, False),
    ({"reply_matches": "dana's details"}, {}, True),  # case-insensitive
    ({"reply_matches": ["Dana", "front desk"]}, {}, True),
    ({"reply_matches": ["Dana", "clinical team"]}, {}, False),
    ({"reply_matches": "Thanks"}, {"replies": HELD}, False),  # a held draft was not sent
    ({"reply_not_matches": "botox"}, {}, True),
    ({"reply_not_matches": ["botox", "DANA"]}, {}, False),
    ({"reply_not_matches": "Thanks"}, {"replies": HELD}, True),
]


@pytest.mark.parametrize(("expect", "over", "passes"), CASES)
def test_expect_key(expect, over, passes):
    results, failures = check_turn(Expect.model_validate(expect), record(**over))
    key = next(iter(expect))
    assert results == {key: passes}
    assert bool(failures) is not passes
    if failures:
        assert failures[0]["check"] == key and failures[0]["turn"] == 2
        assert failures[0]["message"].startswith(f"turn 2: {key} expected")


def test_every_key_is_exercised_both_ways():
    seen = {(next(iter(e)), ok) for e, _, ok in CASES}
    assert {(key, ok) for key in CHECKS for ok in (True, False)} <= seen


def test_failing_expectation_fails_the_case_end_to_end(tmp_path):
    path = write_suite(tmp_path, """
        suite: e2e
        cases:
          - id: positive
            visit: {type: neuromodulator, treatment: Botox forehead}
            turns:
              - agent: results_checkin
                expect: {reply: true, ask: none, reply_matches: "Maya"}
              - patient: "Honestly loving it!"
                expect: {intent: booking, ask: none, handoff: {queue: manager}, tools: [record_decline]}
    """)
    case = only_case(run(path))
    assert not case.passed
    assert [f["check"] for f in case.trials[0].failures] == ["intent", "ask", "handoff", "tools"]
    failure = case.trials[0].failures[0]
    assert failure["expected"] == "booking" and failure["observed"] == "positive" and failure["turn"] == 2


def test_passing_expectations_pass_end_to_end(tmp_path):
    path = write_suite(tmp_path, """
        suite: e2e
        cases:
          - id: positive
            visit: {type: neuromodulator, treatment: Botox forehead}
            turns:
              - agent: results_checkin
                expect: {reply: true, ask: none, held: false, handoff: none, reply_matches: "Maya"}
              - patient: "Honestly loving it!"
                expect: {intent: positive, intents_include: [positive], ask: referral, referrals: [], not_tools: [opt_out]}
              - patient: "My sister Dana keeps asking where I go"
                expect: {intent: referral, referrals: [Dana], tools: [record_referral], handoff: {queue: front_desk, priority: normal}, reply_not_matches: "botox"}
    """)
    case = only_case(run(path))
    assert case.passed, case.trials[0].failures
    assert set(case.trials[0].checks) >= {"intent", "ask", "reply", "held", "handoff", "referrals", "tools",
                                          "not_tools", "reply_matches", "reply_not_matches", "intents_include"}
