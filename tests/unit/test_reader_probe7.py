"""Probe set 7, English and Spanish (tests/unit/data/reader_probe7.yml): texts in situations and voices the
training data did not have: replies to the later touches (a review ask, the 3-month "time for a
touch-up?" milestone, a nudge after a silence: "sorry just seeing this", "who is this again", "I already
left a review"), caregivers and spouses texting for the patient, quoted clinic text ("> How are you liking
your results?" then the answer), long multi-paragraph messages with the deciding point in the middle,
texts meant for someone else, links, emoji-only texts and phone reactions ("Liked “…”", "Reacted 👍 to
“…”", "Le encantó “…”"), numbers and dates, red flags told with hedges and understatement in every
family, and Spanish from older patients and from teens. Read through the full classify() as a turn reads
them (rules and model, default policies, no ask outstanding).

Written before round 7 of the training data (policies/nlu/en/round7.yml, policies/nlu/es/round7.yml) and
never copied into it. Four rows that name unevenness together with a complaint were first labelled
unhappy and corrected to concern after the baseline run (asymmetry is a concern in the concern file
headers, and concern comes before unhappy in the precedence); the figures below use the corrected labels.

Measured on the round-6 reader: accuracy 0.876 (241/275; en 0.881 141/160, es 0.870 100/115), red flags
81/82 (a long caregiver's update: "he couldn't see properly out of his right eye, like a grey curtain"),
opt-outs 29/29, 2 false opt-outs (a husband who will "pass the message on", a reassigned number), 3 false
pauses, 6 false urgents; every phone reaction that quoted a question or a touch-up read as the quoted
words. After round 7 (the training files above; the "round 7" blocks in triage.yaml: past-tense "couldn't
see" and a curtain over the sight, a healing bruise turning green or yellow, nerves in the waiting room;
ALTA as the Spanish opt-in keyword in keywords.yaml; in classify.py a reaction alone reads as the reaction
and lines quoted with ">" are the clinic's words): accuracy 0.938 (258/275; en 0.944 151/160, es 0.930
107/115), red flags 82/82, opt-outs 29/29, no false opt-out, 4 false pauses, 4 false urgents (the model's
red-flag detector on a healing bruise, a blurry photo, a mild headache that paracetamol clears, a small
lump), referral names 12/14 both before and after (names listed after the sentence are not
extracted). The floors sit a little under that; raise them as the reader improves, never lower them to pass.
Run this module directly for the misreadings:

    python -m tests.unit.test_reader_probe7
"""
from __future__ import annotations

import pytest

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import Intent
from tests.unit import probes

ROWS = probes.load("reader_probe7.yml")
MIN_ROWS, LANGUAGES = 250, {"en", "es"}
ACCURACY_FLOOR = {"en": 0.92, "es": 0.91}
MAX_FALSE_URGENT = 5  # the model's red-flag detector on a healing bruise, a blurry photo, a mild headache, a lump
# Names listed after the sentence that introduces them ("2 of my gym friends want to come in, Bri and
# Kendra") are not extracted (agent/brains/offline/extract.py); the text still reads as a referral. Left
# for a code change, not a data round.
KNOWN_NAME_GAPS = frozenset({
    "2 of my gym friends want to come in, Bri and Kendra. what's the best way to book them",
    "dos amigas del gym quieren ir, Fer y Dany, ¿cómo les hago la cita?",
})


probes.define_tests(globals(), ROWS, min_rows=MIN_ROWS, languages=LANGUAGES, accuracy_floor=ACCURACY_FLOOR,
                    max_false_urgent=MAX_FALSE_URGENT, known_name_gaps=KNOWN_NAME_GAPS)


@pytest.mark.parametrize("text", sorted(KNOWN_NAME_GAPS))
def test_texts_whose_names_are_missed_still_read_as_referrals(text: str) -> None:
    assert classify(text, default_policies()).top.intent is Intent.REFERRAL


@pytest.mark.parametrize("text, intent", [
    ("Liked “How are you liking your results?”", Intent.NEUTRAL),
    ("Loved “How are you liking your results?”", Intent.POSITIVE),
    ("Laughed at “Time for a touch-up? It's been 3 months!”", Intent.OTHER),
    ("Reaccionó con 👍 a “¿Ya toca su retoque?”", Intent.NEUTRAL),
])
def test_a_reaction_alone_reads_as_the_reaction(text: str, intent: Intent) -> None:
    assert any(r["text"] == text for r in ROWS)
    assert classify(text, default_policies()).top.intent is intent


def test_a_red_flag_after_a_reaction_or_inside_a_quote_still_escalates() -> None:
    policies = default_policies()
    assert classify("Liked “How are you feeling?” but my lip has gone white and cold", policies).has(Intent.URGENT)
    assert classify("> my lip is white and cold\nstill waiting to hear back", policies).has(Intent.URGENT)
    assert classify("Liked “my lip went white”", policies).has(Intent.URGENT)


if __name__ == "__main__":
    probes.print_misreadings(ROWS)
