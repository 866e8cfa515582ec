"""pass^k as tau-bench defines it (C(c,k)/C(n,k), suite = mean over cases), repeats, tokens and cost."""
from __future__ import annotations

import itertools

import pytest

from agent.types import Intent
from evals.results import CaseResult, SuiteResult, TrialResult, pass_hat_k
from tests.evals.helpers import only_case, run, write_suite
from tests.fakes import ScriptedBrain, proposal


def test_pass_hat_k_hand_computed():
    assert pass_hat_k(3, 5, 1) == pytest.approx(0.6)
    assert pass_hat_k(3, 5, 2) == pytest.approx(0.3)  # C(3,2)/C(5,2) = 3/10
    assert pass_hat_k(3, 5, 3) == pytest.approx(0.1)  # 1/10
    assert pass_hat_k(3, 5, 4) == 0.0
    assert pass_hat_k(5, 5, 5) == 1.0
    assert pass_hat_k(0, 4, 1) == 0.0
    assert pass_hat_k(4, 8, 2) == pytest.approx(6 / 28)


def test_pass_hat_k_refuses_impossible_values():
    with pytest.raises(ValueError):
        pass_hat_k(2, 3, 4)
    with pytest.raises(ValueError):
        pass_hat_k(4, 3, 1)


def _case(outcomes: list[bool]) -> CaseResult:
    trials = [TrialResult([], [] if ok else [{"check": "x"}], {}, {}, 0.0) for ok in outcomes]
    return CaseResult("s", "c", "", trials)


def test_case_and_suite_values_are_means_over_cases():
    flaky, solid = _case([True, False, True, False, True]), _case([True] * 5)
    assert flaky.pass_hat() == pytest.approx({1: 0.6, 2: 0.3, 3: 0.1, 4: 0.0, 5: 0.0})
    assert not flaky.passed and solid.passed
    suite = SuiteResult("s", "s.yaml", [flaky, solid])
    assert suite.pass_hat() == pytest.approx({1: 0.8, 2: 0.65, 3: 0.55, 4: 0.5, 5: 0.5})


def test_repeat_on_a_nondeterministic_brain(tmp_path):
    path = write_suite(tmp_path, """
        suite: flaky
        cases:
          - id: positive
            visit: {type: neuromodulator, treatment: Botox forehead}
            turns:
              - agent: results_checkin
              - patient: "Loving it!"
                expect: {intent: positive}
    """)
    labels = itertools.cycle([Intent.POSITIVE, Intent.NEUTRAL, Intent.POSITIVE])

    def factory(case):  # noqa: ANN001, ANN202
        return ScriptedBrain(proposal(next(labels), "Thanks, Maya! Good to hear."))

    result = run(path, brain_factory=factory, model="openai:gpt-4o-mini", repeat=3)
    case = only_case(result)
    assert [t.passed for t in case.trials] == [True, False, True]
    assert case.pass_hat() == pytest.approx({1: 2 / 3, 2: 1 / 3, 3: 0.0})
    assert result.pass_hat() == pytest.approx({1: 2 / 3, 2: 1 / 3, 3: 0.0})
    usage = result.usage()
    assert (usage["calls"], usage["prompt_tokens"], usage["completion_tokens"]) == (3, 300, 60)
    assert result.cost() == pytest.approx((300 * 0.15 + 60 * 0.60) / 1e6)
    assert not result.passed


def test_offline_costs_nothing_and_unknown_models_have_no_price(tmp_path):
    path = write_suite(tmp_path, """
        suite: s
        cases:
          - id: c
            turns:
              - patient: HELP
    """)
    assert run(path).cost() == 0.0
    brain = lambda case: ScriptedBrain(proposal(Intent.HELP, "hi"))  # noqa: E731
    assert run(path, brain_factory=brain, model="acme:brainy-1").cost() is None
