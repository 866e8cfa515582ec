"""make_brain: offline by default, ChatOpenAI for openai:<model>, self-hosted servers, other providers."""
from __future__ import annotations

import sys
import types

import pytest
from langchain_openai import ChatOpenAI

from agent.brains.base import BrainContext
from agent.brains.factory import DUMMY_KEY, TIMEOUT_S, UnknownModel, engine_brain, make_brain
from agent.brains.llm import LLMBrain
from agent.brains.offline.brain import OfflineBrain
from agent.policy.loader import default_policies
from agent.prompts import default_prompts
from agent.types import Stage
from tests.brains.fakes import ScriptedChatModel, answer
from tests.brains.wire import completion, respond

CTX = BrainContext(first_name="Maya", visit_category=None, days_since_visit=None, stage=Stage.CHECKIN, message="hi")


def build(spec: str, **kw):  # noqa: ANN003, ANN201
    return make_brain(spec, default_policies(), default_prompts(), **kw)


def test_offline_is_the_default_and_the_engine_keeps_its_own():
    assert all(isinstance(build(spec), OfflineBrain) for spec in ("offline", "", "  ", None))
    assert engine_brain("offline", default_policies(), default_prompts()) is None


def test_openai_builds_chat_openai_with_our_retries_and_a_timeout():
    brain = build("openai:gpt-4o-mini")
    assert isinstance(brain, LLMBrain) and brain.name == "openai:gpt-4o-mini"
    chat = brain.model
    assert isinstance(chat, ChatOpenAI) and chat.model_name == "gpt-4o-mini"
    assert chat.max_retries == 0 and chat.request_timeout == TIMEOUT_S  # the SDK retries nothing on its own
    assert chat.openai_api_base is None
    assert isinstance(engine_brain("openai:gpt-4o-mini", default_policies(), default_prompts()), LLMBrain)


def test_openai_without_a_key_or_a_server_is_refused(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(UnknownModel, match="OPENAI_API_KEY"):
        build("openai:gpt-4o-mini")


@pytest.mark.parametrize("via", ["argument", "env"])
def test_a_self_hosted_openai_compatible_server_needs_no_key(monkeypatch, openai_api, via):
    monkeypatch.delenv("OPENAI_API_KEY")
    server = "http://127.0.0.1:8001/v1"
    if via == "env":
        monkeypatch.setenv("AFTERGLOW_MODEL_BASE_URL", server)
    brain = build("openai:qwen2.5-7b-instruct", **({"base_url": server} if via == "argument" else {}))
    route = openai_api.post(f"{server}/chat/completions").mock(return_value=completion(respond("Hi Maya!")))
    proposal = brain.propose(CTX)
    assert proposal.reply == "Hi Maya!" and route.call_count == 1
    request = route.calls[0].request
    assert request.headers["authorization"] == f"Bearer {DUMMY_KEY}"
    assert b'"model":"qwen2.5-7b-instruct"' in request.content.replace(b" ", b"")


@pytest.mark.parametrize("spec", ["gpt-4o-mini", "openai:", ":gpt-4o"])
def test_a_spec_that_is_not_provider_model_is_refused(spec):
    with pytest.raises(UnknownModel, match="provider:model"):
        build(spec)


def test_another_provider_names_the_package_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain", None)  # as on this install: not there
    monkeypatch.setitem(sys.modules, "langchain.chat_models", None)
    with pytest.raises(UnknownModel, match="langchain-anthropic"):
        build("anthropic:claude-sonnet-4-5")
    with pytest.raises(UnknownModel, match="langchain-mistralai"):
        build("mistralai:mistral-large-latest")


def test_another_provider_goes_through_init_chat_model_when_installed(monkeypatch):
    calls = []
    scripted = ScriptedChatModel(script=[answer("Hello from elsewhere")])

    def init_chat_model(model, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.append((model, kwargs))
        if kwargs["model_provider"] == "groq":
            raise ImportError("Unable to import langchain_groq")
        return scripted

    fake = types.ModuleType("langchain.chat_models")
    fake.init_chat_model = init_chat_model
    monkeypatch.setitem(sys.modules, "langchain", types.ModuleType("langchain"))
    monkeypatch.setitem(sys.modules, "langchain.chat_models", fake)

    brain = build("anthropic:claude-sonnet-4-5")
    assert calls == [("claude-sonnet-4-5", {"model_provider": "anthropic", "timeout": TIMEOUT_S, "max_retries": 0,
                                            "max_tokens": 300, "temperature": 0.1})]
    assert brain.model is scripted and brain.propose(CTX).reply == "Hello from elsewhere"
    with pytest.raises(UnknownModel, match="langchain-groq"):
        build("groq:llama-3.3-70b")
