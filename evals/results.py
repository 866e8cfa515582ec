"""What a run observed: trials, cases, suites, with pass^k and usage (tau-bench's definitions)."""
from __future__ import annotations

from dataclasses import dataclass, field
from math import comb

__all__ = ["pass_hat_k", "TrialResult", "CaseResult", "SuiteResult", "RunResult", "USAGE_KEYS"]

USAGE_KEYS = ("calls", "prompt_tokens", "completion_tokens")


def pass_hat_k(passes: int, trials: int, k: int) -> float:
    """tau-bench's unbiased pass^k: the chance that k trials drawn from the n run all pass, C(c,k)/C(n,k)."""
    if not 1 <= k <= trials:
        raise ValueError(f"pass^{k} needs 1 <= k <= trials ({trials})")
    if not 0 <= passes <= trials:
        raise ValueError(f"{passes} passes out of {trials} trials")
    return comb(passes, k) / comb(trials, k)


def empty_usage() -> dict:
    return {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "latency_ms": 0.0}


def add_usage(total: dict, part: dict) -> None:
    for key in (*USAGE_KEYS, "latency_ms"):
        total[key] = total.get(key, 0) + part.get(key, 0)


@dataclass
class TrialResult:
    """One run of one case."""

    turns: list[dict]
    failures: list[dict]
    checks: dict[str, list[bool]]  # check name -> one result per evaluation (expects and invariants)
    usage: dict
    wall_ms: float

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class CaseResult:
    suite: str
    id: str
    description: str
    trials: list[TrialResult]
    judge: dict | None = None  # judged checks, kept apart: never part of `passed`

    @property
    def passes(self) -> int:
        return sum(t.passed for t in self.trials)

    @property
    def passed(self) -> bool:
        return self.passes == len(self.trials)

    @property
    def representative(self) -> TrialResult:
        """The first failing trial (where it broke), else the first."""
        return next((t for t in self.trials if not t.passed), self.trials[0])

    def pass_hat(self) -> dict[int, float]:
        n = len(self.trials)
        return {k: pass_hat_k(self.passes, n, k) for k in range(1, n + 1)}


@dataclass
class SuiteResult:
    name: str
    path: str
    cases: list[CaseResult]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)

    def pass_hat(self) -> dict[int, float]:
        """Suite pass^k: the mean of its cases' pass^k."""
        if not self.cases:
            return {}
        per_case = [c.pass_hat() for c in self.cases]
        return {k: sum(p[k] for p in per_case) / len(per_case) for k in per_case[0]}


@dataclass
class RunResult:
    model: str
    repeat: int
    suites: list[SuiteResult]
    wall_s: float = 0.0
    price: dict | None = None  # USD per million tokens {prompt, completion}, None when unknown
    judge_model: str | None = None
    judge_usage: dict = field(default_factory=empty_usage)

    @property
    def cases(self) -> list[CaseResult]:
        return [c for s in self.suites for c in s.cases]

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.suites)

    def usage(self) -> dict:
        total = empty_usage()
        for case in self.cases:
            for trial in case.trials:
                add_usage(total, trial.usage)
        total["latency_ms"] = round(total["latency_ms"], 2)
        return total

    def cost(self, usage: dict | None = None) -> float | None:
        if self.price is None:
            return None
        usage = usage or self.usage()
        return (usage["prompt_tokens"] * self.price["prompt"]
                + usage["completion_tokens"] * self.price["completion"]) / 1_000_000

    def pass_hat(self) -> dict[int, float]:
        cases = self.cases
        if not cases:
            return {}
        per_case = [c.pass_hat() for c in cases]
        return {k: sum(p[k] for p in per_case) / len(per_case) for k in per_case[0]}
