"""Pick a brain from a model spec: `offline` (default) or `provider:model`.

- `openai:<model>` builds ChatOpenAI (langchain-openai, installed; the thin subclass in
  agent/brains/llm/wire.py, same JSON on the wire). With a base URL (the argument, or
  AFTERGLOW_MODEL_BASE_URL) it talks to any OpenAI-compatible server (vLLM, Ollama, llama.cpp server)
  and OPENAI_API_KEY becomes optional.
- Any other `provider:model` goes through LangChain's init_chat_model when the `langchain` package and
  the provider's integration package are installed; otherwise UnknownModel names what to install.

Every call is bounded: a max_tokens cap, a low temperature and a timeout (ModelOptions, from
AFTERGLOW_MODEL_MAX_TOKENS, AFTERGLOW_MODEL_TEMPERATURE and AFTERGLOW_MODEL_TIMEOUT). Retries are ours
(agent.brains.llm.retry), so the SDK's own are switched off.

`build_brain(settings)` is the one way the service, the worker, `chat` and `eval` get their brain: it
builds it, logs which brain is in use (no secrets), and raises UnknownModel for a spec it cannot build;
`refuse()` turns that into the same one-line message and exit code 2 everywhere.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

from agent.brains.base import Brain
from agent.brains.offline.brain import OfflineBrain
from agent.config import ModelSettings
from agent.policy.schema import Policies
from agent.prompts import PromptLibrary

log = logging.getLogger("afterglow.brain")

BASE_URL_ENV = "AFTERGLOW_MODEL_BASE_URL"
DUMMY_KEY = "not-needed"  # self-hosted OpenAI-compatible servers usually ignore the key
EXIT_UNKNOWN_MODEL = 2  # the exit code of every command refused a model spec
_DEFAULTS = ModelSettings.model_fields
TIMEOUT_S = float(_DEFAULTS["model_timeout_s"].default)  # one model call; RetryPolicy bounds the whole turn
MAX_TOKENS = int(_DEFAULTS["model_max_tokens"].default)
TEMPERATURE = float(_DEFAULTS["model_temperature"].default)
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
    """The model spec names no brain this installation can build. The message is one line and names
    the spec."""


@dataclass(frozen=True)
class ModelOptions:
    """How every model call is bounded."""

    max_tokens: int = MAX_TOKENS
    temperature: float = TEMPERATURE
    timeout_s: float = TIMEOUT_S

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> ModelOptions:
        return cls(max_tokens=settings.model_max_tokens, temperature=settings.model_temperature,
                   timeout_s=settings.model_timeout_s)


def make_brain(spec: str, policies: Policies, prompts: PromptLibrary, *, base_url: str | None = None,
               options: ModelOptions | None = None) -> Brain:
    """The brain a spec names. Without `options` the bounds come from the environment (ModelSettings)."""
    spec = (spec or "").strip() or "offline"
    if spec == "offline":
        return OfflineBrain(policies, prompts)
    provider, _, model = spec.partition(":")
    provider, model = provider.strip().lower(), model.strip()
    if not provider or not model:
        raise UnknownModel(f"model spec {spec!r}: use 'offline' or 'provider:model' (e.g. openai:gpt-4o-mini)")
    base_url = base_url or os.environ.get(BASE_URL_ENV) or None
    options = options or ModelOptions.from_settings(ModelSettings())
    if provider == "openai":
        chat = _openai(spec, model, base_url, options)
    else:
        chat = _langchain(provider, model, spec, options)

    from agent.brains.llm import LLMBrain  # langchain is imported only when a model is asked for

    # A base URL means a self-hosted, OpenAI-compatible server: its grammar enforces the schema's bounds.
    return LLMBrain(chat, policies, prompts, name=spec, bounded=provider == "openai" and base_url is not None)


def engine_brain(spec: str, policies: Policies, prompts: PromptLibrary, *, base_url: str | None = None,
                 options: ModelOptions | None = None) -> Brain | None:
    """The brain to hand to Agent(brain=...): None for `offline`, so the engine uses its own."""
    brain = make_brain(spec, policies, prompts, base_url=base_url, options=options)
    return None if isinstance(brain, OfflineBrain) else brain


def build_brain(settings: ModelSettings | None = None, *, spec: str | None = None, policies: Policies | None = None,
                prompts: PromptLibrary | None = None, announce: bool = True) -> Brain | None:
    """The configured brain for the engine (None = the engine's own offline brain), built from settings
    (AFTERGLOW_MODEL and friends) or `spec` when a command names one (--model). Logs the brain in use."""
    from agent.policy.loader import default_policies
    from agent.prompts import default_prompts

    settings = settings or ModelSettings()
    spec = (spec or settings.model or "offline").strip() or "offline"
    brain = engine_brain(spec, policies or default_policies(), prompts or default_prompts(),
                         base_url=settings.model_base_url, options=ModelOptions.from_settings(settings))
    if announce:
        log.info("brain in use: %s", describe(spec, settings))
    return brain


def describe(spec: str, settings: ModelSettings) -> str:
    """One line naming the brain and its bounds: never a key, and only the host of a base URL."""
    spec = (spec or "").strip() or "offline"
    if spec == "offline":
        return "offline (rules and reviewed templates, no model)"
    where = ""
    base_url = settings.model_base_url or os.environ.get(BASE_URL_ENV)
    if base_url and spec.partition(":")[0].strip().lower() == "openai":
        parts = urlsplit(base_url)
        where = f" at {parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return (f"{spec}{where} (max_tokens {settings.model_max_tokens}, temperature {settings.model_temperature:g}, "
            f"timeout {settings.model_timeout_s:g}s)")


def refuse(exc: UnknownModel) -> NoReturn:
    """The same refusal from every command: one line on stderr naming the spec, exit code 2."""
    sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
    raise SystemExit(EXIT_UNKNOWN_MODEL)


def _openai(spec: str, model: str, base_url: str | None, options: ModelOptions):  # noqa: ANN202 - a ChatOpenAI
    from agent.brains.llm.wire import ChatCompletions

    key = os.environ.get("OPENAI_API_KEY")
    if not key and not base_url:
        raise UnknownModel(f"model spec {spec!r}: needs OPENAI_API_KEY, or {BASE_URL_ENV} for an "
                           "OpenAI-compatible server")
    cap: dict = {"max_tokens": options.max_tokens}
    if base_url:
        # LangChain sends the cap as max_completion_tokens, which llama.cpp-based servers ignore (and a
        # model with no cap rambled into the timeout): self-hosted servers get the classic max_tokens.
        cap = {"extra_body": {"max_tokens": options.max_tokens}}
    return ChatCompletions(model=model, api_key=key or DUMMY_KEY, base_url=base_url, timeout=options.timeout_s,
                      max_retries=0, temperature=options.temperature,
                      use_responses_api=False, **cap)  # chat completions: what every compatible server speaks


def _langchain(provider: str, model: str, spec: str, options: ModelOptions):  # noqa: ANN202 - a BaseChatModel
    package = PACKAGES.get(provider, f"langchain-{provider.replace('_', '-')}")
    try:
        init_chat_model = importlib.import_module("langchain.chat_models").init_chat_model
    except ImportError:
        raise UnknownModel(f"model spec {spec!r}: install `langchain` and `{package}` for provider {provider!r}, "
                           f"or use openai:<model> with {BASE_URL_ENV} for an OpenAI-compatible server") from None
    try:
        return init_chat_model(model, model_provider=provider, timeout=options.timeout_s, max_retries=0,
                               max_tokens=options.max_tokens, temperature=options.temperature)
    except ImportError:
        raise UnknownModel(f"model spec {spec!r}: install `{package}` for provider {provider!r}") from None
    except ValueError as exc:  # an unsupported provider name; LangChain's message lists the supported ones
        raise UnknownModel(f"model spec {spec!r}: {' '.join(str(exc).split())}") from None
