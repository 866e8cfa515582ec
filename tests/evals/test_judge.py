"""The optional LLM judge, with langchain's fake chat models (never a real model, never the network)."""
from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from rich.console import Console
from typer.testing import CliRunner

from evals import judge as judge_module
from evals.cli import app
from evals.judge import Judge, JudgeConfigError, judge_from_env, make_judge_model
from evals.reports import report_dict
from evals.terminal import print_summary
from tests.evals.helpers import run, write_suite

SUITE = """
suite: judged
cases:
  - id: asked
    visit: {type: neuromodulator, treatment: Botox forehead}
    turns:
      - agent: results_checkin
      - patient: "Honestly loving it!"
        expect: {intent: positive}
  - id: wrong-on-purpose
    visit: {type: neuromodulator, treatment: Botox forehead}
    turns:
      - agent: results_checkin
      - patient: "Honestly loving it!"
        expect: {intent: unhappy}
  - id: silent
    visit: {type: neuromodulator, treatment: Botox forehead}
    patient: {sms_consent: false}
    turns:
      - agent: results_checkin
"""


class FakeJudgeModel(GenericFakeChatModel):
    """A fake chat model that accepts tools, so structured output runs its real tool-calling path."""

    seen: list = []

    def bind_tools(self, tools, **kwargs):  # noqa: ANN001, ANN003, ANN201
        return self

    def _generate(self, messages, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        self.seen.append(messages)
        return super()._generate(messages, *args, **kwargs)


def verdict(**args) -> AIMessage:  # noqa: ANN003
    body = {"tone_score": 5, "tone_ok": True, "referral_ask_present": True, "referral_ask_natural": True,
            "rationale": "Warm, short, one optional ask."} | args
    return AIMessage(content="", tool_calls=[{"name": "JudgeVerdict", "args": body, "id": "call_1"}],
                     usage_metadata={"input_tokens": 200, "output_tokens": 30, "total_tokens": 230})


def fake(*answers: AIMessage) -> FakeJudgeModel:
    return FakeJudgeModel(messages=iter(answers), seen=[])


def test_no_judge_unless_configured():
    assert judge_from_env({}) is None
    assert judge_from_env({"AFTERGLOW_JUDGE_MODEL": "  "}) is None


def test_openai_judge_is_built_without_calling_it(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    model = make_judge_model("openai:gpt-4o-mini")
    assert type(model).__name__ == "ChatOpenAI" and model.model_name == "gpt-4o-mini"
    assert judge_from_env({"AFTERGLOW_JUDGE_MODEL": "openai:gpt-4o-mini"}).spec == "openai:gpt-4o-mini"


def test_clear_errors_for_unusable_judges(monkeypatch):
    with pytest.raises(JudgeConfigError, match="provider:model"):
        make_judge_model("gpt-4o")
    with pytest.raises(JudgeConfigError, match="judge provider 'anthropic' is not available"):
        make_judge_model("anthropic:claude")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(JudgeConfigError, match="could not be set up"):
        make_judge_model("openai:gpt-4o-mini")
    with pytest.raises(JudgeConfigError, match="does not support structured output"):
        Judge(GenericFakeChatModel(messages=iter([])), "fake")


def test_judged_checks_are_kept_apart_from_exact_ones(tmp_path):
    model = fake(verdict(), verdict(tone_score=2, tone_ok=False, referral_ask_natural=False,
                                    rationale="Reads like a promo blast."))
    result = run(write_suite(tmp_path, SUITE), judge=Judge(model, "fake:judge"))
    asked, wrong, silent = result.cases
    assert asked.passed and asked.judge["tone"] == "pass" and asked.judge["referral_ask"] == "pass"
    assert not wrong.passed  # the exact check still fails however the judge scored it
    assert wrong.judge["tone"] == "fail" and wrong.judge["referral_ask"] == "fail"
    assert silent.judge["tone"] == "n/a" and silent.judge["usage"]["calls"] == 0
    assert len(model.seen) == 2  # nothing to judge, no call
    system, human = model.seen[0]
    assert "front desk" in system.content and "referral" in system.content
    assert "PATIENT: Honestly loving it!" in human.content and "CLINIC: Hi Maya" in human.content
    assert result.judge_usage["calls"] == 2 and result.judge_usage["prompt_tokens"] == 400
    report = report_dict(result)
    assert report["judge"]["model"] == "fake:judge" and report["cases"][0]["judge"]["tone_score"] == 5
    assert report["usage"]["calls"] == 0  # the judge's tokens are not the agent's
    console = Console(record=True, width=200, color_system=None)
    print_summary(result, console)
    out = console.export_text()
    assert "Judged checks by fake:judge" in out and "Reads like a promo blast." in out


def test_answer_outside_the_schema_is_an_error_not_a_crash(tmp_path):
    result = run(write_suite(tmp_path, SUITE), case_filter="asked",
                 judge=Judge(fake(verdict(tone_score=9)), "fake"))
    assert result.cases[0].judge["tone"] == "error" and result.cases[0].passed


def test_judge_failure_is_reported_not_raised(tmp_path):
    class Broken(FakeJudgeModel):
        def _generate(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            raise TimeoutError("slow")

    result = run(write_suite(tmp_path, SUITE), case_filter="asked", judge=Judge(Broken(messages=iter([])), "x"))
    assert result.cases[0].judge["tone"] == "error" and "TimeoutError" in result.cases[0].judge["rationale"]


def test_cli_runs_the_judge_when_configured(monkeypatch, tmp_path):
    model = fake(verdict(), verdict())
    monkeypatch.setattr(judge_module, "make_judge_model", lambda spec: model)
    path = write_suite(tmp_path, SUITE.split("  - id: wrong-on-purpose")[0])
    result = CliRunner().invoke(app, ["run", str(path), "--report", str(tmp_path / "out")],
                                env={"AFTERGLOW_JUDGE_MODEL": "openai:fake", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Judged checks by openai:fake" in result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["cases"][0]["judge"]["tone"] == "pass"
    assert "Judged checks" in (tmp_path / "out" / "report.html").read_text()
