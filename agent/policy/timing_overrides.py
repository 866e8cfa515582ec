"""A clinic's touch timing: policies/timing.yaml with some numbers changed, validated by the same TimingPolicy
schema as the file, so a clinic can never run on timing the file itself would be refused for.

Changes are flat, by dotted key ("stale_after_hours", "review.delay_days", "neuromodulator.results_checkin.day"):
one form field each, and a key the file does not have is refused instead of silently ignored."""
from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from agent.policy.schema import TimingPolicy

TOP_LEVEL = ("stale_after_hours", "intake_grace_hours", "min_hours_between_touches", "handoff_defer_hours")
REVIEW = ("delay_days", "hour")
TOUCH = ("day", "hour", "nudge_after_days")

TimingValue = int | None


class TimingOverrideError(ValueError):
    """A change names no timing field, or the timing it makes fails the schema; the message says which."""


def timing_fields(timing: TimingPolicy) -> dict[str, TimingValue]:
    """Every field a clinic may change, by dotted key, with its value in `timing`, in the file's order."""
    fields: dict[str, TimingValue] = {key: getattr(timing, key) for key in TOP_LEVEL}
    fields |= {f"review.{key}": getattr(timing.review, key) for key in REVIEW}
    for visit_type, visit_timing in timing.visit_types.items():
        for spec in visit_timing.touches:
            fields |= {f"{visit_type.value}.{spec.name}.{key}": getattr(spec, key) for key in TOUCH}
    return fields


def apply_timing(base: TimingPolicy, changes: Mapping[str, TimingValue]) -> TimingPolicy:
    unknown = sorted(set(changes) - set(timing_fields(base)))
    if unknown:
        raise TimingOverrideError(f"unknown timing fields: {', '.join(unknown)}")
    raw = base.model_dump(mode="json")
    for key, value in changes.items():
        *path, field = key.split(".")
        _section(raw, path)[field] = value
    try:
        return TimingPolicy.model_validate(raw)
    except ValidationError as exc:
        raise TimingOverrideError("; ".join(_describe(raw, e) for e in exc.errors())) from None


def _section(raw: dict, path: list[str]) -> dict:
    if not path:
        return raw
    if path == ["review"]:
        return raw["review"]
    visit_type, touch = path
    return next(t for t in raw["visit_types"][visit_type]["touches"] if t["name"] == touch)


def _describe(raw: dict, error: dict) -> str:
    """The dotted key of the form field at fault ('laser.results_checkin.day'), not pydantic's list path."""
    loc = [str(part) for part in error["loc"]]
    if len(loc) >= 5 and loc[0] == "visit_types" and loc[2] == "touches":
        name = raw["visit_types"][loc[1]]["touches"][int(loc[3])]["name"]
        loc = [loc[1], name, *loc[4:]]
    return f"{'.'.join(loc)}: {error['msg']}"
