"""A real open-weights model behind a real OpenAI-compatible server (`make test-model` starts one).

Every test here is marked `model` and skipped unless AFTERGLOW_TEST_MODEL_URL names the server's /v1;
with AFTERGLOW_REQUIRE_MODEL=1 (set by scripts/model_server.py, so in CI) a missing server fails them.
The tests assert what must hold whatever a small model says (guards, obligations, fallback, usage on
the turn row, no crash), never its wording. Figures over every real turn (model calls per turn,
fell_back share, latency per turn, tokens) are printed at the end and written to
$AFTERGLOW_MODEL_FIGURES (default var/model/figures.json).
"""
from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from agent.brains.factory import make_brain
from agent.brains.llm import LLMBrain
from agent.engine.result import TurnResult
from agent.engine.turn import Agent
from agent.policy.loader import default_policies
from agent.policy.schema import ClinicSettings
from agent.prompts import default_prompts
from agent.store.models import Clinic, Message, Patient, Visit
from evals.invariants import InvariantChecker, Msg, Violation

MODEL_URL = os.environ.get("AFTERGLOW_TEST_MODEL_URL", "").strip()
MODEL = os.environ.get("AFTERGLOW_TEST_MODEL", "openai:gemma-3-270m").strip()
REQUIRED = os.environ.get("AFTERGLOW_REQUIRE_MODEL") == "1"
ROOT = Path(__file__).resolve().parents[2]
FIGURES_PATH = Path(os.environ.get("AFTERGLOW_MODEL_FIGURES", ROOT / "var" / "model" / "figures.json"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.parent != here:
            continue
        item.add_marker(pytest.mark.model)
        if not MODEL_URL and not REQUIRED:
            item.add_marker(pytest.mark.skip(reason="no model server (AFTERGLOW_TEST_MODEL_URL; `make test-model`)"))


@pytest.fixture(autouse=True)
def _model_server_required() -> None:
    if not MODEL_URL:  # only reached with AFTERGLOW_REQUIRE_MODEL=1: the server was meant to be there
        pytest.fail("AFTERGLOW_REQUIRE_MODEL=1 but AFTERGLOW_TEST_MODEL_URL is not set")


@pytest.fixture(autouse=True)
def _model_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server is self-hosted: no OpenAI key, no other base URL leaking in from the shell."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "AFTERGLOW_MODEL_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def model_brain() -> LLMBrain:
    brain = make_brain(MODEL, default_policies(), default_prompts(), base_url=MODEL_URL)
    assert isinstance(brain, LLMBrain)
    return brain


@pytest.fixture
def model_agent(db: sa.Engine, clock, model_brain: LLMBrain) -> Agent:  # noqa: ANN001
    return Agent(db, brain=model_brain, clock=clock)


@dataclass
class Exchange:
    request: dict
    response: dict | None  # None: the server answered with an error status


def record_wire(brain: LLMBrain) -> list[Exchange]:
    """Every chat-completions request the brain's ChatOpenAI sends, and the server's JSON answer, read
    off the SDK's own httpx client (event hooks), so what is checked is what crossed the socket."""
    exchanges: list[Exchange] = []
    http = brain.model.root_client._client  # the openai SDK's httpx.Client

    def on_response(response) -> None:  # noqa: ANN001 - an httpx.Response
        if not response.request.url.path.endswith("/chat/completions"):
            return
        response.read()
        body = response.json() if response.status_code == 200 else None
        exchanges.append(Exchange(json.loads(response.request.content), body))

    http.event_hooks = {**http.event_hooks, "response": [*http.event_hooks["response"], on_response]}
    return exchanges


# ------------------------------------------------------------------ figures over every real turn


@dataclass
class Figures:
    turns: list[dict] = field(default_factory=list)

    def record(self, source: str, *, brain: str, fell_back: bool, wall_ms: float, usage: dict) -> None:
        if not usage.get("calls"):
            return  # keyword and human-mode turns never call the model: not a model turn
        self.turns.append({"source": source, "brain": brain, "fell_back": fell_back, "wall_ms": round(wall_ms, 1),
                           **{k: usage[k] for k in ("calls", "prompt_tokens", "completion_tokens")}})

    def summary(self) -> dict:
        turns = self.turns
        if not turns:
            return {"turns": 0}
        calls = sum(t["calls"] for t in turns)
        answered = [t for t in turns if not t["fell_back"]]
        wall = sorted(t["wall_ms"] for t in turns)
        return {
            "turns": len(turns),
            "model_calls_per_turn": round(calls / len(turns), 2),
            "fell_back_share": round(sum(t["fell_back"] for t in turns) / len(turns), 3),
            "turn_latency_ms_p50": round(statistics.median(wall)),
            "turn_latency_ms_p95": round(wall[max(0, -(-len(wall) * 95 // 100) - 1)]),
            "prompt_tokens_per_call": round(sum(t["prompt_tokens"] for t in turns) / max(1, calls)),
            "completion_tokens_per_call": round(sum(t["completion_tokens"] for t in turns) / max(1, calls)),
            "answered_by_model": len(answered),
        }


FIGURES = Figures()


def talk(agent: Agent, patient_id: int, text: str, *, source: str = "engine") -> TurnResult:
    """One real patient turn, timed and counted in the figures."""
    started = time.perf_counter()
    result = agent.handle_inbound(patient_id, text)
    FIGURES.record(source, brain=result.brain, fell_back=result.fell_back,
                   wall_ms=(time.perf_counter() - started) * 1000, usage=result.usage)
    return result


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    if not FIGURES.turns:
        return
    summary = FIGURES.summary()
    FIGURES_PATH.parent.mkdir(parents=True, exist_ok=True)
    FIGURES_PATH.write_text(json.dumps({"model": MODEL, "summary": summary, "turns": FIGURES.turns}, indent=2))
    terminalreporter.section(f"real model figures: {MODEL}")
    for key, value in summary.items():
        terminalreporter.write_line(f"{key:28} {value}")
    terminalreporter.write_line(f"{'written to':28} {FIGURES_PATH}")


# ------------------------------------------------------------------ what went out, re-read


def violations(engine: sa.Engine, patient_id: int) -> list[Violation]:
    """Every text this patient got, re-read by the eval invariants (PHI, one ask, segments, opt-out,
    referral timing) with the shipped policies, whatever the guards decided at the time."""
    with Session(engine) as s:
        patient = s.get(Patient, patient_id)
        clinic = s.get(Clinic, patient.clinic_id)
        visit = s.exec(select(Visit).where(Visit.patient_id == patient_id)).first()
        rows = list(s.exec(select(Message).where(Message.patient_id == patient_id).order_by(Message.id)))
    checker = InvariantChecker(default_policies(), ClinicSettings.model_validate(clinic.settings),
                               treatment=visit.treatment if visit else "", first_name=patient.first_name,
                               clinic_name=clinic.name, review_link=clinic.review_link)
    found: list[Violation] = []
    for row in rows:
        found += checker.feed(Msg(direction=row.direction, body=row.body, conversation_id=row.conversation_id,
                                  kind=row.kind, intents=tuple((i["intent"], float(i["confidence"]))
                                                               for i in row.intents or [])))
    return found
