"""LLMBrain: the Brain contract over any LangChain chat model that can call tools.

One model call per patient turn: the action tools and a required `respond` tool are bound together,
so the model gives its reading (intents), its actions and its draft in a single answer. The brain
only proposes: the engine runs the tools in code and the guard chain decides what is sent.

Failures: transient ones (429, 5xx, timeouts, connection) are retried by RetryPolicy; after that,
or on any other failure or a malformed answer, propose() raises ModelCallFailed and the engine
answers the turn with the offline brain (marked fell_back). regenerate() makes exactly one call and
never raises: on any failure it returns None and the repair loop moves on to the offline template.
LangSmith/LangChain tracing is switched off around every call: traces are a PHI leak path.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langsmith import tracing_context

from agent.brains.base import BrainContext, Proposal, Usage
from agent.brains.llm.messages import fill_phone, repair_messages, turn_messages
from agent.brains.llm.parse import MalformedAnswer, read_answer, read_rewrite
from agent.brains.llm.retry import RetryPolicy
from agent.brains.llm.tools import rewrite_tool, turn_tools
from agent.policy.schema import Policies
from agent.prompts import PromptLibrary
from agent.types import GuardVerdict

log = logging.getLogger("afterglow.brain")


class ModelCallFailed(RuntimeError):
    """The model gave no usable answer this turn. `usage` counts the calls that were made."""

    def __init__(self, reason: str, usage: Usage) -> None:
        super().__init__(reason)
        self.usage = usage


class LLMBrain:
    def __init__(self, model: BaseChatModel, policies: Policies, prompts: PromptLibrary, *, name: str,
                 retry: RetryPolicy | None = None) -> None:
        self.model = model
        self.policies = policies
        self.prompts = prompts
        self.name = name[:80]  # Turn.brain
        self.retry = retry or RetryPolicy()

    def propose(self, ctx: BrainContext) -> Proposal:
        messages = turn_messages(ctx, self.prompts, self.policies)
        usage = Usage()
        started = time.perf_counter()

        def count() -> None:
            usage.calls += 1

        try:
            bound = self.model.bind_tools(turn_tools(ctx.stage), tool_choice="required")
            answer = self.retry.run(lambda: _untraced(bound.invoke, messages), on_attempt=count)
        except Exception as exc:
            usage.latency_ms = _ms_since(started)
            raise ModelCallFailed(f"{type(exc).__name__} after {usage.calls} call(s)", usage) from exc
        usage.latency_ms = _ms_since(started)
        _add_tokens(usage, answer)
        try:
            read = read_answer(answer, self.policies.intents.precedence)
        except MalformedAnswer as exc:
            log.warning("model %s gave a malformed answer: %s", self.name, exc)
            raise ModelCallFailed(f"malformed answer: {exc}", usage) from exc
        return Proposal(intents=read.intents, tool_calls=read.tool_calls, reply=fill_phone(read.reply, ctx),
                        brain=self.name, usage=usage)

    def regenerate(self, ctx: BrainContext, draft: str, violations: list[GuardVerdict]) -> tuple[str | None, Usage]:
        """One call naming the broken policies. `draft` is deliberately not sent back (see messages.py)."""
        usage = Usage(calls=1)
        started = time.perf_counter()
        try:
            bound = self.model.bind_tools([rewrite_tool()], tool_choice="required")
            answer = _untraced(bound.invoke, repair_messages(ctx, violations, self.prompts, self.policies))
        except Exception as exc:  # noqa: BLE001 - the repair loop goes on to the offline template
            log.warning("model %s failed to regenerate (%s)", self.name, type(exc).__name__)
            usage.latency_ms = _ms_since(started)
            return None, usage
        usage.latency_ms = _ms_since(started)
        _add_tokens(usage, answer)
        return fill_phone(read_rewrite(answer), ctx), usage


def _untraced(invoke: Callable[[list], object], messages: list) -> object:
    """Patient text never goes to a tracing service, whatever LANGSMITH_TRACING says."""
    with tracing_context(enabled=False):
        return invoke(messages)


def _add_tokens(usage: Usage, message: object) -> None:
    if not isinstance(message, AIMessage):
        return
    meta = message.usage_metadata or {}
    usage.prompt_tokens += int(meta.get("input_tokens") or 0)
    usage.completion_tokens += int(meta.get("output_tokens") or 0)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
