"""Tool schemas for the model, generated from agent.tools.TOOLS and the answer models in schema.py.

Names and descriptions come from the ToolSpec, parameters from its pydantic args model, so the model
is offered exactly what the tool layer will validate. Tools a stage forbids are not offered (the tool
layer still refuses them if the model calls them anyway).
"""
from __future__ import annotations

import json
from functools import lru_cache

from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from agent.brains.llm.schema import RESPOND, REWRITE, Respond, Rewrite
from agent.tools import TOOLS
from agent.types import Stage


@lru_cache(maxsize=64)
def _schema(name: str, description: str, model: type[BaseModel]) -> str:
    # Generated once per tool: pydantic's JSON schema and LangChain's conversion cost milliseconds a turn.
    return json.dumps(_build(name, description, model))


def _tool(name: str, description: str, model: type[BaseModel]) -> dict:
    return json.loads(_schema(name, description, model))  # a fresh copy: callers may not share it


def _build(name: str, description: str, model: type[BaseModel]) -> dict:
    parameters = _compact(convert_to_openai_tool(model)["function"]["parameters"])
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}


def _compact(node: object) -> object:
    """Fewer prompt tokens, same meaning for the model: `X or null` becomes an optional X and
    defaults are dropped (the args model still applies them, and still validates everything)."""
    if isinstance(node, list):
        return [_compact(item) for item in node]
    if not isinstance(node, dict):
        return node
    options = node.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o != {"type": "null"}]
        if len(kept) == 1 and len(kept) < len(options):
            merged = {k: v for k, v in node.items() if k != "anyOf"}
            merged.update(kept[0])
            node = merged
    return {key: _compact(value) for key, value in node.items() if key not in ("default", "title")}


def action_tools(stage: Stage) -> list[dict]:
    """The action tools (agent.tools.TOOLS) allowed at `stage`, in the registry's order."""
    return [_tool(spec.name, spec.description, spec.args_model)
            for spec in TOOLS.values() if stage not in spec.forbidden_stages]


def respond_tool() -> dict:
    return _tool(RESPOND, Respond.__doc__ or "", Respond)


def rewrite_tool() -> dict:
    return _tool(REWRITE, Rewrite.__doc__ or "", Rewrite)


def turn_tools(stage: Stage) -> list[dict]:
    """Everything bound for a patient turn: `respond` first, then the actions."""
    return [respond_tool(), *action_tools(stage)]
