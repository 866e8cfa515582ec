"""Probe set 6, Spanish and Spanglish (tests/unit/data/reader_probe6_es.yml): texts in voices the training
data did not have (Puerto Rican, Dominican, Colombian and Central American voseo Spanish, heavy SMS
shorthand, phonetic spelling without accents, mid-sentence Spanglish, formal usted, voice-to-text, two
topics in one text, bare answers to the referral ask, sarcasm and negated praise, benign lookalikes), read
through the full classify() as a turn reads them (rules and model, default policies, no ask outstanding).

Written before round 6 of the training data (policies/nlu/es/round6.yml) and never copied into it.
Measured before round 6 (the round-5 reader): accuracy 0.937 (208/222), red flags 64/64, opt-outs 26/26,
no false opt-out (one question held as a possible opt-out), 3 false urgents, referral names 14/15 (the
name Dolores read as pain). After round 6 and the "es round 6" rule blocks: accuracy 0.968 (215/222),
red flags 64/64, opt-outs 26/26, no false opt-out, 3 false urgents (a child's fever twice, an inflamed
lip the English rules escalate too), referral names 15/15. The floors sit a little under what round 6
measures; raise them as the reader improves, never lower them to pass. Run this module directly for the
misreadings:

    python -m tests.unit.test_reader_probe6_es
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import Intent

ROWS: list[dict] = yaml.safe_load(
    (Path(__file__).parent / "data" / "reader_probe6_es.yml").read_text(encoding="utf-8"))
ACCURACY_FLOOR = 0.95
MAX_FALSE_URGENT = 4  # a child's fever behind a reschedule or small talk (the rules escalate those)


@pytest.fixture(scope="module")
def readings():  # noqa: ANN201
    policies = default_policies()
    return [(row, classify(row["text"], policies)) for row in ROWS]


def test_the_probe_set_is_well_formed() -> None:
    assert len(ROWS) >= 200
    assert {r["language"] for r in ROWS} == {"es"}
    assert len({r["text"].casefold() for r in ROWS}) == len(ROWS)
    for row in ROWS:
        Intent(row["intent"])  # a known intent
        assert set(row) <= {"text", "intent", "language", "names"}
    assert {r["intent"] for r in ROWS} == {i.value for i in Intent}  # every intent


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


def test_accuracy_floor(readings) -> None:  # noqa: ANN001
    wrong = [(r["intent"], c.top.intent.value, r["text"]) for r, c in readings if c.top.intent.value != r["intent"]]
    accuracy = 1 - len(wrong) / len(readings)
    assert accuracy >= ACCURACY_FLOOR, (round(accuracy, 3), wrong)


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
