"""The one tool a patient turn binds, `respond`, as a strict JSON schema generated from the code.

- The actions are a tagged union inside `respond`: one variant per tool in agent.tools.TOOLS allowed at
  the stage, each its pydantic args model plus `tool` (the tag). Names, descriptions and fields come
  from the ToolSpec, so the model is offered exactly what the tool layer will validate.
- Strict (OpenAI structured outputs, also what vLLM and llama.cpp turn into a grammar): every object
  has additionalProperties false and lists every property as required; an optional field is nullable
  (`X or null`), `reply` included. Only keywords every strict implementation accepts are kept
  (type, properties, required, additionalProperties, enum, anyOf, items, description): length and
  range limits are dropped from what the model sees, and the pydantic models still enforce them.
- Generated once per stage and cached: schema generation costs milliseconds, a turn must not pay it.
"""
from __future__ import annotations

import json
from functools import lru_cache

from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

from agent.brains.llm.schema import ACTION_TAG, RESPOND, REWRITE, IntentChoice, Respond, Rewrite
from agent.tools import TOOLS
from agent.types import Stage

# Schema keywords a strict tool schema may carry. Anything else (title, default, minLength, maximum,
# $defs, ...) is dropped at schema positions only: a *property* called "title" or "default" is data.
KEPT_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "enum", "anyOf", "items",
                           "description"})


def _compact(node: object) -> object:
    """A JSON schema reduced to KEPT_KEYWORDS, recursively. The names under `properties` are field
    names, never keywords, so they are all kept whatever they are called."""
    if isinstance(node, list):
        return [_compact(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict = {}
    for key, value in node.items():
        if key not in KEPT_KEYWORDS:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _compact(schema) for name, schema in value.items()}
        else:
            out[key] = _compact(value)
    options = out.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = next(o for o in options if o != {"type": "null"})
        if isinstance(other, dict) and set(other) == {"type"} and isinstance(other["type"], str):
            # `X or null` said the short way, {"type": ["string", "null"]}: fewer prompt tokens.
            del out["anyOf"]
            out["type"] = [other["type"], "null"]
    return out


def _strict(node: object) -> object:
    """Every object closed and every property required (strict mode). A field that was optional keeps
    its schema if it already allows null, and is otherwise still required: the model fills it in."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: (_strict(value) if key != "properties" else {n: _strict(s) for n, s in value.items()})
           for key, value in node.items()}
    if out.get("type") == "object":
        out.setdefault("properties", {})
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def model_schema(model: type[BaseModel]) -> dict:
    """A pydantic model as a strict, compact JSON schema (refs inlined by LangChain's conversion)."""
    return _strict(_compact(convert_to_openai_tool(model)["function"]["parameters"]))


def _action_variants(names: tuple[str, ...]) -> list[dict]:
    """One variant per tool with arguments; the tools without any share one variant whose tag lists
    them all (the same union, in fewer prompt tokens)."""
    variants, bare = [], []
    for name in names:
        spec = TOOLS[name]
        schema = model_schema(spec.args_model)
        if not schema["properties"]:
            bare.append(spec)
            continue
        schema["properties"] = {ACTION_TAG: {"type": "string", "enum": [name]}, **schema["properties"]}
        schema["required"] = list(schema["properties"])
        variants.append({"description": spec.description, **schema})
    if bare:
        variants.append({"description": " ".join(f"{s.name}: {s.description}" for s in bare), "type": "object",
                         "properties": {ACTION_TAG: {"type": "string", "enum": [s.name for s in bare]}},
                         "required": [ACTION_TAG], "additionalProperties": False})
    return variants


def _function(name: str, description: str, parameters: dict) -> dict:
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters,
                                             "strict": True}}


def allowed_actions(stage: Stage) -> tuple[str, ...]:
    """The tools (agent.tools.TOOLS) allowed at `stage`, in the registry's order."""
    return tuple(spec.name for spec in TOOLS.values() if stage not in spec.forbidden_stages)


# A self-hosted server (llama.cpp, vLLM) turns the schema into a grammar that it enforces token by token, so
# bounds help a small model stop: a few intents, a few actions, confidence from a short scale, strings no
# longer than a reply can be. api.openai.com's strict mode refuses some of these keywords: only `bounded`
# schemas carry them.
CONFIDENCES = [0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0]
MAX_INTENTS, MAX_ACTIONS = 2, 2
MAX_REPLY, MAX_FIELD = 240, 80  # a reply fits two segments; an action's text fields are short notes


def _bounded(node: object) -> object:
    if isinstance(node, list):
        return [_bounded(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: (_bounded(value) if key != "properties" else {n: _bounded(s) for n, s in value.items()})
           for key, value in node.items()}
    kinds = out.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "string" in kinds and "enum" not in out:
        out["maxLength"] = MAX_FIELD
    if "array" in kinds:
        out["maxItems"] = MAX_ACTIONS
    return out


@lru_cache(maxsize=32)
def _respond_json(stage: Stage, bounded: bool = False) -> str:
    properties: dict = {"intents": {"type": "array", "items": model_schema(IntentChoice)}}
    names = allowed_actions(stage)
    if names:  # a closed thread offers no action at all, not an empty union
        properties["actions"] = {"type": "array", "items": {"anyOf": _action_variants(names)}}
    properties["reply"] = {"type": ["string", "null"]}
    parameters = {"type": "object", "properties": properties, "required": list(properties),
                  "additionalProperties": False}
    if bounded:
        parameters = _bounded(parameters)
        intents = parameters["properties"]["intents"]
        intents["maxItems"] = MAX_INTENTS
        intents["items"]["properties"]["confidence"] = {"type": "number", "enum": CONFIDENCES}
        parameters["properties"]["reply"]["maxLength"] = MAX_REPLY
    return json.dumps(_function(RESPOND, " ".join((Respond.__doc__ or "").split()), parameters))


@lru_cache(maxsize=1)
def _rewrite_json() -> str:
    return json.dumps(_function(REWRITE, Rewrite.__doc__ or "", model_schema(Rewrite)))


def respond_tool(stage: Stage, *, bounded: bool = False) -> dict:
    """The strict `respond` tool for a turn at `stage` (a fresh copy: callers may change it); `bounded`
    adds the grammar bounds a self-hosted server enforces."""
    return json.loads(_respond_json(stage, bounded))


def rewrite_tool() -> dict:
    return json.loads(_rewrite_json())


def turn_tools(stage: Stage) -> list[dict]:
    """Everything bound for a patient turn: `respond` alone, the actions inside it."""
    return [respond_tool(stage)]
