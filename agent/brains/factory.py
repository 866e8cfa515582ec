"""Pick a brain from a model spec: `offline` (default) or `provider:model`."""
from __future__ import annotations

from agent.brains.base import Brain
from agent.brains.offline.brain import OfflineBrain
from agent.policy.schema import Policies
from agent.prompts import PromptLibrary


class UnknownModel(ValueError):
    """The model spec names no brain this installation can build."""


def make_brain(spec: str, policies: Policies, prompts: PromptLibrary, *, base_url: str | None = None) -> Brain:
    spec = (spec or "offline").strip()
    if spec == "offline":
        return OfflineBrain(policies, prompts)
    if ":" not in spec:
        raise UnknownModel(f"model spec {spec!r}: use 'offline' or 'provider:model' (e.g. openai:gpt-4o-mini)")
    raise UnknownModel(f"model spec {spec!r}: LLM brains are not available in this build yet; use 'offline'")
