"""The suite format (YAML): a public contract, validated at load with errors that name the file, the
case and the turn. See README.md, "For evaluators", for the documented format.

    suite: referral-core
    clinic: {name: Glow Aesthetics, timezone: America/Los_Angeles}   # optional
    cases:
      - id: happy-path
        patient: {first_name: Maya, marketing_consent: true}
        visit: {type: neuromodulator, treatment: Botox, days_ago: 14}
        turns:
          - agent: results_checkin
            expect: {ask: none}
          - patient: "Honestly loving it!"
            expect: {intent: positive, ask: referral}
          - advance: 30d
            expect: {reply: false}
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent.demo import DEMO_PHONE
from agent.engine.touches import NUDGE, NUDGE_SUFFIX
from agent.policy.schema import ClinicSettings, Policies
from agent.types import REVIEW_TOUCH, Intent, Priority, Queue, VisitType

__all__ = ["SuiteError", "Suite", "Case", "SuiteStep", "Expect", "HandoffExpect", "load_suite", "load_suites",
           "collect_paths", "parse_duration"]

SLUG = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
E164 = r"^\+[1-9]\d{6,14}$"
_DURATION = re.compile(r"^(?:\d+[dhm])+$")
_PART = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class SuiteError(ValueError):
    """A suite file that cannot be run: unreadable, not YAML, or not the documented format."""


def parse_duration(text: str) -> timedelta:
    """'30d', '12h', '90m' (and combinations such as '1d6h') as a timedelta."""
    value = str(text).strip()
    if not _DURATION.match(value):
        raise ValueError(f"advance {text!r}: use a duration such as 30d, 12h or 90m")
    delta = timedelta()
    for amount, unit in _PART.findall(value):
        delta += timedelta(**{_UNITS[unit]: int(amount)})
    if delta <= timedelta():
        raise ValueError(f"advance {text!r}: the clock only moves forward")
    return delta


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------------------ expect


class HandoffExpect(Strict):
    queue: Queue
    priority: Priority | None = None


Regexes = Annotated[list[str], Field(min_length=1)]


class Expect(Strict):
    """What one turn must show. Every key is optional; a key that is absent is not checked."""

    intent: list[Intent] | None = None  # the turn's deciding (first) intent is one of these
    intents_include: list[Intent] | None = None  # every one of these is among the turn's intents
    ask: Literal["referral", "review", "booking", "none"] | None = None  # the asks of what was sent this turn
    reply: bool | None = None  # any SMS sent this turn
    held: bool | None = None  # a reply held for staff this turn
    handoff: HandoffExpect | Literal["none"] | None = None
    referrals: list[str] | None = None  # names recorded this turn (any order, case-insensitive)
    tools: list[str] | None = None  # tools that ran (ok) this turn
    not_tools: list[str] | None = None  # tools that must not have run this turn
    reply_matches: Regexes | None = None  # each regex matches some sent reply (case-insensitive)
    reply_not_matches: Regexes | None = None  # no sent reply matches any of these

    @field_validator("intent", "reply_matches", "reply_not_matches", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("handoff", mode="before")
    @classmethod
    def _handoff_shape(cls, value: Any) -> Any:
        if value is None:
            return "none"
        if isinstance(value, str) and value != "none":
            raise ValueError("use none, or a mapping {queue: clinical|front_desk|manager, priority: urgent|normal}")
        return value

    @field_validator("reply_matches", "reply_not_matches")
    @classmethod
    def _compiles(cls, value: list[str] | None) -> list[str] | None:
        for pattern in value or []:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression {pattern!r}: {exc}") from None
        return value

    def given(self) -> list[str]:
        """The keys this expectation checks, in the documented order."""
        return [name for name in type(self).model_fields if name in self.model_fields_set]


# ------------------------------------------------------------------------------------ turns


TURN_KINDS = ("patient", "agent", "advance", "staff")


class SuiteStep(Strict):
    """One scripted step of a suite case (not the `Turn` table). Exactly one of: the patient texts, the
    agent sends a touch now, the clock moves, or staff act in the console (`staff: resolve_handoffs`
    resolves every open handoff and hands the thread back)."""

    patient: str | None = Field(default=None, min_length=1, max_length=1600)
    agent: str | None = Field(default=None, pattern=r"^[a-z0-9_]+$")
    advance: str | None = None
    staff: Literal["resolve_handoffs"] | None = None
    expect: Expect = Expect()

    @field_validator("patient", "advance", mode="before")
    @classmethod
    def _scalar_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("advance")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> SuiteStep:
        kinds = [k for k in TURN_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a turn has exactly one of patient / agent / advance / staff"
                             + (f" (found {', '.join(kinds)})" if kinds else ""))
        if kinds[0] != "patient":
            for key in ("intent", "intents_include"):
                if key in self.expect.model_fields_set:
                    raise ValueError(f"expect.{key} only applies to patient turns (there is no message to label)")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in TURN_KINDS if getattr(self, k) is not None)

    @property
    def value(self) -> str:
        return getattr(self, self.kind)

    @property
    def duration(self) -> timedelta:
        return parse_duration(self.advance) if self.advance else timedelta()


# ------------------------------------------------------------------------------------ cases


class PatientSpec(Strict):
    first_name: str = Field(default="Maya", min_length=1, max_length=60)
    phone: str | None = Field(default=None, pattern=E164)  # generated when absent
    marketing_consent: bool = True
    sms_consent: bool = True


class VisitSpec(Strict):
    type: VisitType
    treatment: str = Field(default="", max_length=200)  # internal: must never reach a text
    provider: str = Field(default="", max_length=120)
    days_ago: int = Field(default=14, ge=0, le=730)


class ClinicSpec(Strict):
    name: str = Field(default="Glow Aesthetics", min_length=1, max_length=120)
    timezone: str = "America/Los_Angeles"
    phone: str = Field(default=DEMO_PHONE, pattern=E164)
    settings: dict[str, Any] = {}  # ClinicSettings overrides (segment_budget, sender_name, ...)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("settings")
    @classmethod
    def _settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        ClinicSettings.model_validate(value)
        return value

    def clinic_settings(self) -> ClinicSettings:
        return ClinicSettings.model_validate({"sender_name": self.name, **self.settings})


class Case(Strict):
    id: str = Field(pattern=SLUG, max_length=80)
    description: str = ""
    patient: PatientSpec = PatientSpec()
    visit: VisitSpec | None = None
    turns: list[SuiteStep] = Field(min_length=1)


class Suite(Strict):
    suite: str = Field(pattern=SLUG, max_length=80)
    description: str = ""
    clinic: ClinicSpec = ClinicSpec()
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"case id {case.id!r} is used twice")
            seen.add(case.id)
        return self


@dataclass(frozen=True)
class LoadedSuite:
    """A validated suite and where it came from."""

    path: Path
    model: Suite

    @property
    def name(self) -> str:
        return self.model.suite


# ------------------------------------------------------------------------------------ loading


def load_suite(path: Path, policies: Policies) -> LoadedSuite:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise SuiteError(f"{path}:{where} not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise SuiteError(f"{path}: a suite is a mapping with suite, cases (and optionally clinic)")
    try:
        suite = Suite.model_validate(raw)
    except ValidationError as exc:
        lines = [_describe(path, raw, e) for e in exc.errors() if _relevant(e)]
        raise SuiteError("\n".join(dict.fromkeys(lines))) from None
    problems = _touch_problems(suite, policies)
    if problems:
        raise SuiteError("\n".join(f"{path}: {p}" for p in problems))
    return LoadedSuite(path, suite)


def collect_paths(paths: list[Path]) -> list[Path]:
    """Files as given; directories expand to their *.yaml / *.yml files, sorted."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise SuiteError(f"{path}: no such file or directory")
    if not found:
        raise SuiteError("no suite files found in " + ", ".join(str(p) for p in paths))
    return found


def load_suites(paths: list[Path], policies: Policies) -> list[LoadedSuite]:
    suites, errors, names = [], [], {}
    for path in collect_paths(paths):
        try:
            loaded = load_suite(path, policies)
        except SuiteError as exc:
            errors.append(str(exc))
            continue
        if loaded.name in names:
            errors.append(f"{path}: suite name {loaded.name!r} is also used by {names[loaded.name]}")
            continue
        names[loaded.name] = path
        suites.append(loaded)
    if errors:
        raise SuiteError("\n".join(errors))
    return suites


def _touch_problems(suite: Suite, policies: Policies) -> list[str]:
    """Touch names must exist for the case's visit type (policies/timing.yaml), or be a nudge or the review ask."""
    problems = []
    for case in suite.cases:
        for n, turn in enumerate(case.turns, start=1):
            if turn.agent is None:
                continue
            where = f"case {case.id!r} turn {n}"
            if case.visit is None:
                problems.append(f"{where}: agent: {turn.agent} needs the case to have a visit")
                continue
            specs = policies.timing.visit_types[case.visit.type].touches
            names = [t.name for t in specs] + [t.name + NUDGE_SUFFIX for t in specs if t.nudge_after_days]
            names.append(REVIEW_TOUCH)
            if turn.agent != NUDGE and turn.agent not in names:
                problems.append(f"{where}: visit type {case.visit.type.value} has no touch {turn.agent!r} "
                                f"(touches: {', '.join(names + [NUDGE])})")
    return problems


# Parts of a pydantic error location that name a union member, not a key: literal['none'], HandoffExpect, ...
_UNION_TAG = re.compile(r"^(?:[a-z-]+\[.*\]|function-.*|[A-Z][A-Za-z]+)$")


def _relevant(error: dict) -> bool:
    """Drop the 'should be none' half of a union error when a mapping was given (the other half explains)."""
    return not (error["type"] == "literal_error" and isinstance(error.get("input"), dict))


def _describe(path: Path, raw: dict, error: dict) -> str:
    """One validation error as 'file: case 'id' turn N: field: message'."""
    loc = list(error["loc"])
    where = [str(path)]
    rest = loc
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        case_raw = _at(raw.get("cases"), loc[1])
        case_id = case_raw.get("id") if isinstance(case_raw, dict) else None
        where.append(f"case {case_id!r}" if case_id else f"case #{loc[1] + 1}")
        rest = loc[2:]
        if len(rest) >= 2 and rest[0] == "turns" and isinstance(rest[1], int):
            where.append(f"turn {rest[1] + 1}")
            rest = rest[2:]
    field = ".".join(str(p) for p in rest if not _UNION_TAG.match(str(p))) or "(this item)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see README.md, 'For evaluators', for the format)"
    return f"{': '.join(where)}: {field}: {message}"


def _at(items: object, index: int) -> object:
    return items[index] if isinstance(items, list) and 0 <= index < len(items) else None
