"""Rules added after the eighth blind split's first reading (evals/nlu/heldout8, README "Reading patients").
The texts are written fresh for the kinds that split showed, never copied from it; each pins one outcome of
the full classify() and, next to it, the nearest text that must keep the old one."""
from __future__ import annotations

import pytest

from agent.brains.offline.blend import matches, reads_red_flag
from agent.brains.offline.classify import classify
from agent.nlu.reader import Reading
from agent.keywords import match_keyword
from agent.policy.loader import default_policies
from agent.triage import triage
from agent.types import Intent, Keyword

POLICIES = default_policies()


def _deciding(text: str) -> Intent:
    return classify(text, POLICIES).intents[0].intent


@pytest.mark.parametrize("text", [
    "thanks, but I'm done after this one session, won't be coming back for more",
    "gonna skip the touch up, I'm happy as is",
    "no need for a follow up appointment, all good here",
    "nah one round of peels was plenty for me",
    "gracias pero ya no voy a volver por mas sesiones",
])
def test_turning_down_more_treatment_is_a_decline(text: str) -> None:
    assert _deciding(text) is Intent.DECLINE


@pytest.mark.parametrize(("text", "intent"), [
    ("no thanks", Intent.NEUTRAL),  # a bare no to a check-in declines nothing for good
    ("can I skip the touch up and come in for a facial instead?", Intent.BOOKING),
    ("is it ok to skip the follow up?", Intent.QUESTION),
])
def test_a_bare_no_or_a_question_about_skipping_is_not_a_decline(text: str, intent: Intent) -> None:
    assert _deciding(text) is intent


@pytest.mark.parametrize("text", [
    "on my way 🚗",
    "omw!",
    "I'm here, which entrance?",
    "im in the parking garage",
    "Confirmed, thank you",
    "yes I will be there at 4",
    "ya voy en camino",
    "ya llegué",
    "estoy en el estacionamiento, subo?",
    "SI CONFIRMO",
])
def test_arriving_or_confirming_in_few_words_is_a_booking(text: str) -> None:
    assert _deciding(text) is Intent.BOOKING


@pytest.mark.parametrize("text", [
    "I'll be there for my cousin's quinceañera so I needed the glow",
    "omw to work, will reply later",
])
def test_being_somewhere_else_is_not_a_booking(text: str) -> None:
    assert _deciding(text) is not Intent.BOOKING


@pytest.mark.parametrize("text", [
    "nomas pa que sepan que anoche fui a dar al ER jaja pero ya ando mejor",
    "me llevaron al hospital anoche por lo de la cara",
    "voy camino al urgent care, se me hinchó todo",
])
def test_the_er_or_the_hospital_in_spanish_is_an_emergency(text: str) -> None:
    assert "emergency" in triage(text, POLICIES.triage).red_flags


@pytest.mark.parametrize("text", [
    "the girl who did my facial was kinda cold and rude",
    "la doctora fue muy fria conmigo",
])
def test_a_cold_manner_is_not_cold_skin(text: str) -> None:
    assert "cold_skin" not in triage(text, POLICIES.triage).red_flags
    assert _deciding(text) is Intent.UNHAPPY


def test_cold_skin_beside_a_person_still_counts() -> None:
    assert "cold_skin" in triage("she was lovely but my lip is cold to the touch", POLICIES.triage).red_flags


@pytest.mark.parametrize("text", [
    "the bruise got bigger than I thought, kind of a purple blob by my lip, doesnt hurt",
    "brows feel a little heavy and droopy, not dramatic",
])
def test_an_expected_effect_the_model_calls_concern_is_not_escalated_on_a_weak_model_flag(text: str) -> None:
    reading = classify(text, POLICIES)
    assert reading.intents[0].intent is Intent.CONCERN, reading.intents
    assert not reading.has(Intent.URGENT)


def test_a_red_flag_the_rules_read_beside_an_effect_stays_urgent() -> None:
    assert _deciding("my lip is swollen and the skin around it went white") is Intent.URGENT


@pytest.mark.parametrize("text", [
    "no me sentí bien atendida la verdad",
    "no quedé bien, la verdad esperaba más",
    "didn't feel great about how they treated me",
])
def test_praise_words_under_a_negated_verb_are_a_complaint(text: str) -> None:
    assert _deciding(text) is Intent.UNHAPPY


def test_a_no_that_answers_before_the_comma_is_not_a_negation() -> None:
    assert _deciding("No, me siento bien, gracias") is Intent.NEUTRAL  # "no (problems), I feel fine"


# After the ninth blind split's first reading (evals/nlu/heldout9).

@pytest.mark.parametrize(("text", "family"), [
    ("the ER doctor says they need to know which filler you used on me, can someone call them", "emergency"),
    ("hospital wants the name of the product from my visit", "emergency"),
    ("please call the triage nurse line at Mercy, they have questions", "emergency"),
    ("me siento afiebrado, 38.9 desde anoche", "fever"),
    ("feel awful, 101.4 this morning", "fever"),
])
def test_red_flags_told_through_the_hospital_or_a_bare_temperature(text: str, family: str) -> None:
    assert family in triage(text, POLICIES.triage).red_flags


@pytest.mark.parametrize("text", [
    "I'm an ER nurse, just wanted to say your clinic was spotless",
    "feeling great, down to 138.5 lbs",
    "feel great, paid 38.50 for parking though",
    "ando atorada en el trabajo, ¿me pueden mover la cita?",
])
def test_the_same_words_without_a_red_flag(text: str) -> None:
    assert triage(text, POLICIES.triage).red_flags == ()


@pytest.mark.parametrize(("text", "intent"), [
    ("ya me pueden escribir otra vez, me arrepentí de darme de baja", Intent.OPT_IN),
    ("no me pueden escribir otra vez", Intent.OPT_OUT),
    ("no me vuelvan a escribir más", Intent.OPT_OUT),
])
def test_permission_to_write_again_and_its_negation(text: str, intent: Intent) -> None:
    assert _deciding(text) is intent


def test_regret_at_unsubscribing_opts_a_stopped_patient_back_in() -> None:
    # The keyword layer runs before any brain: an opted-out patient's permission is honoured whatever the
    # rest of the text sounds like ("regret" reads as a complaint).
    text = "you can text me again, I regret unsubscribing"
    assert match_keyword(text, POLICIES.keywords, opted_out=True) is Keyword.OPT_IN


@pytest.mark.parametrize("text", [
    "quit asking if I know somebody, I don't",
    "no one comes to mind, my circle is tiny",
    "thanks but my budget says no more for now",
    "thanks but I decided the laser isn't for me",
    "not doing any more sessions, one and done for me",
])
def test_refusals_about_who_they_know_or_why_they_stop_are_declines(text: str) -> None:
    assert _deciding(text) is Intent.DECLINE


def test_a_refusal_with_a_complaint_the_rules_read_stays_unhappy() -> None:
    assert _deciding("not doing any more sessions, the results were terrible") is Intent.UNHAPPY


@pytest.mark.parametrize("text", ["see you at 3:30!", "10 min away", "sip, ahí estaré el martes"])
def test_more_arrivals_and_confirmations(text: str) -> None:
    assert _deciding(text) is Intent.BOOKING


# After the tenth blind split's first reading (evals/nlu/heldout10).

@pytest.mark.parametrize(("text", "family"), [
    ("not usually a migraine person but this headache is unreal, I can barely function", "severe_headache"),
    ("there's a ghost image beside every word I read since my botox", "double_vision"),
])
def test_red_flags_said_around_an_identity_or_as_a_ghost_image(text: str, family: str) -> None:
    assert family in triage(text, POLICIES.triage).red_flags


@pytest.mark.parametrize("text", [
    "the facial was so relaxing I almost fell asleep on the table",
    "the ghosting on my old tv is so annoying lol, anyway my skin looks great",
])
def test_falling_asleep_or_a_screen_is_no_red_flag(text: str) -> None:
    assert triage(text, POLICIES.triage).red_flags == ()


def test_almost_falling_is_still_fainting() -> None:
    assert "fainting" in triage("I almost fell getting out of the car, so dizzy", POLICIES.triage).red_flags


@pytest.mark.parametrize(("text", "intent"), [
    ("do you take care credit?", Intent.QUESTION),
    ("do you do lip filler?", Intent.SERVICE_INTEREST),
    ("reagéndame porfa, se me pasó la cita", Intent.BOOKING),
    ("am I talking to a real person or a bot?", Intent.HELP),
    ("¿quién es Marisol? este cel es mío desde hace años", Intent.WRONG_NUMBER),
    ("I'll pass on the membership, thanks though", Intent.DECLINE),
    ("gonna hold off on booking anything else for a while", Intent.DECLINE),
    ("I don't need reminders to rebook, thanks", Intent.DECLINE),
])
def test_payment_rebooking_bots_old_numbers_and_refusals(text: str, intent: Intent) -> None:
    assert _deciding(text) is intent


# After the eleventh blind split's first reading (evals/nlu/heldout11).

@pytest.mark.parametrize("text", [
    "my wife says she sees two of me since her botox, she thinks it's funny",
    "veo dos de todo desde ayer",
])
def test_seeing_two_of_someone_is_double_vision(text: str) -> None:
    assert "double_vision" in triage(text, POLICIES.triage).red_flags


def test_driving_round_looking_for_the_place_is_not_dizziness() -> None:
    assert triage("no encuentro el local, ando dando vueltas, ¿cuál es la dirección?", POLICIES.triage).red_flags == ()
    assert "fainting" in triage("todo me da vueltas desde la mañana", POLICIES.triage).red_flags


@pytest.mark.parametrize("text", [
    "I'm going to hold off on more botox for now, thanks",
    "think I'll skip the second session, I like where it is",
])
def test_holding_off_treatment_is_a_decline_not_an_opt_out(text: str) -> None:
    reading = classify(text, POLICIES)
    assert reading.intents[0].intent is Intent.DECLINE
    assert not reading.has(Intent.OPT_OUT) and not reading.possible_opt_out


@pytest.mark.parametrize("text", ["please take me off your list", "turn off these texts please"])
def test_off_still_revokes(text: str) -> None:
    assert _deciding(text) is Intent.OPT_OUT


@pytest.mark.parametrize(("text", "intent"), [
    ("do I pay the rest at my next visit or today?", Intent.QUESTION),
    ("can I book my next visit for next week?", Intent.BOOKING),
])
def test_a_booking_word_inside_a_sure_question_routes_as_a_question(text: str, intent: Intent) -> None:
    assert _deciding(text) is intent


def test_skin_that_looks_scorched_is_a_burn_and_a_steak_is_not() -> None:
    assert "burn" in triage("the laser spot on my cheek looks scorched", POLICIES.triage).red_flags
    assert triage("scorched the steak lol, anyway my skin looks great", POLICIES.triage).red_flags == ()


def test_a_red_flag_the_evidence_lists_lack_escalates_from_the_lower_bar() -> None:
    # reader.yaml red_flag_alone: with no evidence word in the text, the model's P(red flag) counts from 0.55,
    # not model_alone (0.60); below it the model alone never escalates such a text.
    policy = POLICIES.reader
    norm = "my husband says he notices 2 of me lol"
    assert not matches(policy.red_flag_evidence, norm)
    between = Reading(probs={Intent.URGENT: 0.57, Intent.OTHER: 0.43}, flag=0.57)
    below = Reading(probs={Intent.URGENT: 0.52, Intent.OTHER: 0.48}, flag=0.52)
    assert policy.red_flag_alone < between.red_flag < policy.model_alone
    assert reads_red_flag(between, policy, norm)
    assert not reads_red_flag(below, policy, norm)


# After the twelfth blind split's first reading (evals/nlu/heldout12).

@pytest.mark.parametrize("text", [
    "omw to urgent care lol this is fine 🙃",
    "heading to the ER now, my lips are huge",
    "my husband is driving me to the hospital, can't stop itching and it's spreading",
])
def test_on_the_way_to_emergency_care_is_an_emergency(text: str) -> None:
    assert "emergency" in triage(text, POLICIES.triage).red_flags


def test_driving_someone_to_work_at_a_hospital_is_not() -> None:
    assert "emergency" not in triage("driving my mom to the hospital for her shift lol", POLICIES.triage).red_flags
