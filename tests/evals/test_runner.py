"""The runner: isolated cases on a fixed clock, deterministic offline, advance through the scheduler."""
from __future__ import annotations

from datetime import UTC, datetime

from agent.engine.turn import Agent
from evals import runner as runner_module
from tests.evals.helpers import failed_checks, run, write_suite

TWO_CASES = """
suite: isolation
cases:
  - id: opts-out
    patient: {phone: "+14155559999"}
    visit: {type: neuromodulator, treatment: Botox forehead}
    turns:
      - agent: results_checkin
      - patient: STOP
        expect: {intent: opt_out}
  - id: same-phone-fresh-database
    patient: {phone: "+14155559999"}
    visit: {type: neuromodulator, treatment: Botox forehead}
    turns:
      - agent: results_checkin
        expect: {reply: true}
      - patient: "Loving it!"
        expect: {intent: positive, ask: referral}
"""

JOURNEY = """
suite: journey
cases:
  - id: journey
    visit: {type: neuromodulator, treatment: Botox forehead, days_ago: 0}
    turns:
      - advance: 1d
        expect: {reply: true, ask: none}
      - advance: 13d1h
        expect: {reply: true}
      - advance: 3d
        expect: {reply: true, reply_matches: "making sure"}
      - advance: 10d
        expect: {reply: false}
"""


def _strip(result):  # noqa: ANN001, ANN202
    return [[{k: v for k, v in t.items() if k != "wall_ms"} for t in c.trials[0].turns] for c in result.cases]


def test_cases_are_isolated(tmp_path):
    result = run(write_suite(tmp_path, TWO_CASES))
    assert [c.passed for c in result.cases] == [True, True], failed_checks(result)


def test_clock_starts_at_ten_local_in_the_clinic_time_zone(tmp_path):
    la = run(write_suite(tmp_path, JOURNEY))
    ny = run(write_suite(tmp_path, JOURNEY.replace("suite: journey", "suite: journey\nclinic: {timezone: America/New_York}")))
    assert la.cases[0].trials[0].turns[0]["at"] == "2026-06-09T10:00-07:00"
    assert ny.cases[0].trials[0].turns[0]["at"] == "2026-06-09T10:00-04:00"
    assert la.cases[0].trials[0].turns[1]["until"] == "2026-06-23T11:00-07:00"
    assert runner_module.case_start("America/Los_Angeles") == datetime(2026, 6, 9, 17, 0, tzinfo=UTC)


def test_advance_sends_touches_as_they_fall_due(tmp_path):
    result = run(write_suite(tmp_path, JOURNEY))
    assert result.passed, failed_checks(result)
    assert [t["touches"] for t in result.cases[0].trials[0].turns] == [
        ["clinical_checkin"], ["results_checkin"], ["nudge"], []]


def test_skipping_idle_steps_changes_nothing(monkeypatch, tmp_path):
    """run_due is only called when a touch is due; calling it every hour must give the same transcript."""
    path = write_suite(tmp_path, JOURNEY)
    fast = run(path)
    monkeypatch.setattr(runner_module, "_next_due", lambda env: datetime(2000, 1, 1, tzinfo=UTC))
    calls = []
    real = runner_module._scheduler()
    monkeypatch.setattr(real, "run_due", lambda agent, _f=real.run_due: calls.append(1) or _f(agent))
    slow = run(path)
    assert _strip(fast) == _strip(slow)
    assert len(calls) == 24 + 13 * 24 + 1 + 3 * 24 + 10 * 24  # one call per hour stepped


def test_offline_runs_are_deterministic(tmp_path):
    path = write_suite(tmp_path, TWO_CASES)
    assert _strip(run(path)) == _strip(run(path))


def test_advance_without_a_scheduler_is_a_clear_case_failure(monkeypatch, tmp_path):
    monkeypatch.setattr(runner_module, "_scheduler", lambda: None)
    result = run(write_suite(tmp_path, JOURNEY))
    failure = result.cases[0].trials[0].failures[0]
    assert failure["check"] == "error" and "agent.outreach.scheduler" in failure["message"]


def test_an_engine_crash_fails_the_case_and_stops_it(monkeypatch, tmp_path):
    def boom(self, patient_id, body, sid=None):  # noqa: ANN001, ANN202
        raise ZeroDivisionError("engine bug")

    monkeypatch.setattr(Agent, "handle_inbound", boom)
    result = run(write_suite(tmp_path, TWO_CASES))
    trial = result.cases[1].trials[0]
    assert not result.cases[1].passed
    assert [f["check"] for f in trial.failures] == ["error"]
    assert "turn 2: the patient step raised ZeroDivisionError: engine bug" in trial.failures[0]["message"]
    assert len(trial.turns) == 2  # nothing after the crash


def test_staff_resolve_hands_the_thread_back(tmp_path):
    path = write_suite(tmp_path, """
        suite: staff
        cases:
          - id: resolve
            visit: {type: neuromodulator, treatment: Botox forehead}
            turns:
              - agent: results_checkin
              - patient: "what time do you open tomorrow?"
                expect: {handoff: {queue: front_desk}}
              - patient: "hello?"
                expect: {reply: false}
              - staff: resolve_handoffs
              - patient: "thanks, loving my results!"
                expect: {reply: true}
    """)
    assert run(path).passed
