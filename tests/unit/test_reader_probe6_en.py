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

import pytest

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import AskKind, Intent
from tests.unit import probes

ROWS = probes.load("reader_probe6_en.yml")
MIN_ROWS, LANGUAGES = 250, {"en"}
ACCURACY_FLOOR = {"en": 0.94}
MAX_FALSE_URGENT = 4  # "transient blanching ... resolved" and a sunburn-like laser redness: the rules escalate those
# Bare answers to a referral ask: neutral with no ask outstanding, declines once the ask is out.
ASK_ANSWERS = ["nah", "maybe later", "not right now, maybe later"]
# A name that opens the text followed by "!" is not extracted (agent/brains/offline/extract.py; with a
# referral ask outstanding the text even reads as other). Left for a code change, not a data round.
KNOWN_NAME_GAPS = frozenset({"Hannah! she has been wanting to come for ages"})


probes.define_tests(globals(), ROWS, min_rows=MIN_ROWS, languages=LANGUAGES, accuracy_floor=ACCURACY_FLOOR,
                    max_false_urgent=MAX_FALSE_URGENT, known_name_gaps=KNOWN_NAME_GAPS)


@pytest.mark.parametrize("text", ASK_ANSWERS)
def test_bare_answers_to_a_referral_ask_decline(text: str) -> None:
    assert any(r["text"] == text for r in ROWS)
    c = classify(text, default_policies(), last_asks=frozenset({AskKind.REFERRAL}))
    assert c.top.intent is Intent.DECLINE, c.intents


if __name__ == "__main__":
    probes.print_misreadings(ROWS)
