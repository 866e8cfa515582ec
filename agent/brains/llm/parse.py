"""The model's AIMessage -> (intents, tool calls, draft reply), defensively.

- `respond` must be called exactly once with valid arguments (known intents, confidence 0-1);
  otherwise the answer is malformed. Where the server could not force the call (tool_choice=auto),
  a `respond` object written as the message text is accepted too (`text_ok`): small self-hosted
  models often write the JSON instead of calling the tool.
- The actions come from `respond.actions` (each item tagged with its `tool`) and, for models that call
  the action tools directly, from any other tool call. Every one is passed on faithfully, invented
  names and bad arguments included, so the tool layer refuses it and the turn row records the
  refusal. An action that cannot be read becomes a call with one argument the tool layer is sure to
  refuse: it must never run as if it had been called with no arguments.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from langchain_core.messages import AIMessage
from pydantic import ValidationError

from agent.brains.llm.schema import ACTION_TAG, RESPOND, REWRITE, IntentChoice, Respond, Rewrite
from agent.tools import TOOLS
from agent.types import Intent, IntentScore, ToolCall

UNPARSEABLE = "unparseable_arguments"
# Intents the model is reasonably sure of are kept, ordered by the policy's precedence (the first
# decides the turn). A passing guess is dropped: the engine acts on some intents whatever their
# confidence (opt_out stops all texts), so "opt_out 0.2" must not reach it. Weak safety readings stay,
# and decide at low confidence, which holds the reply for staff.
STRONG = 0.5
KEEP_WHEN_WEAK = frozenset({Intent.URGENT, Intent.CONCERN})
_FENCED = re.compile(r"^\s*```(?:json)?\s*(\{.*\})\s*```\s*$", re.DOTALL)


class MalformedAnswer(ValueError):
    """The model answered, but not in the required shape. The message names fields, never values."""


@dataclass(frozen=True)
class Answer:
    intents: tuple[IntentScore, ...]
    tool_calls: tuple[ToolCall, ...]
    reply: str | None


def read_answer(message: AIMessage, precedence: list[Intent], *, text_ok: bool = False) -> Answer:
    if not isinstance(message, AIMessage):
        raise MalformedAnswer(f"expected an AIMessage, got {type(message).__name__}")
    responds: list[object] = []
    calls: list[ToolCall] = []
    for call in message.tool_calls:
        args = call.get("args")
        if call["name"] == RESPOND:
            responds.append(args)
        elif isinstance(args, dict):
            calls.append(ToolCall(call["name"], dict(args), call.get("id") or ""))
        else:
            calls.append(ToolCall(call["name"], {UNPARSEABLE: True}, call.get("id") or ""))
    for bad in message.invalid_tool_calls:
        if bad.get("name") == RESPOND:
            raise MalformedAnswer("respond arguments are not valid JSON")
        calls.append(ToolCall(bad.get("name") or "", {UNPARSEABLE: True}, bad.get("id") or ""))
    if not responds and text_ok:
        written = _respond_in_text(message.content)
        if written is not None:
            responds.append(written)
    if len(responds) != 1:
        raise MalformedAnswer(f"{len(responds)} respond calls; exactly one is required")
    try:
        respond = Respond.model_validate(responds[0])
    except ValidationError as exc:
        raise MalformedAnswer("respond arguments: " + _fields(exc)) from None
    actions = tuple(action_call(item, n) for n, item in enumerate(respond.actions))
    return Answer(order_intents(respond.intents, precedence), actions + tuple(calls), respond.reply)


def action_call(item: object, index: int) -> ToolCall:
    """One item of `respond.actions` as a ToolCall for the tool layer. Strict mode makes the model fill
    every field, so an unused optional one arrives as null: dropped, and the args model's default
    applies. A null in a required field stays, and the tool layer refuses the call."""
    call_id = f"action_{index}"
    if not isinstance(item, dict) or not isinstance(item.get(ACTION_TAG), str):
        name = item.get(ACTION_TAG) if isinstance(item, dict) else None
        return ToolCall(name if isinstance(name, str) else "", {UNPARSEABLE: True}, call_id)
    name = item[ACTION_TAG]
    spec = TOOLS.get(name)
    args = {k: v for k, v in item.items() if k != ACTION_TAG}
    if spec is not None:
        fields = spec.args_model.model_fields
        args = {k: v for k, v in args.items() if not (v is None and k in fields and not fields[k].is_required())}
    return ToolCall(name, args, call_id)


def read_rewrite(message: AIMessage, *, text_ok: bool = False) -> str | None:
    """The rewritten reply, or None when the model did not give one in the required shape."""
    if not isinstance(message, AIMessage):
        return None
    candidates = [call.get("args") for call in message.tool_calls if call["name"] == REWRITE]
    if not candidates and text_ok:
        candidates = [_json_object(message.content)]
    for args in candidates[:1]:
        try:
            return Rewrite.model_validate(args).reply
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


def _respond_in_text(content: object) -> dict | None:
    """A respond object the model wrote as text: {"intents": ...} or {"name": "respond", "arguments": ...}."""
    data = _json_object(content)
    if data is None:
        return None
    for key in ("arguments", "parameters", "args"):
        inner = data.get(key)
        if data.get("name") == RESPOND and isinstance(inner, dict):
            return inner
    return data if "intents" in data else None


def _json_object(content: object) -> dict | None:
    if not isinstance(content, str):
        return None
    text = content.strip()
    fenced = _FENCED.match(text)
    if fenced:
        text = fenced.group(1)
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _fields(exc: ValidationError) -> str:
    # Locations and error types only: the values are the model's text.
    return "; ".join(sorted({f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['type']}" for e in exc.errors()}))
