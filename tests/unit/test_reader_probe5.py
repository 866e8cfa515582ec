"""Probe set 5 (tests/unit/data/reader_probe5.yml): texts in voices the training data did not have, read
through the full classify() as a turn reads them (rules and model, default policies, no ask outstanding).

Written before round 5 of the training data and never copied into it. Measured before round 5 (the
round-4 reader): accuracy 0.836, red flags 90/90, opt-outs read as opt-outs 44/46 (the other two only
paused), 2 false opt-outs, 14 false urgents. After: accuracy 0.915 (en 0.896, es 0.944), 90/90, 46/46,
no false opt-out, 8 false urgents. The floors sit a little under what round 5 measures; raise them as
the reader improves, never lower them to pass. Run this module directly for the misreadings:

    python -m tests.unit.test_reader_probe5
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import Intent

ROWS: list[dict] = yaml.safe_load((Path(__file__).parent / "data" / "reader_probe5.yml").read_text(encoding="utf-8"))
ACCURACY_FLOOR = {"all": 0.90, "en": 0.88, "es": 0.92}
MAX_FALSE_URGENT = 10  # benign bodily mentions, a relative's fever behind a reschedule (the rules escalate those)


@pytest.fixture(scope="module")
def readings():  # noqa: ANN201
    policies = default_policies()
    return [(row, classify(row["text"], policies)) for row in ROWS]


def test_the_probe_set_is_well_formed() -> None:
    assert len(ROWS) >= 300
    assert {r["language"] for r in ROWS} == {"en", "es"}
    for row in ROWS:
        Intent(row["intent"])  # a known intent
        assert set(row) <= {"text", "intent", "language", "names"}


def test_every_red_flag_is_urgent(readings) -> None:  # noqa: ANN001
    missed = [r["text"] for r, c in readings if r["intent"] == "urgent" and not c.has(Intent.URGENT)]
    assert not missed, f"red flags not escalated: {missed}"


def test_every_opt_out_is_honoured(readings) -> None:  # noqa: ANN001
    missed = [r["text"] for r, c in readings if r["intent"] == "opt_out" and not c.has(Intent.OPT_OUT)]
    assert not missed, f"opt-outs not read as opt-outs: {missed}"


def test_no_false_opt_out(readings) -> None:  # noqa: ANN001
    false = [r["text"] for r, c in readings if r["intent"] != "opt_out" and c.has(Intent.OPT_OUT)]
    assert not false, f"read as opt-outs: {false}"


def test_false_urgents_stay_few(readings) -> None:  # noqa: ANN001
    false = [r["text"] for r, c in readings if r["intent"] != "urgent" and c.has(Intent.URGENT)]
    assert len(false) <= MAX_FALSE_URGENT, false


@pytest.mark.parametrize("language", ["all", "en", "es"])
def test_accuracy_floor(readings, language: str) -> None:  # noqa: ANN001
    rows = [(r, c) for r, c in readings if language in ("all", r["language"])]
    wrong = [(r["intent"], c.top.intent.value, r["text"]) for r, c in rows if c.top.intent.value != r["intent"]]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= ACCURACY_FLOOR[language], (round(accuracy, 3), wrong)


def test_referrals_name_the_people(readings) -> None:  # noqa: ANN001
    for row, c in readings:
        if row.get("names"):
            assert c.top.intent is Intent.REFERRAL, row["text"]
            found = {m.name for m in c.referrals if m.name}
            assert set(row["names"]) <= found, (row["text"], found)


if __name__ == "__main__":
    pols = default_policies()
    for row in ROWS:
        c = classify(row["text"], pols)
        if c.top.intent.value != row["intent"]:
            print(f"{row['intent']:>16} -> {c.top.intent.value:<16} {row['text']}")
