"""Rules added after the sixteenth blind split's first reading (evals/nlu/heldout16: clinical shorthand, formal
voices; README "Reading patients"). The texts are written fresh for the kinds that split showed, never copied
from it; each pins one outcome and, next to it, the nearest text that must keep the old one."""
from __future__ import annotations

import pytest

from agent.brains.offline.classify import classify
from agent.types import Intent
from tests.unit.rounds import POLICIES
from tests.unit.rounds import flags as _flags


@pytest.mark.parametrize(("text", "family"), [
    ("nurse here: pt dyspneic since this am, o2 sat 89%", "breathing"),
    ("she is SOB at rest, wheezing", "breathing"),
    ("mi mamá está saturando 88 en el oxímetro", "breathing"),
    ("livedoid pattern on the left cheek post filler, worried about vascular compromise", "discoloration"),
    ("la piel de la nariz se ve como marmoleada", "discoloration"),
    ("HA 9/10 since the tox, nothing touches it", "severe_headache"),
    ("headache not responding to tylenol x3", "severe_headache"),
    ("cefalea severa desde anoche", "severe_headache"),
    ("my dad doesn't recognize me since this morning", "confusion"),
    ("mi abuela habla incoherencias desde la cita", "confusion"),
    ("my whole cheek looks scorched after the laser", "burn"),
])
def test_red_flags_in_clinical_and_formal_words(text: str, family: str) -> None:
    assert family in _flags(text)


@pytest.mark.parametrize(("text", "family"), [
    ("I could sob, the results are so good", "breathing"),
    ("o2 sat 98 on my watch lol all good", "breathing"),
    ("the chicken was fried, anyway my lips look great", "burn"),
    ("I'm 91 and my granddaughter says I look 70", "breathing"),
])
def test_their_lookalikes_stay_calm(text: str, family: str) -> None:
    assert family not in _flags(text)


@pytest.mark.parametrize("text", [
    "stp",
    "no need to keep texting me going forward, thanks",
    "Les agradecería que no me enviaran más mensajes.",
])
def test_opt_outs_misspelt_corporate_and_formal(text: str) -> None:
    assert classify(text, POLICIES).intents[0].intent is Intent.OPT_OUT


@pytest.mark.parametrize("text", [
    "no need to text me back, just saying thanks!",
    "please contact Rosalind and Tia, both want lips, numbers to follow",
])
def test_not_opt_outs(text: str) -> None:
    assert Intent.OPT_OUT not in {s.intent for s in classify(text, POLICIES).intents}
