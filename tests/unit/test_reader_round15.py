"""Rules added after the fourteenth blind split's first reading (evals/nlu/heldout14, README "Reading
patients"). The texts are written fresh for the kinds that split showed, never copied from it; each pins one
outcome and, next to it, the nearest text that must keep the old one."""
from __future__ import annotations

import pytest

from agent.brains.offline.classify import classify
from agent.brains.offline.extract import extract_referrals
from agent.types import Intent
from tests.unit.rounds import POLICIES
from tests.unit.rounds import flags as _flags


@pytest.mark.parametrize(("text", "family"), [
    ("she can hardly get a word out without gasping for air", "breathing"),
    ("he can't walk to the car without getting dizzy", "fainting"),
    ("no puedo caminar al baño sin marearme", "fainting"),
    ("headache won't let up, day 3", "severe_headache"),
    ("head ache all day and the advil isn't touching it", "severe_headache"),
    ("el dolor de cabeza no se me quita ni con pastillas", "severe_headache"),
    ("choked on my lunch today, that never happens to me", "swallowing"),
    ("me atraganté con la sopa dos veces hoy", "swallowing"),
    ("sitting in the ER waiting room, they want to know what you injected", "emergency"),
    ("me apagué en la cocina y mi hija dice que quedé tirada como medio minuto", "fainting"),
])
def test_red_flags_in_the_words_of_round_15(text: str, family: str) -> None:
    assert family in _flags(text)


@pytest.mark.parametrize(("text", "family"), [
    ("walked all morning without getting dizzy, feeling great", "fainting"),
    ("the headache did not stop me from going to work, it was mild", "severe_headache"),
    ("quedé tirada en el sillón viendo la tele todo el domingo", "fainting"),
    ("se me apagó el cel, les escribo de otro", "fainting"),
    ("con mis lentes nuevos veo borroso de lejos, me estoy acostumbrando", "vision_change"),
    ("my grandpa was at the hospital for his knee last week, unrelated, my forehead is just a bit sore", "emergency"),
])
def test_their_lookalikes_stay_calm(text: str, family: str) -> None:
    assert family not in _flags(text)


def test_blurry_even_with_new_glasses_still_escalates() -> None:
    assert "vision_change" in _flags("everything is blurry even with my new glasses on")


@pytest.mark.parametrize("text", [
    "no more laser for me, I'm done with the course",
    "I'm good on more fillers, once was enough",
])
def test_refusing_more_treatment_is_not_an_opt_out(text: str) -> None:
    found = classify(text, POLICIES)
    assert found.intents[0].intent is Intent.DECLINE
    assert Intent.OPT_OUT not in {s.intent for s in found.intents}


@pytest.mark.parametrize("text", [
    "no more laser for me, and no more texts please",
    "done with the series. stop texting me",
])
def test_a_refusal_beside_a_revocation_still_opts_out(text: str) -> None:
    assert classify(text, POLICIES).intents[0].intent is Intent.OPT_OUT


@pytest.mark.parametrize("text", [
    "I texted STOP by mistake, please keep sending me the reminders",
    "mandé STOP por error, sigan mandándome los mensajes",
])
def test_a_stop_sent_by_mistake_opts_back_in(text: str) -> None:
    assert classify(text, POLICIES).intents[0].intent is Intent.OPT_IN


@pytest.mark.parametrize(("text", "names"), [
    ("My grandsons Leo and Max would like facials before the wedding", ["Leo", "Max"]),
    ("bestie Jojo wants in on the lip thing", ["Jojo"]),
    ("text my aunt 555 201 8834 name is Rosa", ["Rosa"]),
    ("Tengo dos compañeras del trabajo muy interesadas: Lupita y Carmen", ["Lupita", "Carmen"]),
])
def test_names_of_round_15(text: str, names: list[str]) -> None:
    assert [m.name for m in extract_referrals(text) if m.name] == names
