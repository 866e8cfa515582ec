"""Probe set 6, English (tests/unit/data/reader_probe6_en.yml): texts in voices the training data did not
have (Gen Z slang and emoji, formal letters with signatures, English as a second language, nurses'
clinical words, ALL CAPS and autocorrect, two topics in one text, answers to a referral ask, sarcasm),
read through the full classify() as a turn reads them (rules and model, default policies, no ask
outstanding).

Written before round 6 of the training data and never copied into it. Measured on the round-5 reader:
accuracy 0.929 (235/253 as first labelled; 0.941 once the three bare ask-answers "nah" / "maybe later"
were relabelled neutral, as reader.yaml decline_topic reads them with no ask outstanding), red flags
88/89 (missed "new onset diplopia"), opt-outs 29/30 (a wrong-number text asking to be taken off the list
read as wrong_number only), no false opt-out, 3 false urgents. After round 6 (policies/nlu/en/round6.yml,
the clinical-word block in triage.yaml, the number-off-the-list phrase in keywords.yaml): accuracy 0.960
(243/253), red flags 89/89, opt-outs 30/30, no false opt-out, 2 false urgents. The floors sit a little
under that; raise them as the reader improves, never lower them to pass. Run this module directly for
the misreadings:

    python -m tests.unit.test_reader_probe6_en
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import AskKind, Intent

ROWS: list[dict] = yaml.safe_load(
    (Path(__file__).parent / "data" / "reader_probe6_en.yml").read_text(encoding="utf-8"))
ACCURACY_FLOOR = 0.94
MAX_FALSE_URGENT = 4  # "transient blanching ... resolved" and a sunburn-like laser redness: the rules escalate those
# Bare answers to a referral ask: neutral with no ask outstanding, declines once the ask is out.
ASK_ANSWERS = ["nah", "maybe later", "not right now, maybe later"]
# A name that opens the text followed by "!" is not extracted (agent/brains/offline/extract.py; with a
# referral ask outstanding the text even reads as other). Left for a code change, not a data round.
KNOWN_NAME_GAPS = {"Hannah! she has been wanting to come for ages"}


@pytest.fixture(scope="module")
def readings():  # noqa: ANN201
    policies = default_policies()
    return [(row, classify(row["text"], policies)) for row in ROWS]


def test_the_probe_set_is_well_formed() -> None:
    assert len(ROWS) >= 250
    assert {r["language"] for r in ROWS} == {"en"}
    assert len({r["text"].casefold() for r in ROWS}) == len(ROWS)
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


def test_accuracy_floor(readings) -> None:  # noqa: ANN001
    wrong = [(r["intent"], c.top.intent.value, r["text"]) for r, c in readings if c.top.intent.value != r["intent"]]
    accuracy = 1 - len(wrong) / len(readings)
    assert accuracy >= ACCURACY_FLOOR, (round(accuracy, 3), wrong)


def test_referrals_name_the_people(readings) -> None:  # noqa: ANN001
    for row, c in readings:
        if row.get("names") and row["text"] not in KNOWN_NAME_GAPS:
            assert c.top.intent is Intent.REFERRAL, row["text"]
            found = {m.name for m in c.referrals if m.name}
            assert set(row["names"]) <= found, (row["text"], found)


@pytest.mark.parametrize("text", ASK_ANSWERS)
def test_bare_answers_to_a_referral_ask_decline(text: str) -> None:
    assert any(r["text"] == text for r in ROWS)
    c = classify(text, default_policies(), last_asks=frozenset({AskKind.REFERRAL}))
    assert c.top.intent is Intent.DECLINE, c.intents


if __name__ == "__main__":
    pols = default_policies()
    for row in ROWS:
        c = classify(row["text"], pols)
        if c.top.intent.value != row["intent"]:
            print(f"{row['intent']:>16} -> {c.top.intent.value:<16} {row['text']}")
