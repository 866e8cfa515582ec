"""Prompt and reply templates as Jinja files under prompts/ (name 'replies/positive' -> replies/positive.j2)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from agent.paths import PROMPT_DIR

_SPACES = re.compile(r"[ \t]*\n[ \t]*|[ \t]{2,}")


class PromptLibrary:
    def __init__(self, root: Path = PROMPT_DIR) -> None:
        self.root = root
        # StrictUndefined: a template that names a variable the caller did not pass fails loudly.
        self.env = Environment(
            loader=FileSystemLoader(str(root)),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
        )

    def exists(self, name: str) -> bool:
        return (self.root / f"{name}.j2").is_file()

    def render(self, name: str, **context: object) -> str:
        return self.env.get_template(f"{name}.j2").render(**context)

    def render_sms(self, name: str, **context: object) -> str:
        """Render a reply template as one SMS: template line breaks fold into single spaces."""
        text = self.render(name, **context)
        return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=4)
def default_prompts() -> PromptLibrary:
    return PromptLibrary()
