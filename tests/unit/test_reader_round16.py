"""Rules added after the fifteenth blind split's first reading (evals/nlu/heldout15, README "Reading
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
    ("my mother got admitted to Mercy overnight after her filler, they need the product", "emergency"),
    ("the hospitalist is asking for the lot number of what you injected", "emergency"),
    ("a mi mamá la internaron anoche después del relleno", "emergency"),
    ("headache for two days and nothing helps, not even excedrin", "severe_headache"),
    ("nothing touches this headache, took everything in the cabinet", "severe_headache"),
    ("the skin is coming off in strips and it's raw underneath", "burn"),
    ("tengo el cachete rojo vivo desde el peeling", "burn"),
])
def test_red_flags_in_the_words_of_round_16(text: str, family: str) -> None:
    assert family in _flags(text)


@pytest.mark.parametrize(("text", "family"), [
    ("I admitted to being a little nervous before the needles lol", "emergency"),
    ("did the stairmaster and got breathless, always happens to me", "breathing"),
    ("that finale had me breathless, anyway my lips look great", "breathing"),
    ("how long does the numb feeling usually last?", "weakness_numbness"),
    ("hace dos años estuve en urgencias por la presión, nada que ver, ahora solo tengo un moretón", "emergency"),
    ("me operaron de la vesícula el año pasado, pregunto si puedo hacerme el facial", "blisters_pustules"),
])
def test_their_lookalikes_stay_calm(text: str, family: str) -> None:
    assert family not in _flags(text)


def test_asking_how_long_numbness_lasts_beside_a_numb_face_still_escalates() -> None:
    assert "weakness_numbness" in _flags("how long does the numbness last? one side of my face is numb and droopy")


@pytest.mark.parametrize("text", ["sacame de la lista che", "quítenme de su lista ya wey, gracias"])
def test_off_the_list_is_an_opt_out_whatever_follows(text: str) -> None:
    assert classify(text, POLICIES).intents[0].intent is Intent.OPT_OUT


@pytest.mark.parametrize(("text", "names"), [
    ("tell Miss Loretta from church i sent her", ["Loretta"]),
    ("call Mrs Alvarez, she wants a consult", ["Alvarez"]),
    ("my aunt wants lips too, her names Gloria", ["Gloria"]),
])
def test_names_after_a_title_or_a_misspelt_name_is(text: str, names: list[str]) -> None:
    assert [m.name for m in extract_referrals(text) if m.name] == names


def test_a_plural_names_is_not_an_introduction() -> None:
    assert [m.name for m in extract_referrals("her names are on the sign-in sheet") if m.name] == []
