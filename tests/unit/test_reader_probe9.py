"""Probe set 9, English and Spanish (tests/unit/data/reader_probe9.yml): written blind by a separate author
who never saw the training files, the rules or the earlier probes. Voices: formal older writers with no
punctuation, voice-to-text with homophones and spoken punctuation, autocorrect slips, Gen Z abbreviations,
a spouse, daughter or friend texting for the patient, symptoms that start days later, emoji-heavy texts,
Spain, Rioplatense, Puerto Rican and Colombian Spanish, Spanglish; red flags in every family told without
the textbook word, plain-language opt-outs, referrals by command, by number, several at once and with
names that are also words (Joy, Hope, Rose, Will), sarcasm and refusals, and hard negatives that borrow
red-flag words (white teeth, a blister from new shoes, "breath of fresh air", a blurry photo).

Measured blind on the round-8 reader: accuracy 0.887 (en 0.878, es 0.901), red flags 75/75, opt-outs
25/25, no false opt-out, 8 false urgents, referral names 23/30. Round 9 of the training data, written at
the same time and without seeing the probe (policies/nlu/{en,es}/round9.yml), alone: 0.892, 7 false
urgents. Then the rules, after reading the probe's misreadings (the probe is no longer blind for them):
complaints stated as facts inside sarcastic praise ("$600 to look exactly the same", "would definitely
not recommend", "lips that disappeared in three weeks", "para quedar igual"), "no one to refer" as a
decline without an ask, "no, gracias" with a comma, "tell Jordan she should call you", "she'll prob text
u", "would both like appointments", a capitalised word-name joined to a name ("Joy and Rose"), and
triage exceptions for white teeth, a pale face from a cold, a blister from shoes, "el peeling" (the
treatment) and Dolores (a name). After: accuracy 0.942 (en 0.957, es 0.921), red flags 75/75, opt-outs
25/25, no false opt-out, 5 false urgents, referral names 28/30.

Left alone: "Will wants to come in" (the tests pin "April wants to come" as nobody: a word-name alone at
the start is not trusted), "Joy and Rose from my book club" (the book club clause hides the pair), a
bare "lol no" or "jaja no, gracias" with no ask outstanding reads neutral (a decline is recorded for good;
with the ask outstanding both decline), and the model's red-flag detector on "breath of fresh air", a pale
face from a cold and two mild effects said mildly (false urgents: a clinician calls, nobody is missed).

    python -m tests.unit.test_reader_probe9
"""
from __future__ import annotations

import pytest

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import AskKind, Intent
from tests.unit import probes

ROWS = probes.load("reader_probe9.yml")
MIN_ROWS, LANGUAGES = 240, {"en", "es"}
ACCURACY_FLOOR = {"en": 0.94, "es": 0.90}
MAX_FALSE_URGENT = 6
KNOWN_NAME_GAPS = frozenset({
    "Will wants to come in with me next time, he's finally ready for botox lol",
    "Joy and Rose from my book club both asked about you guys so I gave them your card",
})

probes.define_tests(globals(), ROWS, min_rows=MIN_ROWS, languages=LANGUAGES, accuracy_floor=ACCURACY_FLOOR,
                    max_false_urgent=MAX_FALSE_URGENT, known_name_gaps=KNOWN_NAME_GAPS)


@pytest.mark.parametrize("text", [
    "wow $600 to look exactly the same, amazing value",
    "10/10 would definitely not recommend the front desk",
    "love paying for lips that vanished in two weeks, truly magical",
    "pagué 400 euros para quedar igual, genial",
    "qué maravilla, no se nota nada",
])
def test_a_complaint_inside_praise_is_unhappy_and_earns_no_ask(text: str) -> None:
    reading = classify(text, default_policies())
    assert reading.has(Intent.UNHAPPY), reading.intents
    assert reading.top.intent is not Intent.POSITIVE


@pytest.mark.parametrize("text", [
    "I can't recommend you guys enough", "would recommend to anyone", "the bruise disappeared in two days, love it",
])
def test_praise_and_healing_stay_praise(text: str) -> None:
    assert classify(text, default_policies()).top.intent is Intent.POSITIVE


@pytest.mark.parametrize("text", [
    "I'm so happy with it but I don't know anyone who would be interested", "no one comes to mind",
    "can't think of anyone rn sorry", "no conozco a nadie que se haga eso",
])
def test_no_one_to_refer_is_a_decline_even_without_an_ask(text: str) -> None:
    assert classify(text, default_policies()).top.intent is Intent.DECLINE


def test_no_thanks_with_a_comma_after_the_ask_is_a_decline() -> None:
    asked = frozenset({AskKind.REFERRAL})
    assert classify("jaja no, gracias", default_policies(), last_asks=asked).top.intent is Intent.DECLINE
    assert classify("haha no, thanks!", default_policies(), last_asks=asked).top.intent is Intent.DECLINE


@pytest.mark.parametrize(("text", "names"), [
    ("Tell Jordan she should call you, she's been wanting filler", {"Jordan"}),
    ("my roommate Taylor loves my lips, she'll prob text u", {"Taylor"}),
    ("my bridge partners Eleanor and Ruth would both like appointments", {"Eleanor", "Ruth"}),
    ("Joy and Rose both asked about you guys", {"Joy", "Rose"}),
    ("please give my neighbor Dolores a call, she wants in", {"Dolores"}),
])
def test_referral_forms(text: str, names: set[str]) -> None:
    reading = classify(text, default_policies())
    assert reading.top.intent is Intent.REFERRAL, reading.intents
    assert names <= {m.name for m in reading.referrals}


@pytest.mark.parametrize("text", [
    "my teeth look so white next to my new lips",
    "got a blister from my new shoes walking to the appointment, lips look perfect",
    "mi prima quiere el peeling, le paso tu número",
])
def test_lookalikes_are_not_red_flags(text: str) -> None:
    assert not classify(text, default_policies()).has(Intent.URGENT)


@pytest.mark.parametrize("text", [
    "my lip went white and it won't pink back up",
    "the skin on my chin looks pale and it hurts",
    "there's a blister on my lip where you injected",
    "I have blisters on my upper lip from the filler",
])
def test_the_red_flags_next_to_those_words_still_escalate(text: str) -> None:
    assert classify(text, default_policies()).has(Intent.URGENT)


if __name__ == "__main__":
    probes.print_misreadings(ROWS)
