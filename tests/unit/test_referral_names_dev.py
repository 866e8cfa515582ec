"""Referral names on the dev set (tests/unit/data/referral_names_dev.yml): recall, precision, no false names.

The set is how patients write (typos, lowercase, Spanish, lists, names that are common words); it is a
dev set, not the held-out evals/nlu split. Run this module directly for the misses and a timing:

    python -m tests.unit.test_referral_names_dev
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from agent.brains.offline.extract import ReferralMention, extract_referrals

_DATA = yaml.safe_load((Path(__file__).parent / "data" / "referral_names_dev.yml").read_text(encoding="utf-8"))
POSITIVES: list[dict] = _DATA["positives"]
NEGATIVES: list[str] = _DATA["negatives"]

# Floors this extractor reaches; raise them as it improves, never lower them to pass.
RECALL_FLOOR = 0.98
PRECISION_FLOOR = 0.99
FULL_NAME_FLOOR = 0.98
PHONE_FLOOR = 0.98
RELATIONSHIP_FLOOR = 0.97


def _first(name: str) -> str:
    return name.split()[0].casefold()


@dataclass
class Report:
    expected: int = 0
    found: int = 0  # expected people whose first name came back
    predicted: int = 0  # names the extractor returned on positive texts
    correct: int = 0  # of those, names of expected people
    full: int = 0  # expected people returned with exactly the expected full name
    phones: int = 0
    phones_right: int = 0
    rels: int = 0
    rels_right: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.expected

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


def _score(case: dict, got: list[ReferralMention], report: Report) -> None:
    named = [m for m in got if m.name]
    report.predicted += len(named)
    unused = list(named)
    for person in case["p"]:
        report.expected += 1
        if person.get("ph"):
            report.phones += 1
        if person.get("rel"):
            report.rels += 1
        match = next((m for m in unused if _first(m.name) == _first(person["n"])), None)
        if match is None:
            report.misses.append(f"{case['t']!r}: missed {person['n']} (got {[m.name for m in named]})")
            continue
        unused.remove(match)
        report.found += 1
        report.correct += 1
        report.full += match.name.casefold() == person["n"].casefold()
        if person.get("ph"):
            report.phones_right += match.phone == person["ph"]
        if person.get("rel"):
            report.rels_right += match.relationship == person["rel"]
    report.extras += [f"{case['t']!r}: extra {m.name}" for m in unused]


def evaluate() -> Report:
    report = Report()
    for case in POSITIVES:
        _score(case, extract_referrals(case["t"]), report)
    return report


def test_dev_set_recall_and_precision() -> None:
    report = evaluate()
    print(
        f"\nreferral names dev: recall {report.recall:.3f} ({report.found}/{report.expected}), "
        f"precision {report.precision:.3f}, full names {report.full}/{report.found}, "
        f"phones {report.phones_right}/{report.phones}, relationships {report.rels_right}/{report.rels}"
    )
    assert report.recall >= RECALL_FLOOR, "\n".join(report.misses)
    assert report.precision >= PRECISION_FLOOR, "\n".join(report.extras)
    assert report.full >= FULL_NAME_FLOOR * report.found
    assert report.phones_right >= PHONE_FLOOR * report.phones
    assert report.rels_right >= RELATIONSHIP_FLOOR * report.rels


@pytest.mark.parametrize("text", NEGATIVES)
def test_no_false_names(text: str) -> None:
    """Staff, doctors, the patient, celebrities, places and products are never referred people."""
    assert [m.name for m in extract_referrals(text) if m.name] == []


def _timing(repeat: int = 20, texts: list[str] | None = None) -> float:
    """Seconds per text of extract_referrals (printed when run as a module, never asserted)."""
    texts = texts if texts is not None else [c["t"] for c in POSITIVES] + NEGATIVES
    start = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            extract_referrals(text)
    return (time.perf_counter() - start) / (repeat * len(texts))


if __name__ == "__main__":
    rep = evaluate()
    for line in rep.misses + rep.extras:
        print(line)
    false = [(t, [m.name for m in extract_referrals(t) if m.name]) for t in NEGATIVES]
    for text, names in false:
        if names:
            print(f"NEGATIVE {text!r}: {names}")
    print(
        f"recall {rep.recall:.3f} ({rep.found}/{rep.expected})  precision {rep.precision:.3f}  "
        f"full {rep.full}/{rep.found}  phones {rep.phones_right}/{rep.phones}  rels {rep.rels_right}/{rep.rels}  "
        f"negatives with names {sum(1 for _, n in false if n)}/{len(NEGATIVES)}"
    )
    print(f"{_timing() * 1e3:.3f} ms per text")
