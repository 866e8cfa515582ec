"""The model's AIMessage -> (intents, tool calls, draft reply), defensively.

- `respond` must be called exactly once with valid arguments (known intents, confidence 0-1);
  otherwise the answer is malformed and the whole turn falls back to the offline brain.
- Every other tool call is passed on faithfully, invented names and bad arguments included, so the
  tool layer refuses it and the turn row records the refusal. A call whose arguments are not JSON
  becomes a call with one argument the tool layer is sure to refuse: it must never run as if it
  had been called with no arguments.
"""
from __future__ import annotations

from dataclasses import dataclass

from langchain_core.messages import AIMessage
from pydantic import ValidationError

from agent.brains.llm.schema import RESPOND, REWRITE, IntentChoice, Respond, Rewrite
from agent.types import Intent, IntentScore, ToolCall

UNPARSEABLE = "unparseable_arguments"
# Intents the model is reasonably sure of are kept, ordered by the policy's precedence (the first
# decides the turn). A passing guess is dropped: the engine acts on some intents whatever their
# confidence (opt_out stops all texts), so "opt_out 0.2" must not reach it. Weak safety readings stay,
# and decide at low confidence, which holds the reply for staff.
STRONG = 0.5
KEEP_WHEN_WEAK = frozenset({Intent.URGENT, Intent.CONCERN})


class MalformedAnswer(ValueError):
    """The model answered, but not in the required shape. The message names fields, never values."""


@dataclass(frozen=True)
class Answer:
    intents: tuple[IntentScore, ...]
    tool_calls: tuple[ToolCall, ...]
    reply: str | None


def read_answer(message: AIMessage, precedence: list[Intent]) -> Answer:
    if not isinstance(message, AIMessage):
        raise MalformedAnswer(f"expected an AIMessage, got {type(message).__name__}")
    responds: list[dict] = []
    calls: list[ToolCall] = []
    for call in message.tool_calls:
        args = call.get("args")
        if call["name"] == RESPOND:
            responds.append(args if isinstance(args, dict) else {})
        elif isinstance(args, dict):
            calls.append(ToolCall(call["name"], dict(args), call.get("id") or ""))
        else:
            calls.append(ToolCall(call["name"], {UNPARSEABLE: True}, call.get("id") or ""))
    for bad in message.invalid_tool_calls:
        if bad.get("name") == RESPOND:
            raise MalformedAnswer("respond arguments are not valid JSON")
        calls.append(ToolCall(bad.get("name") or "", {UNPARSEABLE: True}, bad.get("id") or ""))
    if len(responds) != 1:
        raise MalformedAnswer(f"{len(responds)} respond calls; exactly one is required")
    try:
        respond = Respond.model_validate(responds[0])
    except ValidationError as exc:
        raise MalformedAnswer("respond arguments: " + _fields(exc)) from None
    return Answer(order_intents(respond.intents, precedence), tuple(calls), respond.reply)


def read_rewrite(message: AIMessage) -> str | None:
    """The rewritten reply, or None when the model did not give one in the required shape."""
    if not isinstance(message, AIMessage):
        return None
    for call in message.tool_calls:
        if call["name"] == REWRITE:
            try:
                return Rewrite.model_validate(call.get("args")).reply
            except ValidationError:
                return None
    return None


def order_intents(choices: list[IntentChoice], precedence: list[Intent]) -> tuple[IntentScore, ...]:
    best: dict[Intent, float] = {}
    for choice in choices:
        best[choice.intent] = max(best.get(choice.intent, 0.0), choice.confidence)
    kept = [i for i, c in best.items() if c >= STRONG or i in KEEP_WHEN_WEAK]
    if not kept:  # nothing it is sure of: its best guess decides, at low confidence
        kept = [max(best, key=best.__getitem__)]
    rank = {intent: n for n, intent in enumerate(precedence)}
    return tuple(IntentScore(i, best[i]) for i in sorted(kept, key=rank.__getitem__))


def _fields(exc: ValidationError) -> str:
    # Locations and error types only: the values are the model's text.
    return "; ".join(sorted({f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['type']}" for e in exc.errors()}))
