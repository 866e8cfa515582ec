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

A plain chat completion (no structured output, no streaming, no response headers asked for) is then
posted through the SDK client's own `post` (its auth, base URL, timeout, and its exceptions for an
error status, which LangChain's handlers translate and the brain's refusal check reads) with that JSON
as the body, so the SDK's per-request walk does not run at all, and the answer comes back as the decoded
JSON: the SDK would build a typed ChatCompletion field by field that LangChain at once dumps back to a
dict (`_create_chat_result` takes either). The message, its tool calls, usage and additional_kwargs
come out the same; response_metadata lists what the server sent, without the typed model's absent
fields as None (nothing here reads it). tests/brains/test_wire_payload.py checks both directions.
"""
from __future__ import annotations

from typing import Any

import httpx
import openai
from openai._base_client import make_request_options
from openai._types import NOT_GIVEN as _NOT_GIVEN
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import (
    _add_gateway_metadata,
    _handle_openai_api_error,
    _handle_openai_bad_request,
)

from agent.brains.waiting import on_request

PASSED_AS_IS = ("messages", "tools", "tool_choice", "parallel_tool_calls")


class ChatCompletions(ChatOpenAI):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _listen(self.root_client)

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
        body, options = _request(payload)
        response = None
        try:
            # The SDK's own client (auth, base URL, timeout, its errors for an error status), without its
            # per-request TypedDict walk of a body that is wire JSON already, and answering the response.
            response = self.client._post("/chat/completions", body=body, options=options,  # noqa: SLF001
                                         cast_to=httpx.Response, stream=False)
            answer = response.json()
        except openai.BadRequestError as e:
            _handle_openai_bad_request(e)
        except openai.APIError as e:
            _handle_openai_api_error(e)
        except Exception as e:
            if response is not None:
                e.response = response  # type: ignore[attr-defined]
            raise
        generation_info: dict = {}
        _add_gateway_metadata(generation_info, response)
        result = self._create_chat_result(answer, generation_info)
        _keep_refusal(result, answer)
        return result


def _listen(root_client: Any) -> None:  # noqa: ANN401 - openai.OpenAI, or None without an API key
    """Let the engine know when a call starts waiting for its answer (agent/brains/waiting.py): a hook on the SDK's
    httpx client (LangChain's default one is shared by every model with the same base URL and timeout:
    added once; it does nothing outside `while_waiting`)."""
    client = getattr(root_client, "_client", None)
    if isinstance(client, httpx.Client) and on_request not in client.event_hooks["request"]:
        client.event_hooks["request"].append(on_request)


# Keys of a request payload that are the SDK's request options, not JSON body.
REQUEST_OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout")


def _request(payload: dict) -> tuple[dict, dict]:
    """The JSON body exactly as the SDK would send it (extra_body merged last), and its request options."""
    body = {key: value for key, value in payload.items() if key not in REQUEST_OPTIONS and value is not _NOT_GIVEN}
    body.update(payload.get("extra_body") or {})
    options = make_request_options(extra_headers=payload.get("extra_headers"), extra_query=payload.get("extra_query"),
                                   timeout=payload.get("timeout", _NOT_GIVEN))
    return body, options


def _keep_refusal(result: ChatResult, response: Any) -> None:  # noqa: ANN401 - the decoded JSON
    """The typed path copies the first choice's `refusal` into additional_kwargs (None when absent)."""
    if not isinstance(response, dict) or not response.get("choices") or not result.generations:
        return
    message = result.generations[0].message
    first = response["choices"][0].get("message") or {}
    if isinstance(message, AIMessage):
        message.additional_kwargs["refusal"] = first.get("refusal")
