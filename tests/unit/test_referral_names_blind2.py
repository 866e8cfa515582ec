"""Referral names on blind set 2 (tests/unit/data/referral_names_blind2.yml), read through classify().

The set was written before reading the extractor or the dev set, in other voices (older patients, Gen-Z,
voice-to-text, long texts with the name late, Spanish/Spanglish, several people per text). A name only
counts when classify() reads the text as a referral, so the intent is measured too. Run this module
directly for the misses and a timing:

    python -m tests.unit.test_referral_names_blind2
"""
from __future__ import annotations

from pathlib import Path

import yaml

from agent.brains.offline.classify import classify
from agent.brains.offline.extract import extract_referrals
from agent.policy.loader import load_policies
from agent.types import Intent
from tests.unit.test_referral_names_dev import Report, _score, _timing

_DATA = yaml.safe_load((Path(__file__).parent / "data" / "referral_names_blind2.yml").read_text(encoding="utf-8"))
POSITIVES: list[dict] = _DATA["positives"]
NEGATIVES: list[str] = _DATA["negatives"]
P = load_policies()

# Floors this extractor reaches; raise them as it improves, never lower them to pass. Before the fixes
# this set prompted: intent 143/152, recall 0.807 through classify, 0.831 alone; after them: 152/152,
# 0.994, 0.994 (so the set is no longer blind). The intent floor leaves room for the reader's retraining.
INTENT_FLOOR = 0.98
RECALL_FLOOR = 0.98  # names right through classify (a name in a text not read as a referral is missed)
EXTRACT_RECALL_FLOOR = 0.99  # names right from extract_referrals alone
PRECISION_FLOOR = 0.99
FULL_NAME_FLOOR = 0.99
PHONE_FLOOR = 0.96
RELATIONSHIP_FLOOR = 0.99
NEGATIVES_WITH_NAMES_MAX = 0


def evaluate(through_classify: bool = True) -> tuple[Report, int, list[str]]:
    report, read, unread = Report(), 0, []
    for case in POSITIVES:
        if through_classify:
            found = classify(case["t"], P)
            is_referral = found.has(Intent.REFERRAL)
            read += is_referral
            if not is_referral:
                unread.append(case["t"])
            got = list(found.referrals)
        else:
            got = extract_referrals(case["t"])
        _score(case, got, report)
    return report, read, unread


def negative_names() -> list[tuple[str, list[str]]]:
    out = []
    for text in NEGATIVES:
        names = [m.name for m in extract_referrals(text) if m.name]
        if names:
            out.append((text, names))
    return out


def test_blind2_intent_and_names() -> None:
    report, read, unread = evaluate()
    alone, _, _ = evaluate(through_classify=False)
    print(
        f"\nreferral names blind2: intent read {read}/{len(POSITIVES)}, recall {report.recall:.3f} "
        f"({report.found}/{report.expected}), extractor alone {alone.recall:.3f}, precision {report.precision:.3f}, "
        f"full names {report.full}/{report.found}, phones {report.phones_right}/{report.phones}, "
        f"relationships {report.rels_right}/{report.rels}"
    )
    assert read >= INTENT_FLOOR * len(POSITIVES), "\n".join(unread)
    assert report.recall >= RECALL_FLOOR, "\n".join(report.misses)
    assert alone.recall >= EXTRACT_RECALL_FLOOR, "\n".join(alone.misses)
    assert report.precision >= PRECISION_FLOOR, "\n".join(report.extras)
    assert alone.full >= FULL_NAME_FLOOR * alone.found
    assert alone.phones_right >= PHONE_FLOOR * alone.phones
    assert alone.rels_right >= RELATIONSHIP_FLOOR * alone.rels


def test_blind2_negatives() -> None:
    """Staff, doctors, the patient, celebrities, pets and brands are not referred people."""
    bad = negative_names()
    assert len(bad) <= NEGATIVES_WITH_NAMES_MAX, bad


# Fresh set 3, written after the fixes above and measured once (intent 33/35, recall 0.842 through
# classify, 0.895 alone; the extractor before the fixes: 32/35, 0.789, 0.842). One false name it showed
# ("Heads up, Marguerite ...") was fixed; nothing else was tuned on it, so it stays an estimate of how the
# rules carry to texts they were not written for.
_FRESH = yaml.safe_load((Path(__file__).parent / "data" / "referral_names_fresh3.yml").read_text(encoding="utf-8"))
FRESH_INTENT_FLOOR = 0.94
FRESH_RECALL_FLOOR = 0.84
FRESH_EXTRACT_RECALL_FLOOR = 0.89


def test_fresh3_intent_and_names() -> None:
    report, alone, read = Report(), Report(), 0
    for case in _FRESH["positives"]:
        found = classify(case["t"], P)
        read += found.has(Intent.REFERRAL)
        _score(case, list(found.referrals), report)
        _score(case, extract_referrals(case["t"]), alone)
    print(f"\nreferral names fresh3: intent read {read}/{len(_FRESH['positives'])}, recall {report.recall:.3f}, "
          f"extractor alone {alone.recall:.3f}, precision {alone.precision:.3f}")
    assert read >= FRESH_INTENT_FLOOR * len(_FRESH["positives"])
    assert report.recall >= FRESH_RECALL_FLOOR, "\n".join(report.misses)
    assert alone.recall >= FRESH_EXTRACT_RECALL_FLOOR, "\n".join(alone.misses)
    assert alone.precision >= PRECISION_FLOOR, "\n".join(alone.extras)
    assert not [t for t in _FRESH["negatives"] if any(m.name for m in extract_referrals(t))]


if __name__ == "__main__":
    rep, n_read, not_read = evaluate()
    alone_rep, _, _ = evaluate(through_classify=False)
    for line in not_read:
        print(f"NOT READ AS REFERRAL {line!r}")
    for line in alone_rep.misses + alone_rep.extras:
        print("EXTRACT", line)
    for text, names in negative_names():
        print(f"NEGATIVE {text!r}: {names}")
    print(
        f"intent read {n_read}/{len(POSITIVES)}  recall via classify {rep.recall:.3f} ({rep.found}/{rep.expected})  "
        f"extractor alone {alone_rep.recall:.3f} ({alone_rep.found}/{alone_rep.expected})  "
        f"precision {alone_rep.precision:.3f}  full {alone_rep.full}/{alone_rep.found}  "
        f"phones {alone_rep.phones_right}/{alone_rep.phones}  rels {alone_rep.rels_right}/{alone_rep.rels}  "
        f"negatives with names {len(negative_names())}/{len(NEGATIVES)}"
    )
    print(f"{_timing(texts=[c['t'] for c in POSITIVES] + NEGATIVES) * 1e3:.3f} ms per text")
