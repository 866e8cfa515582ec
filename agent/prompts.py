"""Prompt and reply templates as Jinja files under prompts/ (name 'replies/positive' -> replies/positive.j2).

English is the base language. A translation sits in a language folder beside its English template
(replies/es/positive.j2 for 'replies/positive' in Spanish); a name without one falls back to English.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from agent.paths import PROMPT_DIR

_SPACES = re.compile(r"[ \t]*\n[ \t]*|[ \t]{2,}")
BASE_LANGUAGE = "en"
_LANGUAGE = re.compile(r"[a-z]{2,3}")  # an ISO 639 code, never a path
# The folders a clinic may reword (agent/engine/clinic_rules.py); system prompts and staff alerts stay the files'.
EDITABLE_FOLDERS = ("replies", "touches")
_COMPILED_LIMIT = 256  # clinic templates compiled and kept per library; beyond it the cache starts over

# The clinic wording in force for the turn or touch being handled: template name -> the clinic's source.
# A context variable, not an argument, because the brains render by name through this library and must not
# need to know which clinic they speak for; the engine sets it around each turn (clinic_templates()).
_CLINIC_TEMPLATES: ContextVar[Mapping[str, str]] = ContextVar("clinic_templates", default={})


@contextmanager
def clinic_templates(sources: Mapping[str, str]) -> Iterator[None]:
    """Within this block, a template named in `sources` renders from the clinic's source, not the file."""
    token = _CLINIC_TEMPLATES.set(sources)
    try:
        yield
    finally:
        _CLINIC_TEMPLATES.reset(token)


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
        # A clinic's template is text an admin typed in a browser: it runs sandboxed (no attribute tricks, no
        # loader for include/import), with the files' own settings so it renders exactly as a file would.
        self.sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                                     keep_trailing_newline=False, autoescape=False)
        self._compiled: dict[str, Template] = {}

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
        name = self.localized(name, language)
        source = _CLINIC_TEMPLATES.get().get(name)
        template = self.env.get_template(f"{name}.j2") if source is None else self.compile(source)
        return template.render(**context)

    def compile(self, source: str) -> Template:
        """A clinic's template, compiled in the sandbox (raises jinja2.TemplateSyntaxError)."""
        template = self._compiled.get(source)
        if template is None:
            if len(self._compiled) >= _COMPILED_LIMIT:
                self._compiled.clear()
            template = self._compiled[source] = self.sandbox.from_string(source)
        return template

    def source(self, name: str) -> str:
        """The file's text of a template: the default a clinic's override replaces."""
        return (self.root / f"{name}.j2").read_text(encoding="utf-8")

    def variables(self, source: str) -> frozenset[str]:
        """The names a template's text reads from its caller (raises jinja2.TemplateSyntaxError)."""
        return frozenset(meta.find_undeclared_variables(self.env.parse(source)))

    def references(self, source: str) -> bool:
        """Whether a template's text includes, imports or extends another template."""
        return any(True for _ in meta.find_referenced_templates(self.env.parse(source)))

    def broken(self) -> list[str]:
        """Every template under the root (system prompts, replies, touches, alerts) that does not compile,
        as "name: error"; checked when policies load, so a typo fails at start-up, not on a patient's turn."""
        errors = []
        for path in sorted(self.root.rglob("*.j2")):
            name = str(path.relative_to(self.root).with_suffix(""))
            try:
                self.env.get_template(f"{name}.j2")
            except TemplateSyntaxError as exc:
                errors.append(f"{name}: line {exc.lineno}: {exc.message}")
        return errors

    def editable(self) -> list[str]:
        """Every reply and touch template a clinic may reword, translations included, sorted."""
        return sorted(str(path.relative_to(self.root).with_suffix("")) for folder in EDITABLE_FOLDERS
                      for path in (self.root / folder).rglob("*.j2"))

    def render_sms(self, name: str, *, language: str = BASE_LANGUAGE, **context: object) -> str:
        """Render a reply template as one SMS: template line breaks fold into single spaces."""
        return as_sms(self.render(name, language=language, **context))


def as_sms(text: str) -> str:
    """A rendered template as one SMS: its line breaks and runs of spaces fold into single spaces."""
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=4)
def default_prompts() -> PromptLibrary:
    return PromptLibrary()
