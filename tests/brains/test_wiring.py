"""AFTERGLOW_MODEL reaches the app and `afterglow chat --model`; the offline brain stays the default."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from agent.brains.llm import LLMBrain
from agent.cli import app as cli
from agent.config import Settings
from api.app import create_app
from tests.brains.wire import COMPLETIONS, completion, respond, sent


def test_the_app_builds_the_configured_brain(tmp_path):
    app = create_app(Settings(DATABASE_URL=f"sqlite:///{tmp_path}/a.db", AFTERGLOW_MODEL="openai:gpt-4o-mini"))
    brain = app.state.agent.brain
    assert isinstance(brain, LLMBrain) and brain.name == "openai:gpt-4o-mini"


def test_the_app_passes_the_base_url_and_defaults_to_offline(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    app = create_app(Settings(DATABASE_URL=f"sqlite:///{tmp_path}/a.db", AFTERGLOW_MODEL="openai:llama3.1",
                              AFTERGLOW_MODEL_BASE_URL="http://127.0.0.1:11434/v1"))
    assert str(app.state.agent.brain.model.openai_api_base) == "http://127.0.0.1:11434/v1"
    offline = create_app(Settings(DATABASE_URL=f"sqlite:///{tmp_path}/b.db", AFTERGLOW_MODEL="offline")).state.agent
    assert offline.brain is offline.offline


def test_chat_runs_on_the_model_named_by_model(openai_api):
    route = openai_api.post(COMPLETIONS).mock(return_value=completion(
        respond("So glad to hear it, Maya!"), prompt_tokens=880, completion_tokens=22))
    result = CliRunner().invoke(cli, ["chat", "--json", "--model", "openai:gpt-4o-mini"], input="loving it!\n")
    assert result.exit_code == 0, result.output
    opening, turn = (json.loads(line) for line in result.output.splitlines())
    assert opening["brain"] == "touch" and opening["usage"]["calls"] == 0  # the touch is a reviewed template
    assert turn["brain"] == "openai:gpt-4o-mini" and not turn["fell_back"]
    assert turn["replies"][0]["body"] == "So glad to hear it, Maya!"
    assert turn["usage"]["calls"] == 1 and turn["usage"]["prompt_tokens"] == 880
    assert "Botox" not in json.dumps(sent(route))  # the chat's demo treatment stays in the record


def test_chat_model_defaults_to_afterglow_model(monkeypatch, openai_api):
    from agent.config import get_settings

    openai_api.post(COMPLETIONS).mock(return_value=completion(respond("Thanks, Maya!")))
    monkeypatch.setenv("AFTERGLOW_MODEL", "openai:gpt-4o-mini")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["chat", "--json", "--touch", "none"], input="loving it!\n")
    finally:
        get_settings.cache_clear()
    assert json.loads(result.output.splitlines()[0])["brain"] == "openai:gpt-4o-mini"


def test_chat_refuses_a_model_it_cannot_build():
    result = CliRunner().invoke(cli, ["chat", "--json", "--model", "anthropic:claude-sonnet-4-5"], input="hi\n")
    assert result.exit_code != 0 and "--model" in result.output and "langchain-anthropic" in result.output
