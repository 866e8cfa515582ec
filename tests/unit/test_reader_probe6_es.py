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

from agent.types import Intent
from tests.unit import probes

ROWS = probes.load("reader_probe6_es.yml")
MIN_ROWS, LANGUAGES = 200, {"es"}
ACCURACY_FLOOR = {"es": 0.95}
MAX_FALSE_URGENT = 4  # a child's fever behind a reschedule or small talk (the rules escalate those)
KNOWN_NAME_GAPS: frozenset[str] = frozenset()


probes.define_tests(globals(), ROWS, min_rows=MIN_ROWS, languages=LANGUAGES, accuracy_floor=ACCURACY_FLOOR,
                    max_false_urgent=MAX_FALSE_URGENT, known_name_gaps=KNOWN_NAME_GAPS)


def test_every_intent_is_probed() -> None:
    assert {r["intent"] for r in ROWS} == {i.value for i in Intent}


if __name__ == "__main__":
    probes.print_misreadings(ROWS)
