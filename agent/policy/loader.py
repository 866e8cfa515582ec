"""Load policies/*.yaml, refusing to start on anything that does not validate."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from agent.paths import POLICY_DIR, PROMPT_DIR
from agent.policy.schema import Policies
from agent.prompts import PromptLibrary

SECTIONS = ("intents", "triage", "phi", "asks", "keywords", "approval", "timing", "reader", "rewards")


class PolicyError(RuntimeError):
    """A policy file is missing, malformed, or refers to a prompt that does not exist."""


def _read(path: Path) -> object:
    if not path.is_file():
        raise PolicyError(f"missing policy file: {path}")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path.name}: not valid YAML: {exc}") from exc


def load_policies(policy_dir: Path = POLICY_DIR, prompt_dir: Path = PROMPT_DIR) -> Policies:
    raw = {name: _read(policy_dir / f"{name}.yaml") for name in SECTIONS}
    extra = sorted(p.stem for p in policy_dir.glob("*.yaml") if p.stem not in SECTIONS)
    if extra:
        raise PolicyError(f"unknown policy files: {extra} (expected {list(SECTIONS)})")
    try:
        policies = Policies.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PolicyError("invalid policies:\n  " + "\n  ".join(lines)) from None
    prompts = PromptLibrary(prompt_dir)
    missing = [f"{src}.yaml -> {ref}" for src, ref in policies.prompt_refs() if not prompts.exists(ref)]
    if missing:
        raise PolicyError("policies refer to missing prompts:\n  " + "\n  ".join(missing))
    broken = prompts.broken()
    if broken:
        raise PolicyError("prompt templates that do not compile:\n  " + "\n  ".join(broken))
    return policies


@lru_cache(maxsize=4)
def default_policies() -> Policies:
    """The shipped policies, loaded once per process."""
    return load_policies()
