"""Pick a brain from a model spec: `offline` (default) or `provider:model`.

- `openai:<model>` builds ChatOpenAI (langchain-openai, installed). With a base URL (the argument, or
  AFTERGLOW_MODEL_BASE_URL) it talks to any OpenAI-compatible server (vLLM, Ollama, llama.cpp server)
  and OPENAI_API_KEY becomes optional.
- Any other `provider:model` goes through LangChain's init_chat_model when the `langchain` package and
  the provider's integration package are installed; otherwise UnknownModel names what to install.

Retries are ours (agent.brains.llm.retry), so the SDK's own are switched off and a timeout is set.
"""
from __future__ import annotations

import importlib
import os

from agent.brains.base import Brain
from agent.brains.offline.brain import OfflineBrain
from agent.policy.schema import Policies
from agent.prompts import PromptLibrary

BASE_URL_ENV = "AFTERGLOW_MODEL_BASE_URL"
TIMEOUT_S = 10.0  # one model call; RetryPolicy bounds the whole turn
DUMMY_KEY = "not-needed"  # self-hosted OpenAI-compatible servers usually ignore the key
# LangChain integration packages by provider name (init_chat_model's names).
PACKAGES = {
    "anthropic": "langchain-anthropic",
    "azure_openai": "langchain-openai",
    "google_genai": "langchain-google-genai",
    "google_vertexai": "langchain-google-vertexai",
    "bedrock": "langchain-aws",
    "bedrock_converse": "langchain-aws",
    "mistralai": "langchain-mistralai",
    "groq": "langchain-groq",
    "fireworks": "langchain-fireworks",
    "together": "langchain-together",
    "ollama": "langchain-ollama",
    "huggingface": "langchain-huggingface",
    "deepseek": "langchain-deepseek",
    "xai": "langchain-xai",
    "cohere": "langchain-cohere",
}


class UnknownModel(ValueError):
    """The model spec names no brain this installation can build."""


def make_brain(spec: str, policies: Policies, prompts: PromptLibrary, *, base_url: str | None = None) -> Brain:
    spec = (spec or "").strip() or "offline"
    if spec == "offline":
        return OfflineBrain(policies, prompts)
    provider, _, model = spec.partition(":")
    provider, model = provider.strip().lower(), model.strip()
    if not provider or not model:
        raise UnknownModel(f"model spec {spec!r}: use 'offline' or 'provider:model' (e.g. openai:gpt-4o-mini)")
    base_url = base_url or os.environ.get(BASE_URL_ENV) or None
    chat = _openai(model, base_url) if provider == "openai" else _langchain(provider, model, spec)

    from agent.brains.llm import LLMBrain  # langchain is imported only when a model is asked for

    return LLMBrain(chat, policies, prompts, name=spec)


def engine_brain(spec: str, policies: Policies, prompts: PromptLibrary, *, base_url: str | None = None) -> Brain | None:
    """The brain to hand to Agent(brain=...): None for `offline`, so the engine uses its own."""
    brain = make_brain(spec, policies, prompts, base_url=base_url)
    return None if isinstance(brain, OfflineBrain) else brain


def _openai(model: str, base_url: str | None):  # noqa: ANN202 - a ChatOpenAI
    from langchain_openai import ChatOpenAI

    key = os.environ.get("OPENAI_API_KEY")
    if not key and not base_url:
        raise UnknownModel(f"openai:{model} needs OPENAI_API_KEY, or {BASE_URL_ENV} for an OpenAI-compatible server")
    return ChatOpenAI(model=model, api_key=key or DUMMY_KEY, base_url=base_url, timeout=TIMEOUT_S, max_retries=0,
                      use_responses_api=False)  # chat completions: what every compatible server speaks


def _langchain(provider: str, model: str, spec: str):  # noqa: ANN202 - a BaseChatModel
    package = PACKAGES.get(provider, f"langchain-{provider.replace('_', '-')}")
    try:
        init_chat_model = importlib.import_module("langchain.chat_models").init_chat_model
    except ImportError:
        raise UnknownModel(f"model spec {spec!r}: install `langchain` and `{package}` for provider {provider!r}, "
                           f"or use openai:<model> with {BASE_URL_ENV} for an OpenAI-compatible server") from None
    try:
        return init_chat_model(model, model_provider=provider, timeout=TIMEOUT_S, max_retries=0)
    except ImportError:
        raise UnknownModel(f"model spec {spec!r}: install `{package}` for provider {provider!r}") from None
    except ValueError as exc:  # an unsupported provider name; LangChain's message lists the supported ones
        raise UnknownModel(f"model spec {spec!r}: {exc}") from None
