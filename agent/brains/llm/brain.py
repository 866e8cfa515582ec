"""LLMBrain: the Brain contract over any LangChain chat model that can call tools.

One strict call per patient turn: a single `respond` tool (intents, actions as a tagged union, reply)
is bound and forced by name, with parallel tool calls off. The brain only proposes: the engine runs
the actions in code and the guard chain decides what is sent.

A server that refuses a forced tool choice (llama.cpp-based servers answer 500, some others 400 or
422) is detected on the first such refusal while forcing has never worked for this brain: the same
turn is tried again at once with tool_choice="auto", and when that succeeds the brain remembers it
and never forces again. Without forcing, an answer with no usable `respond` gets exactly one more call
asking for it (prompts/system/respond_again.j2); a `respond` object written as text is accepted.

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
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable
from langsmith import tracing_context

from agent.brains.base import BrainContext, Proposal, Usage
from agent.brains.llm.messages import fill_phone, repair_messages, respond_again_messages, turn_messages
from agent.brains.llm.parse import MalformedAnswer, read_answer, read_rewrite
from agent.brains.llm.retry import RetryPolicy, TryOtherwise
from agent.brains.llm.schema import RESPOND, REWRITE
from agent.brains.llm.tools import respond_tool, rewrite_tool
from agent.policy.schema import Policies
from agent.prompts import PromptLibrary
from agent.types import GuardVerdict, Stage

log = logging.getLogger("afterglow.brain")

FORCED = "forced"  # tool_choice = {"type": "function", "function": {"name": <the tool>}}
AUTO = "auto"  # tool_choice = "auto": for servers that refuse a forced choice
# Statuses with which servers refuse a forced tool choice they do not support. Only believed while
# forcing has never worked for this brain; afterwards they are ordinary failures.
REFUSAL_STATUSES = frozenset({400, 422, 500})


class ModelCallFailed(RuntimeError):
    """The model gave no usable answer this turn. `usage` counts the calls that were made."""

    def __init__(self, reason: str, usage: Usage) -> None:
        super().__init__(reason)
        self.usage = usage


def refuses_forced_choice(exc: BaseException) -> bool:
    """An HTTP error of the kind a server gives for a tool_choice it cannot honour."""
    return getattr(exc, "status_code", None) in REFUSAL_STATUSES


class LLMBrain:
    # propose() waits on a model over the network with the GIL released: the engine reads the text for its
    # safety checks on a worker meanwhile (agent/engine/reading.py).
    remote = True

    def __init__(self, model: BaseChatModel, policies: Policies, prompts: PromptLibrary, *, name: str,
                 retry: RetryPolicy | None = None, bounded: bool = False) -> None:
        self.model = model
        self.policies = policies
        self.prompts = prompts
        self.name = name[:80]  # Turn.brain
        self.retry = retry or RetryPolicy()
        self.bounded = bounded  # a self-hosted server: the respond schema carries grammar bounds (tools.py)
        self.tool_choice = FORCED  # becomes AUTO, for good, once the server is seen refusing a forced choice
        self.forced_works = False  # a forced call has succeeded: a later 400/500 is not a refusal
        # Bound runnables by (tool, stage, choice): binding converts schemas, a turn must not pay for it.
        self._bound: dict[tuple[str, Stage | None, str], Runnable] = {}
        # parallel_tool_calls is an OpenAI chat-completions parameter; other integrations may pass it on raw.
        self._openai_wire = any(c.__module__.startswith("langchain_openai") for c in type(model).__mro__)

    def propose(self, ctx: BrainContext) -> Proposal:
        messages = turn_messages(ctx, self.prompts, self.policies)
        precedence = self.policies.intents.precedence
        usage = Usage()
        started = time.perf_counter()
        try:
            answer, choice = self._call(RESPOND, ctx.stage, messages, usage)
            try:
                read = read_answer(answer, precedence, text_ok=choice == AUTO)
            except MalformedAnswer:
                if choice != AUTO:
                    raise  # a forced, strict call that still came back wrong: no second chance
                again = self._once(RESPOND, ctx.stage, AUTO, respond_again_messages(messages, self.prompts), usage)
                read = read_answer(again, precedence, text_ok=True)
        except MalformedAnswer as exc:
            usage.latency_ms = _ms_since(started)
            log.warning("model %s gave a malformed answer: %s", self.name, exc)
            raise ModelCallFailed(f"malformed answer: {exc}", usage) from exc
        except Exception as exc:
            usage.latency_ms = _ms_since(started)
            raise ModelCallFailed(f"{type(exc).__name__} after {usage.calls} call(s)", usage) from exc
        usage.latency_ms = _ms_since(started)
        return Proposal(intents=read.intents, tool_calls=read.tool_calls, reply=fill_phone(read.reply, ctx),
                        brain=self.name, usage=usage)

    def regenerate(self, ctx: BrainContext, draft: str, violations: list[GuardVerdict]) -> tuple[str | None, Usage]:
        """One call naming the broken policies. `draft` is deliberately not sent back (see messages.py)."""
        usage = Usage()
        started = time.perf_counter()
        choice = self.tool_choice
        try:
            answer = self._once(REWRITE, None, choice, repair_messages(ctx, violations, self.prompts, self.policies),
                                usage)
        except Exception as exc:  # noqa: BLE001 - the repair loop goes on to the offline template
            log.warning("model %s failed to regenerate (%s)", self.name, type(exc).__name__)
            usage.latency_ms = _ms_since(started)
            return None, usage
        usage.latency_ms = _ms_since(started)
        return fill_phone(read_rewrite(answer, text_ok=choice == AUTO), ctx), usage

    # ------------------------------------------------------------------ calls

    def _call(self, tool: str, stage: Stage | None, messages: list[BaseMessage], usage: Usage) -> tuple[AIMessage, str]:
        """One answer under the retry policy; (answer, the tool choice that produced it)."""
        started_with = self.tool_choice
        choice = [started_with]

        def attempt() -> AIMessage:
            usage.calls += 1
            current = choice[0]
            try:
                return self._invoke(tool, stage, current, messages, usage)
            except Exception as exc:
                if current == FORCED and not self.forced_works and refuses_forced_choice(exc):
                    choice[0] = AUTO  # the next attempt, at once, without forcing
                    raise TryOtherwise from exc
                raise

        answer = self.retry.run(attempt)
        if choice[0] == FORCED:
            self.forced_works = True
        elif started_with == FORCED:
            self.tool_choice = AUTO
            log.warning("model %s: the server refused a forced tool choice; using tool_choice=auto from now on",
                        self.name)
        return answer, choice[0]

    def _once(self, tool: str, stage: Stage | None, choice: str, messages: list[BaseMessage], usage: Usage) -> AIMessage:
        """Exactly one call, no retries (repairs)."""
        usage.calls += 1
        return self._invoke(tool, stage, choice, messages, usage)

    def _invoke(self, tool: str, stage: Stage | None, choice: str, messages: list[BaseMessage],
                usage: Usage) -> AIMessage:
        answer = _untraced(self._bind(tool, stage, choice).invoke, messages)
        _add_tokens(usage, answer)
        return answer

    def _bind(self, tool: str, stage: Stage | None, choice: str) -> Runnable:
        key = (tool, stage, choice)
        bound = self._bound.get(key)
        if bound is None:
            schema = respond_tool(stage, bounded=self.bounded) if tool == RESPOND else rewrite_tool()
            extra = {"parallel_tool_calls": False} if self._openai_wire else {}
            bound = self.model.bind_tools([schema], tool_choice=tool if choice == FORCED else "auto", **extra)
            self._bound[key] = bound
        return bound


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
