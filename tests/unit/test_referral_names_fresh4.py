"""Referral names on fresh set 4 (tests/unit/data/referral_names_fresh4.yml), from extract_referrals alone.

Baseline (measured once before any change): recall 0.959, precision 1.000 on positives and 0.940 with
the negatives, exact-set 0.934, 9 of 82 negatives with names.

Run this module directly for the misses and the false names:

    python -m tests.unit.test_referral_names_fresh4
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agent.brains.offline.extract import extract_referrals
from tests.unit.test_referral_names_dev import Report, _score

_DATA = yaml.safe_load((Path(__file__).parent / "data" / "referral_names_fresh4.yml").read_text(encoding="utf-8"))
POSITIVES: list[dict] = _DATA["positives"]
NEGATIVES: list[str] = _DATA["negatives"]


@dataclass
class Fresh4:
    names: Report = field(default_factory=Report)
    exact: int = 0  # rows (positives and negatives) whose set of full names is exactly the expected one
    rows: int = 0
    negative_names: list[tuple[str, list[str]]] = field(default_factory=list)
    inexact: list[str] = field(default_factory=list)

    @property
    def exact_rate(self) -> float:
        return self.exact / self.rows

    @property
    def precision_all(self) -> float:
        """Precision counting names returned on negatives as wrong too."""
        predicted = self.names.predicted + sum(len(n) for _, n in self.negative_names)
        return self.names.correct / predicted if predicted else 1.0


def _row(text: str, expected: list[str], out: Fresh4) -> list[str]:
    got = [m.name for m in extract_referrals(text) if m.name]
    out.rows += 1
    if sorted(n.casefold() for n in got) == sorted(n.casefold() for n in expected):
        out.exact += 1
    else:
        out.inexact.append(f"{text!r}: expected {expected}, got {got}")
    return got


def evaluate() -> Fresh4:
    out = Fresh4()
    for case in POSITIVES:
        _row(case["t"], [p["n"] for p in case["p"]], out)
        _score(case, extract_referrals(case["t"]), out.names)
    for text in NEGATIVES:
        got = _row(text, [], out)
        if got:
            out.negative_names.append((text, got))
    return out


def summary(out: Fresh4) -> str:
    r = out.names
    return (f"recall {r.recall:.3f} ({r.found}/{r.expected})  precision on positives {r.precision:.3f}  "
            f"precision with negatives {out.precision_all:.3f}  exact-set {out.exact_rate:.3f} ({out.exact}/{out.rows})  "
            f"negatives with names {len(out.negative_names)}/{len(NEGATIVES)}  full {r.full}/{r.found}  "
            f"phones {r.phones_right}/{r.phones}  rels {r.rels_right}/{r.rels}")


if __name__ == "__main__":
    res = evaluate()
    for line in res.names.misses + res.names.extras:
        print(line)
    for text, names in res.negative_names:
        print(f"NEGATIVE {text!r}: {names}")
    print(summary(res))
