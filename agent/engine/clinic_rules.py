"""The wording and timing a clinic runs on: the shipped files (prompts/, policies/timing.yaml) with the clinic's
own overrides on top (clinic_template, clinic_timing; edited in the console, agent/staff/clinic_messages.py).

Every turn and touch resolves them here. The rows are read only when the clinic row's overrides_revision differs
from what this process holds, so an ordinary turn pays no query for them, and a change saved by another
process (the console) is picked up by the next turn that reads the clinic."""
from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from agent.policy.schema import TimingPolicy
from agent.policy.timing_overrides import TimingOverrideError, TimingValue, apply_timing
from agent.store.models import Clinic, ClinicTemplate, ClinicTiming

log = logging.getLogger("afterglow.engine")


@dataclass(frozen=True)
class ClinicRules:
    revision: int = 0
    templates: Mapping[str, str] = field(default_factory=dict)  # template name -> the clinic's source
    timing_changes: Mapping[str, TimingValue] = field(default_factory=dict)
    _timings: dict[int, tuple[TimingPolicy, TimingPolicy]] = field(default_factory=dict, compare=False)

    def timing(self, base: TimingPolicy) -> TimingPolicy:
        """`base` (the process's timing.yaml) with the clinic's changes, built once per base."""
        if not self.timing_changes:
            return base
        known = self._timings.get(id(base))
        if known is not None and known[0] is base:
            return known[1]
        try:
            timing = apply_timing(base, self.timing_changes)
        except TimingOverrideError:
            # Saved against an older timing.yaml (a touch since renamed): the file's timing is safe to run on,
            # the console shows the clinic its stale values. The error names fields only, never patients.
            log.warning("clinic timing overrides no longer validate; using policies/timing.yaml")
            timing = base
        self._timings[id(base)] = (base, timing)
        return timing


NO_OVERRIDES = ClinicRules()

# Per database (tests and tools run several in one process), then per clinic id.
_CACHE: weakref.WeakKeyDictionary[sa.Engine, dict[int, ClinicRules]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def clinic_rules(session: Session, clinic: Clinic) -> ClinicRules:
    if not clinic.overrides_revision:
        return NO_OVERRIDES  # never edited: nothing to read
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    with _LOCK:
        cached = _CACHE.setdefault(engine, {}).get(clinic.id)
    if cached is not None and cached.revision == clinic.overrides_revision:
        return cached
    rules = read_rules(session, clinic)
    with _LOCK:
        _CACHE.setdefault(engine, {})[clinic.id] = rules
    return rules


def read_rules(session: Session, clinic: Clinic) -> ClinicRules:
    templates = {row.name: row.body for row in session.exec(
        select(ClinicTemplate).where(ClinicTemplate.clinic_id == clinic.id))}
    timing = session.exec(select(ClinicTiming).where(ClinicTiming.clinic_id == clinic.id)).first()
    return ClinicRules(revision=clinic.overrides_revision, templates=templates,
                       timing_changes=dict(timing.fields) if timing else {})
