"""Aggregates every report shows: pass rate per check and per intent, the intent confusion matrix,
usage per turn, and the transcript window around a failure."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from evals.checks import deciding
from evals.results import RunResult, TrialResult

__all__ = ["Summary", "summarise", "window"]


@dataclass
class Summary:
    checks: dict[str, tuple[int, int]]  # check -> (passed, evaluated)
    intents: dict[str, dict[str, int]]  # expected intent -> {turns, correct, passed}
    confusion: dict[str, Counter]  # expected -> Counter(observed)
    labels: list[str]  # row/column order of the confusion matrix
    per_turn: dict  # average tokens, cost and latency per turn
    turns: int


def _trials(run: RunResult) -> list[TrialResult]:
    return [t for case in run.cases for t in case.trials]


def summarise(run: RunResult) -> Summary:
    checks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    intents: dict[str, dict[str, int]] = defaultdict(lambda: {"turns": 0, "correct": 0, "passed": 0})
    confusion: dict[str, Counter] = defaultdict(Counter)
    turns = 0
    for trial in _trials(run):
        for name, results in trial.checks.items():
            checks[name][0] += sum(results)
            checks[name][1] += len(results)
        for turn in trial.turns:
            turns += 1
            wanted = turn["expect"].get("intent")
            if not wanted or turn["kind"] != "patient":
                continue
            observed = deciding(turn) or "(none)"
            expected = observed if observed in wanted else wanted[0]
            confusion[expected][observed] += 1
            row = intents[expected]
            row["turns"] += 1
            row["correct"] += observed in wanted
            row["passed"] += not turn["failures"]
    labels = sorted(set(confusion) | {o for row in confusion.values() for o in row})
    return Summary({k: (v[0], v[1]) for k, v in sorted(checks.items(), key=_check_order)}, dict(sorted(intents.items())),
                   dict(confusion), labels, _per_turn(run, turns), turns)


def _check_order(item: tuple[str, list[int]]) -> tuple[int, str]:
    return (item[0].startswith("invariant."), item[0])


def _per_turn(run: RunResult, turns: int) -> dict:
    usage = run.usage()
    n = max(turns, 1)
    cost = run.cost(usage)
    return {"tokens": (usage["prompt_tokens"] + usage["completion_tokens"]) / n,
            "prompt_tokens": usage["prompt_tokens"] / n, "completion_tokens": usage["completion_tokens"] / n,
            "latency_ms": usage["latency_ms"] / n, "cost_usd": None if cost is None else cost / n,
            "wall_ms": sum(t["wall_ms"] for trial in _trials(run) for t in trial.turns) / n}


def window(trial: TrialResult, around: int = 2) -> list[dict]:
    """The turns near each failing turn (and the failing turns themselves), in order."""
    failing = {f["turn"] for f in trial.failures}
    keep = {n for f in failing for n in range(f - around, f + 1)}
    return [t for t in trial.turns if t["n"] in keep]
