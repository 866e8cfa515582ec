"""The OpenAI chat-completions wire format, as the real API sends it (for respx mocks)."""
from __future__ import annotations

import itertools
import json

import httpx

COMPLETIONS = "https://api.openai.com/v1/chat/completions"
_ids = itertools.count(1)


def tool_call(name: str, args: dict | str) -> dict:
    """One entry of choices[0].message.tool_calls; a str is sent as the raw arguments text."""
    arguments = args if isinstance(args, str) else json.dumps(args)
    return {"id": f"call_{next(_ids)}", "type": "function", "function": {"name": name, "arguments": arguments}}


def respond(reply: str | None, *intents: tuple[str, float], actions: list[dict] | None = None) -> dict:
    """The one `respond` call; `actions` are its tagged union items (omitted: an older, non-strict answer)."""
    intents = intents or (("positive", 0.95),)
    args: dict = {"intents": [{"intent": i, "confidence": c} for i, c in intents]}
    if actions is not None:
        args["actions"] = actions
    args["reply"] = reply
    return tool_call("respond", args)


def action(tool: str, **fields: object) -> dict:
    """One item of respond.actions, as a strict server writes it (every field present, null when unused)."""
    return {"tool": tool, **fields}


def completion(*calls: dict, content: str | None = None, prompt_tokens: int = 900,
               completion_tokens: int = 60) -> httpx.Response:
    message: dict = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = list(calls)
    body = {
        "id": f"chatcmpl-{next(_ids)}", "object": "chat.completion", "created": 1767225600, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop",
                     "logprobs": None}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }
    return httpx.Response(200, json=body)


def error(status: int, message: str = "upstream trouble") -> httpx.Response:
    kind = {429: "rate_limit_exceeded", 400: "invalid_request_error"}.get(status, "server_error")
    return httpx.Response(status, json={"error": {"message": message, "type": kind, "code": None}})


def sent(route) -> list[dict]:  # noqa: ANN001 - a respx route
    """The JSON bodies the model was sent, one per call."""
    return [json.loads(call.request.content) for call in route.calls]


def sent_text(body: dict) -> str:
    """Everything in one request a model could read: messages and tool schemas."""
    return json.dumps(body, ensure_ascii=False)
