"""Rules and data added after the thirteenth blind split's first reading (evals/nlu/heldout13, README
"Reading patients"). The texts are written fresh for the kinds that split showed, never copied from it; each
pins one outcome and, next to it, the nearest text that must keep the old one."""
from __future__ import annotations

import pytest

from agent.brains.offline.blend import matches
from agent.brains.offline.classify import classify
from agent.keywords import match_keyword
from agent.policy.loader import default_policies
from agent.text import normalize
from agent.triage import triage
from agent.types import Intent, Keyword

POLICIES = default_policies()


def _deciding(text: str) -> Intent:
    return classify(text, POLICIES).intents[0].intent


@pytest.mark.parametrize("text", [
    "stop asking me to refer people, I don't know anyone who'd do this",
    "Stop asking me for referrals pls",
    "stop bugging me about recommending you to my friends",
])
def test_stop_asking_for_one_kind_of_ask_is_not_a_carrier_opt_out(text: str) -> None:
    assert match_keyword(text, POLICIES.keywords, opted_out=False) is None
    assert _deciding(text) is Intent.DECLINE


@pytest.mark.parametrize("text", [
    "stop",
    "stop asking me to refer people and stop texting me",
    "stop asking me how I'm doing, no more texts",
    "stop messaging me",
])
def test_a_revocation_beside_it_still_opts_out(text: str) -> None:
    assert _deciding(text) is Intent.OPT_OUT


@pytest.mark.parametrize("text", [
    "went for a run this morning and was totally out of breath lol",
    "hiked up the big hill and got winded, I'm so out of shape",
    "sali a correr y quede sin aire jaja",
])
def test_a_workout_told_first_excuses_breathlessness(text: str) -> None:
    assert not [f for f in triage(text, POLICIES.triage).red_flags if f == "breathing"]


@pytest.mark.parametrize("text", [
    "I went for a walk and now I can't breathe",
    "went for a run and now my chest is tight and I can't catch my breath, I haven't run in a week",
    "me falta el aire desde la inyeccion",
])
def test_breathlessness_without_a_workout_still_escalates(text: str) -> None:
    assert _deciding(text) is Intent.URGENT


def test_the_face_in_spanish_chat_is_facebook_not_the_body() -> None:
    words = POLICIES.reader.clinical_words
    assert not matches(words, normalize("ya vieron lo que subio mi prima al face jaja"))
    assert not matches(words, normalize("lo puse en el face"))
    assert matches(words, normalize("my face is so puffy"))
    assert matches(words, normalize("la cara y la face me arden"))


@pytest.mark.parametrize("text", [
    "I decided not to continue with the injections after this month",
    "gracias pero no deseo seguir con las sesiones",
    "no need to keep asking me to book, I'll call when I'm ready",
])
def test_turning_down_more_treatment_or_asks_is_a_decline(text: str) -> None:
    assert _deciding(text) is Intent.DECLINE
