"""The triage matcher remembers the last few texts: a turn triages its text twice (the red-flag screen and
the classification), and the second must cost nothing and read exactly the same."""
from __future__ import annotations

from agent import triage as triage_module
from agent.policy.loader import default_policies
from agent.text import normalize
from agent.triage import RECENT, forget_recent_texts, triage_matcher
from agent.types import VisitType

POLICY = default_policies().triage


def test_the_second_reading_of_a_text_is_the_first() -> None:
    matcher = triage_matcher(POLICY)
    norm = normalize("my lip went white and it hurts")
    first = matcher.run(norm)
    assert first.red_flags and matcher.run(norm) is first


def test_visit_types_are_remembered_apart() -> None:
    matcher = triage_matcher(POLICY)
    norm = normalize("bit of a headache tonight")
    assert matcher.run(norm, VisitType.NEUROMODULATOR) == matcher._run(norm, VisitType.NEUROMODULATOR)
    assert matcher.run(norm, None) == matcher._run(norm, None)
    assert (norm, VisitType.NEUROMODULATOR) in matcher._recent and (norm, None) in matcher._recent


def test_the_memo_is_bounded_and_forgotten_on_request() -> None:
    matcher = triage_matcher(POLICY)
    for n in range(RECENT + 10):
        matcher.run(normalize(f"text number {n} my cheek is sore"))
    assert len(matcher._recent) <= RECENT
    first = matcher.run(normalize("vision is blurry since lunch"))
    forget_recent_texts()
    assert len(matcher._recent) == 0
    again = matcher.run(normalize("vision is blurry since lunch"))
    assert again == first and again is not first
    assert triage_module.triage("vision is blurry since lunch", POLICY).red_flags == ("vision_change",)
