"""Import profiles: how a practice system's CSV export becomes visits (policies/imports/*.yaml).

A profile names, for each field of a visit, the headers a system's export uses for it (matched ignoring
case, spaces and underscores), whether dates are written month first or day first, which rows count as
completed visits, and whether other columns are ignored (practice-system exports carry dozens) or refused
(Afterglow's own format). `services.yaml` turns a service name ("Botox - 3 areas", "Juvederm Ultra XC")
into a visit type; a profile's own `services` are tried first. Every file is validated when it is read:
an unknown key, a profile that cannot produce a visit, or a visit type that does not exist stops it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent.paths import POLICY_DIR
from agent.types import VisitType

FieldName = Literal["external_id", "phone", "first_name", "full_name", "visit_type", "service", "occurred_at",
                    "date", "time", "treatment", "provider", "sms_consent", "marketing_consent", "referral_code"]
DEFAULT_PROFILE = "afterglow"
SERVICES_FILE = "services.yaml"


class ProfileError(ValueError):
    """A profile or the service map is not usable; the message names the file."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusFilter(_Strict):
    """Only rows whose status is one of `completed` are visits. Rows whose status is one of `booked` are
    bookings: they record nothing, but a referred friend's booking moves their referral to consult booked.
    The rest (cancelled, no-show) are skipped and counted."""

    column: list[str] = Field(min_length=1)
    completed: list[str] = Field(min_length=1)
    booked: list[str] = []


class ImportProfile(_Strict):
    name: str = DEFAULT_PROFILE
    description: str = ""
    columns: dict[FieldName, list[str]]
    other_columns: Literal["ignore", "refuse"] = "ignore"
    status: StatusFilter | None = None
    dates: Literal["month_first", "day_first"] = "month_first"
    services: dict[VisitType, list[str]] = {}

    @model_validator(mode="after")
    def _can_make_a_visit(self) -> ImportProfile:
        has = {name for name, headers in self.columns.items() if headers}
        needs = [("external_id",), ("phone",), ("first_name", "full_name"), ("visit_type", "service"),
                 ("occurred_at", "date")]
        missing = [" or ".join(options) for options in needs if not has.intersection(options)]
        if missing:
            raise ValueError(f"no column for: {', '.join(missing)}")
        if "time" in has and "date" not in has:
            raise ValueError("a time column needs a date column")
        return self


def header_key(header: str) -> str:
    """Headers compare without case, accents, spaces, underscores or punctuation: "Guest Mobile #" ~ "guest_mobile"."""
    folded = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9+]", "", folded)


@dataclass(frozen=True)
class ServiceMap:
    """Service name -> visit type: the first visit type with a word the name contains (whole words)."""

    rules: tuple[tuple[VisitType, re.Pattern[str]], ...]

    @classmethod
    def build(cls, *maps: dict[VisitType, list[str]]) -> ServiceMap:
        rules = []
        for words_by_type in maps:
            for visit_type, words in words_by_type.items():
                if words:
                    alternation = "|".join(re.escape(_fold(w)) for w in sorted(words, key=len, reverse=True))
                    rules.append((visit_type, re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])")))
        return cls(tuple(rules))

    def visit_type(self, service: str) -> VisitType | None:
        folded = _fold(service)
        return next((visit_type for visit_type, rx in self.rules if rx.search(folded)), None)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


class _ServicesFile(_Strict):
    services: dict[VisitType, list[str]]


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: not readable ({exc.__class__.__name__})") from None


@lru_cache(maxsize=8)
def _profiles(directory: Path) -> tuple[dict[str, ImportProfile], dict[VisitType, list[str]]]:
    folder = directory / "imports"
    try:
        services = _ServicesFile.model_validate(_read_yaml(folder / SERVICES_FILE)).services
    except ValidationError as exc:
        raise ProfileError(f"{folder / SERVICES_FILE}: {_first_error(exc)}") from None
    profiles = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == SERVICES_FILE:
            continue
        raw = _read_yaml(path)
        try:
            profiles[path.stem] = ImportProfile.model_validate({**(raw or {}), "name": path.stem})
        except ValidationError as exc:
            raise ProfileError(f"{path}: {_first_error(exc)}") from None
    if DEFAULT_PROFILE not in profiles:
        raise ProfileError(f"{folder}: no {DEFAULT_PROFILE}.yaml")
    return profiles, services


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


def profile_names(directory: Path = POLICY_DIR) -> list[str]:
    return sorted(_profiles(directory)[0])


def load_profile(name: str = DEFAULT_PROFILE, directory: Path = POLICY_DIR) -> tuple[ImportProfile, ServiceMap]:
    """The named profile and its service map (its own services first, then services.yaml)."""
    profiles, services = _profiles(directory)
    if name not in profiles:
        raise ProfileError(f"unknown import profile {name!r} (known: {', '.join(sorted(profiles))})")
    profile = profiles[name]
    return profile, ServiceMap.build(profile.services, services)


__all__ = ["DEFAULT_PROFILE", "ImportProfile", "ProfileError", "ServiceMap", "StatusFilter", "header_key",
           "load_profile", "profile_names"]
