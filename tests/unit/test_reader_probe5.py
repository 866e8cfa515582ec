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

from tests.unit import probes

ROWS = probes.load("reader_probe5.yml")
MIN_ROWS, LANGUAGES = 300, {"en", "es"}
ACCURACY_FLOOR = {"all": 0.90, "en": 0.88, "es": 0.92}
MAX_FALSE_URGENT = 10  # benign bodily mentions, a relative's fever behind a reschedule (the rules escalate those)
KNOWN_NAME_GAPS: frozenset[str] = frozenset()


probes.define_tests(globals(), ROWS, min_rows=MIN_ROWS, languages=LANGUAGES, accuracy_floor=ACCURACY_FLOOR,
                    max_false_urgent=MAX_FALSE_URGENT, known_name_gaps=KNOWN_NAME_GAPS)


if __name__ == "__main__":
    probes.print_misreadings(ROWS)
