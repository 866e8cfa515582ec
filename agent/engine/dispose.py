"""Policy disposes: every outbound draft runs the guard chain; the verdicts decide send, repair,
hold for staff, or block. Repairs are tried cheapest first and each result is checked again."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agent.guards import GuardContext, repair, run_guards, tripped
from agent.guards.repair import UNREPAIRABLE  # nothing makes these sendable: opted out, or a person owns the thread
from agent.types import Disposition, GuardPolicy, GuardVerdict

Candidate = Callable[[str, list[GuardVerdict]], str | None]


@dataclass
class Decision:
    disposition: Disposition
    text: str | None  # what goes out (SEND/REPAIR), or what waits for staff (HOLD)
    attempts: list[dict] = field(default_factory=list)  # every draft tried, with its verdicts
    hold_reasons: list[str] = field(default_factory=list)

    @property
    def sends(self) -> bool:
        return self.disposition in (Disposition.SEND, Disposition.REPAIR)


def decide(draft: str, ctx: GuardContext, *, repairs: list[tuple[str, Candidate]],
           approval_reasons: list[str], hold_when_repair_fails: bool,
           waived: frozenset[GuardPolicy] = frozenset()) -> Decision:
    """Run the chain on `draft`; on a trip try each named repair in order, re-checking each result.
    `waived` policies are recorded but do not stop the text (the segment budget on a safety text)."""
    attempts: list[dict] = []

    def blocking(verdicts: list[GuardVerdict]) -> list[GuardVerdict]:
        return [v for v in tripped(verdicts) if v.policy not in waived]

    verdicts = _check("draft", draft, ctx, attempts)
    bad = blocking(verdicts)
    if not bad:
        return _clean(draft, Disposition.SEND, attempts, approval_reasons)
    if any(v.policy in UNREPAIRABLE for v in bad):
        return Decision(Disposition.BLOCK, None, attempts, [v.reason for v in bad])
    current, current_bad = draft, bad
    for name, candidate in repairs:
        text = candidate(current, current_bad)
        if not text or text == current:
            continue
        verdicts = _check(name, text, ctx, attempts)
        if not blocking(verdicts):
            return _clean(text, Disposition.REPAIR, attempts, approval_reasons)
        current, current_bad = text, blocking(verdicts)
    reasons = [f"{v.policy.value}: {v.reason}" for v in bad]
    if hold_when_repair_fails:
        return Decision(Disposition.HOLD, draft, attempts, reasons)
    return Decision(Disposition.BLOCK, None, attempts, reasons)


def deterministic_repair(ctx: GuardContext) -> Candidate:
    return lambda text, bad: repair(text, bad, ctx)


def _clean(text: str, disposition: Disposition, attempts: list[dict], approval_reasons: list[str]) -> Decision:
    if approval_reasons:
        return Decision(Disposition.HOLD, text, attempts, list(approval_reasons))
    return Decision(disposition, text, attempts)


def _check(stage: str, text: str, ctx: GuardContext, attempts: list[dict]) -> list[GuardVerdict]:
    verdicts = run_guards(text, ctx)
    attempts.append({"stage": stage, "verdicts": [v.as_record() for v in verdicts if v.tripped],
                     "passed": [v.policy.value for v in verdicts if not v.tripped]})
    return verdicts
