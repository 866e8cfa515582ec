"""Fixtures for the LLM brain: the real ChatOpenAI over a respx-mocked OpenAI API, no sleeping."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import respx

from agent.brains.factory import make_brain
from agent.brains.llm import LLMBrain
from agent.engine.turn import Agent
from agent.policy.loader import default_policies
from agent.prompts import default_prompts

MODEL = "openai:gpt-4o-mini"


@pytest.fixture(autouse=True)
def _openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    for name in ("AFTERGLOW_MODEL_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_ORG_ID",
                 "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def openai_api() -> Iterator[respx.MockRouter]:
    """Every request must hit a mocked route, and every mocked route must be called."""
    with respx.mock(assert_all_called=True, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def llm_brain(sleeps: list[float]) -> LLMBrain:
    brain = make_brain(MODEL, default_policies(), default_prompts())
    assert isinstance(brain, LLMBrain)
    brain.retry = replace(brain.retry, sleep=sleeps.append)  # tenacity waits are recorded, never slept
    return brain


@pytest.fixture
def llm_agent(db, clock, llm_brain: LLMBrain) -> Agent:  # noqa: ANN001
    return Agent(db, brain=llm_brain, clock=clock)
