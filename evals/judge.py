"""The optional LLM judge: how the texts read, which exact checks cannot say. Runs only when a judge
model is configured (AFTERGLOW_JUDGE_MODEL=provider:model), answers in a pydantic schema through
structured output, and is reported apart: it never changes whether a case passed.

Judged: tone (a person at the front desk, not a campaign) and, when there is one, whether the referral
ask was natural.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from evals.checks import sent
from evals.results import CaseResult

__all__ = ["JUDGE_ENV", "JudgeVerdict", "Judge", "JudgeConfigError", "make_judge_model", "judge_from_env"]

JUDGE_ENV = "AFTERGLOW_JUDGE_MODEL"
TEMPLATES = Path(__file__).resolve().parent / "templates"


class JudgeConfigError(ValueError):
    """The judge model spec cannot be built in this installation."""


class JudgeVerdict(BaseModel):
    """What the judge must answer (the structured-output schema)."""

    tone_score: int = Field(ge=1, le=5, description="1 = reads like a campaign or a bot, 5 = a person at the front desk")
    tone_ok: bool = Field(description="true when tone_score is 4 or 5")
    referral_ask_present: bool = Field(description="a clinic message invited the patient to refer someone")
    referral_ask_natural: bool | None = Field(
        default=None, description="one light, optional, well-timed ask; null when there was no referral ask")
    rationale: str = Field(max_length=600, description="one or two sentences")


def make_judge_model(spec: str) -> BaseChatModel:
    """A chat model from 'provider:model' (langchain's init_chat_model when installed, else ChatOpenAI)."""
    provider, _, name = (spec or "").strip().partition(":")
    if not provider or not name:
        raise JudgeConfigError(f"judge model {spec!r}: use provider:model, e.g. openai:gpt-4o-mini")
    try:
        from langchain.chat_models import init_chat_model  # type: ignore[import-not-found]
    except ImportError:
        init_chat_model = None
    try:
        if init_chat_model is not None:
            return init_chat_model(name, model_provider=provider, temperature=0)
        if provider == "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(model=name, temperature=0)
    except Exception as exc:  # noqa: BLE001 - a configuration problem, reported as one
        raise JudgeConfigError(f"judge model {spec!r} could not be set up: {type(exc).__name__}: {exc}") from None
    raise JudgeConfigError(f"judge provider {provider!r} is not available: only langchain-openai is installed "
                           "(use openai:<model>, or install langchain for init_chat_model's other providers)")


class Judge:
    def __init__(self, model: BaseChatModel, spec: str = "") -> None:
        self.model = model
        self.spec = spec or getattr(model, "model_name", "") or type(model).__name__
        env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined, trim_blocks=True,
                          lstrip_blocks=True, autoescape=False)
        self._system = env.get_template("judge_system.j2").render().strip()
        self._transcript = env.get_template("judge_transcript.j2")
        try:
            self._structured = model.with_structured_output(JudgeVerdict, include_raw=True)
        except NotImplementedError:
            raise JudgeConfigError(f"judge model {self.spec!r} does not support structured output") from None

    def assess(self, case: CaseResult, clinic: str = "a medical spa") -> dict:
        """The judged checks for one case (its representative trial); never raises."""
        lines = _lines(case.representative.turns)
        if not any(line["who"] == "CLINIC" for line in lines):
            return {"tone": "n/a", "referral_ask": "n/a", "rationale": "the clinic sent nothing to judge",
                    "usage": {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "latency_ms": 0.0}}
        messages = [SystemMessage(self._system),
                    HumanMessage(self._transcript.render(clinic=clinic, lines=lines).strip())]
        started = time.perf_counter()
        try:
            answer = self._structured.invoke(messages)
        except Exception as exc:  # noqa: BLE001 - the judge is advisory: a failure is reported, not raised
            return {"tone": "error", "referral_ask": "error", "rationale": f"judge call failed: {type(exc).__name__}",
                    "usage": {"calls": 1, "prompt_tokens": 0, "completion_tokens": 0,
                              "latency_ms": round((time.perf_counter() - started) * 1000, 2)}}
        usage = _usage(answer.get("raw"), started)
        verdict: JudgeVerdict | None = answer.get("parsed")
        if verdict is None:
            return {"tone": "error", "referral_ask": "error", "usage": usage,
                    "rationale": "the judge's answer did not match the schema"}
        if verdict.referral_ask_present:
            referral = "pass" if verdict.referral_ask_natural else "fail"
        else:
            referral = "n/a"
        return {"tone": "pass" if verdict.tone_ok else "fail", "tone_score": verdict.tone_score,
                "referral_ask": referral, "rationale": verdict.rationale, "usage": usage}


def judge_from_env(environ: dict | None = None) -> Judge | None:
    """The configured judge, or None when AFTERGLOW_JUDGE_MODEL is unset (judged checks are skipped)."""
    spec = (environ if environ is not None else os.environ).get(JUDGE_ENV, "").strip()
    if not spec:
        return None
    return Judge(make_judge_model(spec), spec)


def _lines(turns: list[dict]) -> list[dict]:
    lines = []
    for turn in turns:
        if turn["kind"] == "patient":
            lines.append({"who": "PATIENT", "text": turn["input"]})
        for reply in sent(turn):
            lines.append({"who": "CLINIC", "text": reply["body"]})
    return lines


def _usage(raw: object, started: float) -> dict:
    meta = getattr(raw, "usage_metadata", None) or {}
    return {"calls": 1, "prompt_tokens": int(meta.get("input_tokens", 0)),
            "completion_tokens": int(meta.get("output_tokens", 0)),
            "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
