"""AFTERGLOW_MODEL reaches the app and `afterglow chat --model`; the offline brain stays the default."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
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


# ------------------------------------------------------------------ one factory, one refusal


@pytest.fixture
def fresh_settings(monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    """Commands read settings from the environment through a cached get_settings(): fresh per test."""
    from agent.config import get_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    monkeypatch.setenv("AFTERGLOW_INPROCESS_WORKER", "false")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _suite(tmp_path) -> str:  # noqa: ANN001
    return str(sorted(Path("evals/suites").glob("*.yaml"))[0])  # a shipped suite: it loads before the brain


@pytest.mark.parametrize("command", ["chat", "eval", "worker", "serve"])
@pytest.mark.parametrize("spec", ["anthropic:claude-sonnet-4-5", "nonsense"])
def test_every_command_refuses_an_unknown_spec_the_same_way(fresh_settings, tmp_path, monkeypatch, command, spec):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("the server started"))
    fresh_settings.setenv("AFTERGLOW_MODEL", spec)
    args = {"chat": ["chat", "--json", "--model", spec], "eval": ["eval", "run", _suite(tmp_path), "--model", spec],
            "worker": ["worker"], "serve": ["serve"]}[command]
    result = CliRunner().invoke(cli, args, input="hi\n")
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: model spec {spec!r}: ")


def test_the_worker_runs_turns_on_the_configured_brain(fresh_settings, tmp_path, openai_api, monkeypatch, caplog):
    """`afterglow worker` with AFTERGLOW_MODEL set: the turn it runs is the model's, and the start-up log
    names the brain (the API + worker setup once never used the model, and nothing showed it)."""
    from datetime import UTC, datetime

    from sqlmodel import Session, select

    from agent import worker as worker_module
    from agent.channel.inbound import Accepted, InboundSms, accept
    from agent.demo import DEMO_PHONE, add_patient_with_visit, ensure_demo_clinic
    from agent.store.db import make_engine, migrate, session_scope
    from agent.store.models import Turn
    from agent.types import VisitType

    route = openai_api.post(COMPLETIONS).mock(return_value=completion(respond("So glad, Maya!", actions=[])))
    fresh_settings.setenv("AFTERGLOW_MODEL", "openai:gpt-4o-mini")
    db = make_engine(f"sqlite:///{tmp_path}/w.db")
    migrate(db)
    now = datetime.now(UTC)
    with session_scope(db) as session:
        clinic = ensure_demo_clinic(session, now)
        add_patient_with_visit(session, clinic, now, first_name="Maya", phone="+14155550142",
                               visit_type=VisitType.NEUROMODULATOR, days_ago=14, treatment="Botox")
    sms = InboundSms(message_sid="SM" + "a" * 32, sender="+14155550142", to=DEMO_PHONE, body="loving it!",
                     truncated=False, num_media=0, opt_out_type=None)
    assert accept(db, sms, now) == Accepted.QUEUED
    real = worker_module.run_forever
    monkeypatch.setattr(worker_module, "run_forever", lambda w, **kw: real(w, **{**kw, "max_steps": 1}))

    with caplog.at_level("INFO", logger="afterglow.brain"):
        result = CliRunner().invoke(cli, ["worker"])
    assert result.exit_code == 0, result.output
    assert route.call_count == 1
    with Session(db) as s:
        turns = s.exec(select(Turn).where(Turn.inbound_message_id.is_not(None))).all()
    assert [(t.brain, t.fell_back, t.model_calls) for t in turns] == [("openai:gpt-4o-mini", False, 1)]
    started = [r.getMessage() for r in caplog.records if r.getMessage().startswith("brain in use")]
    assert started == ["brain in use: openai:gpt-4o-mini (max_tokens 300, temperature 0.1, timeout 10s)"]


def test_serve_names_the_brain_without_secrets(fresh_settings, monkeypatch):
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    fresh_settings.setenv("AFTERGLOW_MODEL", "openai:qwen2.5:7b")
    fresh_settings.setenv("AFTERGLOW_MODEL_BASE_URL", "http://ollama-user:hunter2@127.0.0.1:11434/v1")
    fresh_settings.setenv("OPENAI_API_KEY", "sk-live-do-not-print")
    fresh_settings.setenv("AFTERGLOW_MODEL_MAX_TOKENS", "200")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0 and started, result.output
    assert "Brain: openai:qwen2.5:7b at http://127.0.0.1:11434 (max_tokens 200, temperature 0.1, timeout 10s)" \
        in result.output
    assert "hunter2" not in result.output and "ollama-user" not in result.output and "sk-live" not in result.output


def test_eval_runs_every_case_on_one_brain(monkeypatch):
    """Built once by the factory: what it learns of the server holds for the whole run."""
    from agent.policy.loader import default_policies
    from agent.prompts import default_prompts
    from evals.runner import model_brain_factory

    factory = model_brain_factory("openai:gpt-4o-mini", default_policies(), default_prompts())
    first, second = factory(None), factory(None)
    assert isinstance(first, LLMBrain) and first is second
    assert model_brain_factory("offline", default_policies(), default_prompts())(None) is None
