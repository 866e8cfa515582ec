"""ChatCompletions sends the same JSON as plain ChatOpenAI, with the SDK's per-request walk skipped."""
from __future__ import annotations

import json

import httpx
import respx
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from agent.brains.llm.tools import respond_tool
from agent.brains.llm.wire import ChatCompletions
from agent.types import Stage
from tests.brains.wire import COMPLETIONS, completion, respond

MESSAGES = [SystemMessage("You are the clinic's assistant."), HumanMessage("Honestly loving it! ¿y mi hermana Lucía?")]


def _body(model_class: type, base_url: str | None = None) -> tuple[dict, object]:
    url = (base_url.rstrip("/") + "/chat/completions") if base_url else COMPLETIONS
    cap = {"extra_body": {"max_tokens": 200}} if base_url else {"max_tokens": 200}
    model = model_class(model="gpt-4o-mini", api_key="sk-test", base_url=base_url, max_retries=0, temperature=0.1,
                        use_responses_api=False, **cap)
    bound = model.bind_tools([respond_tool(Stage.SETTLED)], tool_choice="respond", parallel_tool_calls=False)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(url).mock(return_value=completion(respond("So glad!", ("positive", 0.9))))
        answer = bound.invoke(MESSAGES)
    return json.loads(route.calls[0].request.content), answer


def test_the_json_on_the_wire_is_plain_chatopenais():
    plain, plain_answer = _body(ChatOpenAI)
    ours, our_answer = _body(ChatCompletions)
    assert ours == plain
    assert {"messages", "tools", "tool_choice", "parallel_tool_calls", "max_completion_tokens"} <= ours.keys()
    assert [(c["name"], c["args"]) for c in our_answer.tool_calls] == \
        [(c["name"], c["args"]) for c in plain_answer.tool_calls]
    assert our_answer.tool_calls[0]["name"] == "respond"


def test_a_self_hosted_servers_extra_body_survives():
    ours, _ = _body(ChatCompletions, base_url="http://127.0.0.1:8089/v1")
    plain, _ = _body(ChatOpenAI, base_url="http://127.0.0.1:8089/v1")
    assert ours == plain
    assert ours["max_tokens"] == 200 and ours["messages"][1]["content"].endswith("Lucía?")


def test_the_sdk_does_not_walk_the_payload(monkeypatch):
    import openai._utils._transform as transform

    walked: list[object] = []
    original = transform._transform_recursive

    def counting(data, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        walked.append(data)
        return original(data, *args, **kwargs)

    monkeypatch.setattr(transform, "_transform_recursive", counting)
    def walked_parts() -> set[str]:
        parts = {"message" for d in walked if isinstance(d, dict) and "role" in d}
        return parts | {"tool" for d in walked if isinstance(d, dict) and "function" in d}

    _body(ChatOpenAI)
    assert walked_parts() == {"message", "tool"}  # what plain ChatOpenAI pays for on every call
    walked.clear()
    _body(ChatCompletions)
    assert walked_parts() == set()
    assert walked == []  # a plain chat completion is posted as the JSON it is: no walk at all


def test_no_unmocked_call_gets_through():
    model = ChatCompletions(model="gpt-4o-mini", api_key="sk-test", max_retries=0, use_responses_api=False)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(COMPLETIONS).mock(return_value=httpx.Response(500, json={"error": {"message": "x"}}))
        try:
            model.invoke(MESSAGES)
        except Exception as exc:  # noqa: BLE001 - any SDK error is what we expect here
            assert getattr(exc, "status_code", None) == 500
        else:
            raise AssertionError("a 500 must surface")


def test_the_answer_read_from_the_json_is_plain_chatopenais():
    """The decoded JSON, not a typed ChatCompletion, becomes the message: the same message either way."""
    _, plain = _body(ChatOpenAI)
    _, ours = _body(ChatCompletions)
    def same(message) -> dict:  # noqa: ANN001 - the canned completions number their ids per call
        dump = message.model_dump(exclude={"id"})
        dump["tool_calls"] = [{**c, "id": None} for c in dump["tool_calls"]]
        dump["response_metadata"] = _sent({k: v for k, v in dump["response_metadata"].items() if k != "id"})
        return dump

    assert same(ours) == same(plain)  # content, tool calls, usage, metadata, the refusal key
    assert "refusal" in ours.additional_kwargs and ours.tool_calls[0]["id"]


def _sent(value):  # noqa: ANN001, ANN202
    """Metadata as the server sent it: the typed path also lists absent fields, as None (or "")."""
    if isinstance(value, dict):
        return {k: _sent(v) for k, v in value.items() if v not in (None, "")}
    return value


def test_an_error_status_still_raises_the_sdks_error():
    import openai
    import pytest

    model = ChatCompletions(model="gpt-4o-mini", api_key="sk-test", max_retries=0, use_responses_api=False)
    for status, error in ((500, openai.InternalServerError), (400, openai.BadRequestError)):
        with respx.mock(assert_all_called=True) as mock:
            mock.post(COMPLETIONS).mock(return_value=httpx.Response(status, json={"error": {"message": "x"}}))
            with pytest.raises(error) as raised:
                model.invoke(MESSAGES)
        assert raised.value.status_code == status  # what the brain's forced-choice refusal check reads
