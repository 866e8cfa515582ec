"""Score the offline reader (rules + model, exactly as a turn reads) on labelled files it never saw.

Per intent precision and recall, accuracy of the deciding intent, red-flag recall (the text escalates),
opt-out recall (the text stops texts) and, for files that list them, referral names recalled.
Each text is read as a reply to a check-in with no ask outstanding, the way most patient texts arrive.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agent.nlu.data import Example, load_examples
from agent.types import Intent


@dataclass(frozen=True)
class Read:
    deciding: Intent
    intents: tuple[Intent, ...]
    urgent: bool  # escalates (urgent among the intents)
    stops: bool  # an opt-out among the intents
    paused: bool  # a possible opt-out: held, touches paused
    names: tuple[str, ...] = ()


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    by_language: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusion: Counter = field(default_factory=Counter)  # (expected, observed) -> n
    red_flags: list[int] = field(default_factory=lambda: [0, 0])  # escalated, urgent texts
    opt_outs: list[int] = field(default_factory=lambda: [0, 0])  # stopped, opt-out texts
    opt_outs_paused: int = 0  # not stopped, but held with touches paused
    false_urgent: int = 0  # non-urgent texts that escalated
    names: list[int] = field(default_factory=lambda: [0, 0, 0])  # found, expected, extra
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (expected, observed, source)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def per_intent(self) -> list[tuple[str, float, float, int]]:
        """(intent, precision, recall, support) for every intent that occurs."""
        expected = Counter()
        observed = Counter()
        hits = Counter()
        for (exp, obs), n in self.confusion.items():
            expected[exp] += n
            observed[obs] += n
            if exp == obs:
                hits[exp] += n
        rows = []
        for intent in sorted(set(expected) | set(observed)):
            precision = hits[intent] / observed[intent] if observed[intent] else 0.0
            recall = hits[intent] / expected[intent] if expected[intent] else 0.0
            rows.append((intent, precision, recall, expected[intent]))
        return rows

    def as_dict(self) -> dict:
        return {
            "total": self.total, "accuracy": round(self.accuracy, 4),
            "red_flag_recall": _ratio(self.red_flags), "opt_out_recall": _ratio(self.opt_outs),
            "opt_outs_paused": self.opt_outs_paused, "false_urgent": self.false_urgent,
            "referral_name_recall": round(self.names[0] / self.names[1], 4) if self.names[1] else None,
            "referral_extra_names": self.names[2],
            "by_language": {k: {"accuracy": _ratio(v), "n": v[1]} for k, v in sorted(self.by_language.items())},
            "per_intent": [{"intent": i, "precision": round(p, 4), "recall": round(r, 4), "n": n}
                           for i, p, r, n in self.per_intent()],
        }


def _ratio(pair: list[int]) -> float | None:
    return round(pair[0] / pair[1], 4) if pair[1] else None


def evaluate(examples: list[Example], read: Callable[[str], Read],
             names: dict[str, list[str]] | None = None) -> Report:
    report = Report()
    for example in examples:
        got = read(example.text)
        expected = example.intent
        report.total += 1
        ok = got.deciding is expected
        report.correct += ok
        lang = report.by_language[example.language]
        lang[0] += ok
        lang[1] += 1
        report.confusion[(expected.value, got.deciding.value)] += 1
        if not ok:
            report.misses.append((expected.value, got.deciding.value, f"{example.source}: {example.text}"))
        if expected is Intent.URGENT:
            report.red_flags[1] += 1
            report.red_flags[0] += got.urgent
        elif got.urgent:
            report.false_urgent += 1
        if expected is Intent.OPT_OUT:
            report.opt_outs[1] += 1
            report.opt_outs[0] += got.stops
            report.opt_outs_paused += (not got.stops) and got.paused
        if names is not None and example.text in names:
            want = {n.casefold() for n in names[example.text]}
            # a recorded full name ("Sofia Ramirez") records the first name the file lists ("Sofia"); a first
            # name of two words ("Ana Lucía") is matched whole
            got_names = [n.casefold().strip() for n in got.names if n.strip()]
            matched = {w for w in want if any(g == w or g.split()[0] == w for g in got_names)}
            extra = [g for g in got_names if g not in want and g.split()[0] not in want]
            report.names[0] += len(matched)
            report.names[1] += len(want)
            report.names[2] += len(extra)
    return report


def load_names(path: Path) -> dict[str, list[str]]:
    """{text: [names]} from a referral names file (a list of {text, names})."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(raw, dict):
        raw = raw.get("examples") or raw.get("referrals") or []
    out: dict[str, list[str]] = {}
    for n, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError(f"{path.name} item {n}: expected {{text, names}}")
        out[item["text"].strip()] = [str(x) for x in item.get("names") or []]
    return out


def load_split(directory: Path, families: frozenset[str]) -> list[Example]:
    return load_examples(directory, families)
