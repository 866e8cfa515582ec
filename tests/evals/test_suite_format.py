"""The suite format is a public contract: valid suites load, invalid ones fail with the file, case and turn."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from agent.policy.loader import default_policies
from evals.suite import SuiteError, load_suite, load_suites, parse_duration
from tests.evals.helpers import write_suite

VALID = """
suite: demo
clinic: {name: Glow Aesthetics, timezone: America/Los_Angeles}
cases:
  - id: happy-path
    patient: {first_name: Maya, marketing_consent: true}
    visit: {type: neuromodulator, treatment: Botox, days_ago: 14}
    turns:
      - agent: results_checkin
        expect: {ask: none}
      - patient: "Honestly loving it!"
        expect: {intent: positive, ask: referral}
      - patient: "My sister Dana keeps asking where I go"
        expect: {intent: [referral, positive], referrals: [Dana], handoff: {queue: front_desk}}
      - advance: 30d
        expect: {reply: false, handoff: none}
      - staff: resolve_handoffs
"""


def _error(tmp_path: Path, text: str) -> str:
    path = write_suite(tmp_path, text)
    with pytest.raises(SuiteError) as caught:
        load_suite(path, default_policies())
    return str(caught.value)


def test_the_issue_example_loads_with_defaults(tmp_path):
    loaded = load_suite(write_suite(tmp_path, VALID), default_policies())
    case = loaded.model.cases[0]
    assert loaded.name == "demo"
    assert [t.kind for t in case.turns] == ["agent", "patient", "patient", "advance", "staff"]
    assert [i.value for i in case.turns[2].expect.intent] == ["referral", "positive"]
    assert case.turns[1].expect.given() == ["intent", "ask"]
    assert case.turns[3].expect.handoff == "none"
    assert case.patient.phone is None and case.visit.days_ago == 14
    assert loaded.model.clinic.clinic_settings().sender_name == "Glow Aesthetics"


def test_defaults_when_clinic_patient_and_days_are_absent(tmp_path):
    loaded = load_suite(write_suite(tmp_path, """
        suite: bare
        cases:
          - id: one
            visit: {type: facial}
            turns:
              - patient: hi
    """), default_policies())
    assert loaded.model.clinic.name == "Glow Aesthetics"
    assert loaded.model.clinic.timezone == "America/Los_Angeles"
    assert loaded.model.cases[0].visit.days_ago == 14
    assert loaded.model.cases[0].patient.first_name == "Maya"


def test_unknown_expect_key_names_file_case_and_turn(tmp_path):
    message = _error(tmp_path, VALID.replace("expect: {intent: positive, ask: referral}",
                                             "expect: {intnet: positive, ask: referral}"))
    assert "suite.yaml" in message and "case 'happy-path'" in message and "turn 2" in message
    assert "expect.intnet" in message and "unknown key" in message


def test_unknown_intent_label(tmp_path):
    message = _error(tmp_path, VALID.replace("intent: positive,", "intent: delighted,"))
    assert "case 'happy-path'" in message and "turn 2" in message and "expect.intent" in message


def test_bad_ask_kind_and_bad_queue(tmp_path):
    assert "expect.ask" in _error(tmp_path, VALID.replace("ask: referral}", "ask: coupon}"))
    assert "queue" in _error(tmp_path, VALID.replace("queue: front_desk", "queue: reception"))


def test_turn_with_two_kinds(tmp_path):
    message = _error(tmp_path, VALID.replace("- advance: 30d", "- advance: 30d\n        patient: hi"))
    assert "turn 4" in message and "exactly one of patient / agent / advance / staff" in message


def test_empty_turn(tmp_path):
    message = _error(tmp_path, VALID.replace("      - staff: resolve_handoffs", "      - expect: {reply: true}"))
    assert "turn 5" in message and "exactly one of" in message


def test_intent_on_a_touch_turn_is_refused(tmp_path):
    message = _error(tmp_path, VALID.replace("expect: {ask: none}", "expect: {intent: positive}"))
    assert "turn 1" in message and "only applies to patient turns" in message


@pytest.mark.parametrize("value", ["30", "1w", "-2d", "0d", "d"])
def test_bad_durations(tmp_path, value):
    message = _error(tmp_path, VALID.replace("advance: 30d", f"advance: '{value}'"))
    assert "turn 4" in message and "advance" in message


def test_durations():
    assert parse_duration("30d") == timedelta(days=30)
    assert parse_duration("12h") == timedelta(hours=12)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("1d6h") == timedelta(days=1, hours=6)


def test_touch_must_exist_for_the_visit_type(tmp_path):
    message = _error(tmp_path, VALID.replace("agent: results_checkin", "agent: consult_followup"))
    assert "case 'happy-path' turn 1" in message and "neuromodulator has no touch 'consult_followup'" in message


def test_nudges_are_accepted(tmp_path):
    text = VALID.replace("agent: results_checkin", "agent: results_checkin_nudge")
    assert load_suite(write_suite(tmp_path, text), default_policies())
    text = VALID.replace("agent: results_checkin", "agent: nudge")
    assert load_suite(write_suite(tmp_path, text), default_policies())


def test_touch_needs_a_visit(tmp_path):
    message = _error(tmp_path, """
        suite: s
        cases:
          - id: no-visit
            turns:
              - agent: results_checkin
    """)
    assert "case 'no-visit' turn 1" in message and "needs the case to have a visit" in message


def test_duplicate_case_ids(tmp_path):
    text = VALID + VALID.split("cases:\n", 1)[1]
    assert "case id 'happy-path' is used twice" in _error(tmp_path, text)


def test_bad_regex_is_caught_at_load(tmp_path):
    message = _error(tmp_path, VALID.replace("expect: {ask: none}", "expect: {reply_matches: '(unclosed'}"))
    assert "turn 1" in message and "not a valid regular expression" in message


def test_unknown_time_zone_and_clinic_setting(tmp_path):
    assert "unknown time zone" in _error(tmp_path, VALID.replace("America/Los_Angeles", "Mars/Olympus"))
    message = _error(tmp_path, VALID.replace("timezone: America/Los_Angeles}",
                                             "timezone: America/Los_Angeles, settings: {segment_bugdet: 1}}"))
    assert "clinic.settings" in message and "segment_bugdet" in message


def test_unknown_top_level_and_case_keys(tmp_path):
    assert "owner: unknown key" in _error(tmp_path, "owner: me\n" + VALID)
    message = _error(tmp_path, VALID.replace("    patient: {first_name: Maya", "    tags: [x]\n    patient: {first_name: Maya"))
    assert "case 'happy-path': tags: unknown key" in message


def test_invalid_yaml_names_the_line(tmp_path):
    message = _error(tmp_path, "suite: x\ncases:\n  - id: a\n    turns: [\n")
    assert "suite.yaml" in message and "not valid YAML" in message


def test_not_a_mapping(tmp_path):
    assert "a suite is a mapping" in _error(tmp_path, "- just\n- a list\n")


def test_directories_expand_and_suite_names_must_be_unique(tmp_path):
    write_suite(tmp_path, VALID, "a.yaml")
    write_suite(tmp_path, VALID, "b.yaml")
    with pytest.raises(SuiteError, match="suite name 'demo' is also used"):
        load_suites([tmp_path], default_policies())
    (tmp_path / "b.yaml").unlink()
    assert [s.name for s in load_suites([tmp_path], default_policies())] == ["demo"]


def test_missing_path_and_empty_directory(tmp_path):
    with pytest.raises(SuiteError, match="no such file"):
        load_suites([tmp_path / "nope.yaml"], default_policies())
    with pytest.raises(SuiteError, match="no suite files"):
        load_suites([tmp_path], default_policies())


def test_every_error_in_every_file_is_reported_at_once(tmp_path):
    write_suite(tmp_path, VALID.replace("ask: referral}", "ask: coupon}"), "a.yaml")
    write_suite(tmp_path, VALID.replace("suite: demo", "suite: other").replace("advance: 30d", "advance: soon"), "b.yaml")
    with pytest.raises(SuiteError) as caught:
        load_suites([tmp_path], default_policies())
    assert "a.yaml" in str(caught.value) and "b.yaml" in str(caught.value)
