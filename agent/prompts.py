"""Prompt and reply templates as Jinja files under prompts/ (name 'replies/positive' -> replies/positive.j2).

English is the base language. A translation sits in a language folder beside its English template
(replies/es/positive.j2 for 'replies/positive' in Spanish); a name without one falls back to English.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from agent.paths import PROMPT_DIR

_SPACES = re.compile(r"[ \t]*\n[ \t]*|[ \t]{2,}")
BASE_LANGUAGE = "en"
_LANGUAGE = re.compile(r"[a-z]{2,3}")  # an ISO 639 code, never a path


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
        self._localized: dict[tuple[str, str], str] = {}

    def exists(self, name: str) -> bool:
        return (self.root / f"{name}.j2").is_file()

    def localized(self, name: str, language: str = BASE_LANGUAGE) -> str:
        """The template name to render in `language`: 'replies/positive' in "es" is 'replies/es/positive'
        when that file exists, else the English 'replies/positive'."""
        if language == BASE_LANGUAGE:
            return name
        key = (name, language)
        found = self._localized.get(key)
        if found is None:  # one file check per name and language, then remembered
            folder, _, leaf = name.rpartition("/")
            candidate = f"{folder}/{language}/{leaf}" if folder else f"{language}/{leaf}"
            found = candidate if _LANGUAGE.fullmatch(language) and self.exists(candidate) else name
            self._localized[key] = found
        return found

    def render(self, name: str, *, language: str = BASE_LANGUAGE, **context: object) -> str:
        return self.env.get_template(f"{self.localized(name, language)}.j2").render(**context)

    def render_sms(self, name: str, *, language: str = BASE_LANGUAGE, **context: object) -> str:
        """Render a reply template as one SMS: template line breaks fold into single spaces."""
        text = self.render(name, language=language, **context)
        return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=4)
def default_prompts() -> PromptLibrary:
    return PromptLibrary()
