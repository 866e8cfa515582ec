"""`afterglow eval run` (evals.cli:app): exit codes, reports, and a readable failure when a guard is off."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from agent.guards import chain
from agent.types import GuardPolicy, GuardVerdict, Intent
from evals import runner as runner_module
from evals.cli import app
from tests.evals.helpers import write_suite
from tests.fakes import ScriptedBrain, proposal

PASSING = """
suite: cli
cases:
  - id: happy
    visit: {type: neuromodulator, treatment: Botox forehead}
    turns:
      - agent: results_checkin
      - patient: "Honestly loving it!"
        expect: {intent: positive, ask: referral}
"""
ENV = {"COLUMNS": "200", "AFTERGLOW_JUDGE_MODEL": ""}


def invoke(*args: str, env: dict | None = None):  # noqa: ANN201
    return CliRunner().invoke(app, ["run", *args], env={**ENV, **(env or {})})


def test_passing_suite_exits_0_and_writes_reports(tmp_path):
    path = write_suite(tmp_path, PASSING)
    result = invoke(str(path), "--report", str(tmp_path / "out"), "--junit", str(tmp_path / "ci" / "junit.xml"))
    assert result.exit_code == 0, result.output
    assert "1/1 cases passed" in result.output
    assert json.loads((tmp_path / "out" / "report.json").read_text())["cases"][0]["passed"] is True
    assert (tmp_path / "out" / "report.html").read_text().startswith("<!doctype html>")
    assert ET.parse(tmp_path / "ci" / "junit.xml").getroot().get("failures") == "0"


def test_failing_case_exits_1(tmp_path):
    path = write_suite(tmp_path, PASSING.replace("intent: positive", "intent: unhappy"))
    result = invoke(str(path))
    assert result.exit_code == 1
    assert "FAIL cli / happy" in result.output and "intent expected unhappy, observed positive" in result.output


def test_repeat_reports_pass_hat_k(tmp_path):
    result = invoke(str(write_suite(tmp_path, PASSING)), "--repeat", "3")
    assert result.exit_code == 0 and "pass^3" in result.output


def test_invalid_suite_exits_2_naming_file_case_and_turn(tmp_path):
    path = write_suite(tmp_path, PASSING.replace("ask: referral", "akс: referral"))
    result = invoke(str(path))
    assert result.exit_code == 2
    assert "invalid suite" in result.output and "case 'happy': turn 2: expect" in result.output


def test_missing_path_exits_2(tmp_path):
    assert invoke(str(tmp_path / "nope")).exit_code == 2


def test_unknown_model_exits_2(tmp_path):
    result = invoke(str(write_suite(tmp_path, PASSING)), "--model", "acme:brainy-9000")
    assert result.exit_code == 2 and "acme:brainy-9000" in result.output
    assert invoke(str(write_suite(tmp_path, PASSING)), "--model", "nonsense").exit_code == 2


def test_judge_configured_for_an_unavailable_provider_exits_2(tmp_path):
    result = invoke(str(write_suite(tmp_path, PASSING)), env={"AFTERGLOW_JUDGE_MODEL": "acme:judge"})
    assert result.exit_code == 2 and "judge provider 'acme' is not available" in result.output


def test_case_filter(tmp_path):
    path = write_suite(tmp_path, PASSING)
    assert invoke(str(path), "-k", "hap").exit_code == 0
    result = invoke(str(path), "-k", "zzz")
    assert result.exit_code == 1 and "no cases matched" in result.output


def test_guard_off_and_misbehaving_brain_fail_with_a_readable_report(monkeypatch, tmp_path):
    """The issue's done-when: with a guard disabled the run fails and the report names the broken invariant."""
    monkeypatch.setattr(chain, "check_phi", lambda text, ctx: GuardVerdict(GuardPolicy.PHI, False))
    leaky = proposal(Intent.POSITIVE, "So glad your Botox worked out, Maya!")
    monkeypatch.setattr(runner_module, "model_brain_factory",
                        lambda model, policies, prompts: (lambda case: ScriptedBrain(leaky)))
    path = write_suite(tmp_path, PASSING.replace("ask: referral", "reply: true"))
    result = invoke(str(path), "--report", str(tmp_path / "out"), "--junit", str(tmp_path / "junit.xml"))
    assert result.exit_code == 1
    assert "turn 2: invariant phi broken" in result.output
    assert "So glad your Botox worked out, Maya!" in result.output  # the transcript around the failure
    assert "invariant.phi" in result.output  # the per-check table
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["cases"][0]["failures"][0]["check"] == "invariant.phi"
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    assert junit.find("testsuite/testcase/failure").get("type") == "invariant.phi"
