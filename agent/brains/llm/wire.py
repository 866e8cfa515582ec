"""ChatOpenAI, sending the bound tool schema as the ready JSON it already is, and reading the answer as
the JSON it arrives as.

The openai SDK walks every request parameter against its TypedDicts before sending
(`_transform_recursive`, a union of message types tried member by member); for our messages and the
`respond` schema (a tagged union of actions) that walk was about 40% of the LLM brain's CPU per turn
against a loopback server (the cost is discussed upstream in openai/openai-python#3616). LangChain has
already turned both into wire JSON, so they travel in `extra_body`, which the SDK merges into the
request body unchanged; `messages` itself goes as an empty list that the merge then replaces. The
JSON on the wire is the same (tests/brains/test_wire_payload.py compares it with plain ChatOpenAI's).
Only for chat completions (the factory turns the Responses API off).

On the way back the SDK builds a typed ChatCompletion out of the response JSON, field by field, and
LangChain at once dumps it back to a dict to make its message (`_create_chat_result` accepts either).
A plain chat completion is handed over as the decoded JSON instead; the message, its tool calls, the
usage and additional_kwargs come out the same (tests/brains/test_wire_payload.py); response_metadata
lists what the server sent, without the typed model's absent fields as None (nothing here reads it).
Errors are raised as before (the SDK still raises on an error status, LangChain's handlers translate).
"""
from __future__ import annotations

from typing import Any

import openai
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import (
    _add_gateway_metadata,
    _handle_openai_api_error,
    _handle_openai_bad_request,
)

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

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        payload = self._get_request_payload(messages, stop=stop, **kwargs)
        if ("messages" not in payload or "response_format" in payload or payload.get("stream")
                or self.include_response_headers):
            # Structured output, the Responses API, response headers: LangChain's own path, as is.
            return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
        self._ensure_sync_client_available()
        raw_response = None
        try:
            raw_response = self.client.with_raw_response.create(**payload)
            response = raw_response.http_response.json()
        except openai.BadRequestError as e:
            _handle_openai_bad_request(e)
        except openai.APIError as e:
            _handle_openai_api_error(e)
        except Exception as e:
            if raw_response is not None and hasattr(raw_response, "http_response"):
                e.response = raw_response.http_response  # type: ignore[attr-defined]
            raise
        generation_info: dict = {}
        _add_gateway_metadata(generation_info, raw_response)
        result = self._create_chat_result(response, generation_info)
        _keep_refusal(result, response)
        return result


def _keep_refusal(result: ChatResult, response: Any) -> None:  # noqa: ANN401 - the decoded JSON
    """The typed path copies the first choice's `refusal` into additional_kwargs (None when absent)."""
    if not isinstance(response, dict) or not response.get("choices") or not result.generations:
        return
    message = result.generations[0].message
    first = response["choices"][0].get("message") or {}
    if isinstance(message, AIMessage):
        message.additional_kwargs["refusal"] = first.get("refusal")
