"""A direct question next to a thank-you or praise gets a person, never the thank-you reply; praise and
pleasantries in question form do not."""
from __future__ import annotations

import pytest

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import Intent

POLICIES = default_policies()


@pytest.mark.parametrize("text", [
    "Thanks! btw is it ok to work out today?",
    "ok thx, when do I see full results?",
    "Thanks!! can I wash my face tonight?",
    "gracias! oye, ¿puedo hacer ejercicio hoy?",
    "muchas gracias, cuando puedo volver a maquillarme?",
])
def test_a_direct_question_reaches_a_person(text: str) -> None:
    found = classify(text, POLICIES)
    assert found.intents[0].intent is Intent.QUESTION, found.intents


@pytest.mark.parametrize("text", [
    "can you believe how good it looks?!",
    "love it!! why didnt i do this sooner?",
    "okay, how are you?",
])
def test_praise_and_pleasantries_in_question_form_are_not_questions(text: str) -> None:
    found = classify(text, POLICIES)
    assert not found.has(Intent.QUESTION), found.intents
