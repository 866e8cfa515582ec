"""The reader's training data: labelled patient texts as YAML files (Rasa's nlu.yml convention).

policies/nlu/<language>/<anything>.yml, each file:

    version: "1"
    language: en            # en | es
    nlu:
      - intent: positive
        examples: |
          - loving my results!!
      - intent: urgent
        family: vision_change   # red-flag family id from policies/triage.yaml (or `emergency`)
        examples: |
          - everything looks kinda hazy out of my left eye

A clinic extends the reader by adding files or lines and retraining (`afterglow nlu train`). Files are
validated at load: an unknown intent or family, a line that is not "- text", an empty block, or the
same text labelled two different ways names the file, the block and the line.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.types import Intent

EMERGENCY_FAMILY = "emergency"  # "i'm in the ER", "should I call 911": urgent without a symptom family
LANGUAGES = ("en", "es")
MAX_EXAMPLE_CHARS = 400


class NluDataError(ValueError):
    """A training or evaluation file does not validate. The message names file, block and line."""


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intent: Intent
    family: str | None = None
    examples: str = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    language: Literal["en", "es"]
    nlu: list[_Block] = Field(min_length=1)


@dataclass(frozen=True)
class Example:
    text: str
    intent: Intent
    language: str
    family: str | None = None  # red-flag family, only on urgent examples
    source: str = ""  # "en/urgent.yml#3" for error messages and reports


def data_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yml") if p.is_file())


def data_hash(root: Path) -> str:
    """One digest over every data file's name and bytes: the trained model records the data it saw."""
    digest = hashlib.sha256()
    for path in data_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_examples(root: Path, families: frozenset[str]) -> list[Example]:
    """Every example under `root`, validated; `families` are the red-flag ids triage knows."""
    files = data_files(root)
    if not files:
        raise NluDataError(f"no .yml files under {root}")
    examples: list[Example] = []
    seen: dict[str, Example] = {}
    for path in files:
        for example in _read(path, root, families | {EMERGENCY_FAMILY}):
            key = example.text.casefold()
            earlier = seen.get(key)
            if earlier is not None and (earlier.intent, earlier.family) != (example.intent, example.family):
                raise NluDataError(f"{example.source}: the same text is labelled {earlier.intent.value}"
                                   f"{'/' + earlier.family if earlier.family else ''} in {earlier.source}")
            if earlier is None:
                seen[key] = example
                examples.append(example)
    return examples


def _read(path: Path, root: Path, families: frozenset[str]) -> list[Example]:
    name = path.relative_to(root).as_posix()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise NluDataError(f"{name}: not valid YAML/UTF-8: {exc}") from None
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise NluDataError(f"{name}: {errors}") from None
    out: list[Example] = []
    for n, block in enumerate(parsed.nlu):
        where = f"{name} block {n} ({block.intent.value})"
        if block.family is not None and block.intent is not Intent.URGENT:
            raise NluDataError(f"{where}: `family` belongs on urgent blocks only")
        if block.family is not None and block.family not in families:
            raise NluDataError(f"{where}: unknown red-flag family {block.family!r} (see policies/triage.yaml)")
        for line_no, line in enumerate(block.examples.splitlines(), start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("- ") or not stripped[2:].strip():
                raise NluDataError(f"{where} line {line_no}: expected '- <patient text>'")
            text = stripped[2:].strip()
            if len(text) > MAX_EXAMPLE_CHARS:
                raise NluDataError(f"{where} line {line_no}: longer than {MAX_EXAMPLE_CHARS} characters")
            out.append(Example(text, block.intent, parsed.language, block.family, f"{name}#{n}"))
    return out
