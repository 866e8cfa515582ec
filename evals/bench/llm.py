"""The LLM path without a model's latency: the real LLMBrain (LangChain messages, bind_tools, invoke,
parsing, one-shot repair) over a scripted chat model that answers at once with what a well-behaved
model would say (the offline brain's reading of the turn, as a real AIMessage with tool calls).

Two figures come from it:
- engine overhead per turn: a whole patient turn through Agent.handle_inbound, minus the time spent
  inside the scripted model;
- model economy over the shipped eval suites: calls per patient turn, prompt and completion tokens per
  call (counted with the o200k_base tokenizer over exactly what would be sent), share of turns that
  needed a repair call.
"""
from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from agent.brains.base import BrainContext, Proposal
from agent.brains.llm.brain import LLMBrain
from agent.brains.offline.brain import OfflineBrain
from agent.policy.loader import default_policies
from agent.prompts import default_prompts


def _encoder():  # noqa: ANN202
    try:
        import bpe_openai

        return bpe_openai.get_encoding("o200k_base")
    except ImportError:  # counted as bytes / 4 instead, and reported as an estimate
        return None


class MirrorChatModel(BaseChatModel):
    """Answers instantly with the next queued AIMessage; counts tokens of every request it receives."""

    queue: list = Field(default_factory=list)
    tools: list = Field(default_factory=list)
    requests: list = Field(default_factory=list)  # (prompt tokens, completion tokens, seconds inside)
    encoder: Any = None

    @property
    def _llm_type(self) -> str:
        return "mirror"

    def bind_tools(self, tools: list, *, tool_choice: Any = None, **kwargs: Any) -> MirrorChatModel:  # noqa: ANN401
        self.tools = tools
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        started = time.perf_counter()
        answer = self.queue.pop(0) if self.queue else AIMessage(content="", tool_calls=[])
        prompt = self._count(json.dumps([{"role": m.type, "content": m.content} for m in messages]) +
                             json.dumps(self.tools))
        completion = self._count(json.dumps(answer.tool_calls))
        answer.usage_metadata = {"input_tokens": prompt, "output_tokens": completion,
                                 "total_tokens": prompt + completion}
        self.requests.append((prompt, completion, time.perf_counter() - started))
        return ChatResult(generations=[ChatGeneration(message=answer)])

    def _count(self, text: str) -> int:
        return len(self.encoder.encode(text)) if self.encoder else max(1, len(text.encode()) // 4)


class MirrorBrain(LLMBrain):
    """The real LLMBrain whose model answers what the offline brain would, instantly."""

    def __init__(self) -> None:
        policies, prompts = default_policies(), default_prompts()
        super().__init__(MirrorChatModel(encoder=_encoder()), policies, prompts, name="mirror")
        self.offline = OfflineBrain(policies, prompts)
        self.scripting_s = 0.0  # time spent deciding the scripted answer: the "model's" time, not the engine's

    def propose(self, ctx: BrainContext) -> Proposal:
        started = time.perf_counter()
        self.model.queue.append(_as_message(self.offline.propose(ctx)))
        self.scripting_s += time.perf_counter() - started
        return super().propose(ctx)

    def regenerate(self, ctx, draft, violations):  # noqa: ANN001, ANN201
        fallback = self.offline.reply_for(self.offline.propose(ctx).deciding.intent, ctx)
        self.model.queue.append(AIMessage(content="", tool_calls=[
            {"name": "rewrite", "args": {"reply": fallback}, "id": "call_rewrite", "type": "tool_call"}]))
        return super().regenerate(ctx, draft, violations)


def _as_message(proposal: Proposal) -> AIMessage:
    respond = {"name": "respond", "id": "call_respond", "type": "tool_call",
               "args": {"intents": [{"intent": s.intent.value, "confidence": round(s.confidence, 2)}
                                    for s in proposal.intents], "reply": proposal.reply}}
    actions = [{"name": c.name, "args": c.args, "id": f"call_{n}", "type": "tool_call"}
               for n, c in enumerate(proposal.tool_calls)]
    return AIMessage(content="", tool_calls=[respond, *actions])


def overhead(turns: int = 600) -> dict:
    """Time per patient turn on the LLM path, excluding the (instant) model."""
    from sqlmodel import SQLModel

    from agent.clock import FixedClock
    from agent.demo import add_patient_with_visit, ensure_demo_clinic
    from agent.engine.touches import send_touch
    from agent.engine.turn import Agent
    from agent.store.db import make_engine, session_scope
    from agent.types import VisitType

    db = make_engine("sqlite://")
    SQLModel.metadata.create_all(db)
    brain = MirrorBrain()
    agent = Agent(db, brain=brain, clock=FixedClock(datetime(2026, 3, 10, 18, tzinfo=UTC)))
    script = ("Honestly loving it!", "My sister Dana 415-555-0134 wants to come too", "thanks so much!")
    patients = max(1, turns // len(script))
    with session_scope(db) as session:
        clinic = ensure_demo_clinic(session, agent.clock.now())
        ids = [add_patient_with_visit(session, clinic, agent.clock.now(), first_name="Maya",
                                      phone=f"+1415{5570000 + n}", visit_type=VisitType.NEUROMODULATOR,
                                      days_ago=14, treatment="Botox")[0].id for n in range(patients)]
    for pid in ids:
        send_touch(agent, pid, "results_checkin")
    agent.handle_inbound(ids[0], "warm up")
    samples = []
    for text in script:
        for pid in ids:
            before, scripting = len(brain.model.requests), brain.scripting_s
            started = time.perf_counter()
            agent.handle_inbound(pid, text)
            total = time.perf_counter() - started
            inside = sum(r[2] for r in brain.model.requests[before:]) + brain.scripting_s - scripting
            samples.append((total - inside) * 1000)
    samples.sort()
    return {"turns": len(samples), "p50_ms": round(statistics.median(samples), 2),
            "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2)}


def economy() -> dict:
    """Model calls and tokens over the shipped eval suites with the mirror model."""
    from evals.runner import Runner
    from evals.suite import load_suites

    brains: list[MirrorBrain] = []

    def factory(case):  # noqa: ANN001, ANN202
        brains.append(MirrorBrain())
        return brains[-1]

    policies = default_policies()
    result = Runner(policies=policies, brain_factory=factory).run(load_suites([Path("evals/suites")], policies))
    patient_turns = [t for c in result.cases for trial in c.trials for t in trial.turns if t["kind"] == "patient"]
    model_turns = [t for t in patient_turns if t["usage"]["calls"]]
    requests = [r for b in brains for r in b.model.requests]
    calls = len(requests)
    repaired = sum(1 for t in model_turns if t["usage"]["calls"] > 1)
    prompts = [r[0] for r in requests]
    return {
        "patient_turns": len(patient_turns),
        "model_turns": len(model_turns),  # the rest were keyword, human-mode or opted-out turns: no call
        "calls": calls,
        "calls_per_patient_turn": round(calls / max(1, len(patient_turns)), 3),
        "calls_per_turn": round(calls / max(1, len(model_turns)), 3),
        "prompt_tokens_mean": round(statistics.mean(prompts)) if prompts else 0,
        "prompt_tokens_p95": sorted(prompts)[int(len(prompts) * 0.95) - 1] if prompts else 0,
        "prompt_tokens_max": max(prompts) if prompts else 0,
        "completion_tokens_mean": round(statistics.mean(r[1] for r in requests)) if requests else 0,
        "repair_share_pct": round(100 * repaired / max(1, len(model_turns)), 1),
        "tokenizer": "o200k_base" if _encoder() else "bytes/4 estimate",
        "suites_passed": sum(c.passes == len(c.trials) for c in result.cases), "cases": len(result.cases),
    }
