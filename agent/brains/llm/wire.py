"""ChatOpenAI, sending the bound tool schema as the ready JSON it already is.

The openai SDK walks every request parameter against its TypedDicts before sending
(`_transform_recursive`, a union of message types tried member by member); for our messages and the
`respond` schema (a tagged union of actions) that walk was about 40% of the LLM brain's CPU per turn
against a loopback server (the cost is discussed upstream in openai/openai-python#3616). LangChain has
already turned both into wire JSON, so they travel in `extra_body`, which the SDK merges into the
request body unchanged; `messages` itself goes as an empty list that the merge then replaces. The
JSON on the wire is the same (tests/brains/test_wire_payload.py compares it with plain ChatOpenAI's).
Only for chat completions (the factory turns the Responses API off).
"""
from __future__ import annotations

from typing import Any

from langchain_openai import ChatOpenAI

PASSED_AS_IS = ("messages", "tools", "tool_choice", "parallel_tool_calls")


class ChatCompletions(ChatOpenAI):
    def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if "messages" not in payload:  # a Responses API payload has its own shape: left alone
            return payload
        moved = {key: payload.pop(key) for key in PASSED_AS_IS if key in payload}
        payload["messages"] = []  # required by the SDK's signature; the merge puts the real list back
        payload["extra_body"] = {**(payload.get("extra_body") or {}), **moved}
        return payload
