"""Probe set 8, English and Spanish (tests/unit/data/reader_probe8.yml): voices the training data lacked.
Anxious over-explainers (long worried texts whose deciding point is mild or serious), angry ALL-CAPS
complaints and refund demands, jokers whose jokes borrow red-flag words ("I look like I got punched lol"
on day 1 is a concern; "killing it", "to die for" is praise) next to real red flags told as jokes,
pregnancy, breastfeeding, medication and alcohol questions, billing, insurance, HSA/FSA, refund and receipt
questions, running late, parking and directions, fragments sent one at a time ("so", "my lip", "is kinda
white and cold?"), Mexican slang, fast Caribbean Spanish, and Spanish with English medical words. Read
through the full classify() as a turn reads them (rules and model, default policies, no ask outstanding).

Written before round 8 of the training data (policies/nlu/en/round8.yml, policies/nlu/es/round8.yml) and
never copied into it. Two bare greetings ("hey", "hola") were first labelled other and corrected to
neutral after the baseline run (the reader reads a greeting as an acknowledgement); the figures below use
the corrected labels.

Measured on the round-7 reader: accuracy 0.899 (186/207; en 0.862 106/123, es 0.952 80/84), red flags
44/44, opt-outs 9/9, 1 false opt-out ("STOP drinking before botox? how many days before do you mean"), 2
false pauses (a caps complaint "LES ESCRIBÍ TRES VECES", "ya no me pidan reseñas"), 5 false urgents.
After round 8 (the training files above; a "round 8" exception in keywords.yaml: a leading STOP followed
by a habit or a medicine, "stop drinking", "stop taking aspirin", is not a revocation; a "round 8"
exception in triage.yaml occlusion_pain: "for the soreness or does that make the bruising worse", where the
worsening belongs to the bruise): accuracy 0.918 (190/207; en 0.886 109/123, es 0.964 81/84), red flags
44/44, opt-outs 9/9, no false opt-out, 2 false pauses, 2 false urgents (the model's red-flag detector on a
bare "my lip" and on "my husband can't even see it" about a brow). On the older probes the same
retrain leaves set 7 at 0.938 and moves set 5 from 0.937 to 0.931 (one more false urgent, 4).

Left alone, because the rules read them on purpose: a pregnancy or breastfeeding mention is a worry in
words (lexicon.WORRY), so a safety question about it reads as a concern (a clinician answers) where the
probe says question; "refund" is a complaint word, so "when will the refund hit my account?" reads unhappy;
a named effect in a hypothetical ("I don't wanna be bruised in the photos") reads concern over booking; a
nameless family member ("my mom uses a walker and she's coming with me") reads as a referral.
The floors sit a little under the measured figures; raise them as the reader improves, never lower them
to pass. Run this module directly for the misreadings:

    python -m tests.unit.test_reader_probe8
"""
from __future__ import annotations

import pytest

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import Intent
from tests.unit import probes

ROWS = probes.load("reader_probe8.yml")
MIN_ROWS, LANGUAGES = 200, {"en", "es"}
ACCURACY_FLOOR = {"en": 0.87, "es": 0.94}
MAX_FALSE_URGENT = 3  # the model's red-flag detector on a bare "my lip" and on "can't even see it" about a brow


probes.define_tests(globals(), ROWS, min_rows=MIN_ROWS, languages=LANGUAGES, accuracy_floor=ACCURACY_FLOOR,
                    max_false_urgent=MAX_FALSE_URGENT)


@pytest.mark.parametrize("text", [
    "STOP drinking before botox? how many days before do you mean",
    "stop taking aspirin before filler? for how long",
    "stop smoking before the laser, is that a must?",
])
def test_a_habit_to_stop_is_not_a_revocation(text: str) -> None:
    assert not classify(text, default_policies()).has(Intent.OPT_OUT)


@pytest.mark.parametrize("text", [
    "STOP", "stop texting me", "STOP. taking my number off your list would be nice", "stop, no more texts",
])
def test_a_leading_stop_still_opts_out(text: str) -> None:
    assert classify(text, default_policies()).has(Intent.OPT_OUT)


def test_worse_about_the_bruising_is_not_pain_getting_worse() -> None:
    policies = default_policies()
    assert not classify("can I take ibuprofen for the soreness or does that make the bruising worse",
                        policies).has(Intent.URGENT)
    assert classify("the pain is getting worse and worse, does ice make the swelling worse?",
                    policies).has(Intent.URGENT)


if __name__ == "__main__":
    probes.print_misreadings(ROWS)
