"""agent.triage and the shipped policies/triage.yaml: red flags, expected effects, negation."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from agent.policy.loader import load_policies
from agent.policy.schema import TriagePolicy
from agent.text import normalize
from agent.triage import Prefiltered, TriageResult, required_literals, triage, triage_matcher
from agent.types import VisitType

POLICY = load_policies().triage
# The clinical reference's urgent families, as a fixture in this repository (the reference lives outside it).
RED_FLAG_FAMILIES = Path(__file__).parent / "data" / "red_flag_families.yml"


# ------------------------------------------------------------------------------ red flags
@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # vascular occlusion
        ("love it but the skin went white", "blanching"),
        ("my lip looks kinda white", "blanching"),
        ("the tip of my nose is pale", "blanching"),
        ("it's blanching near the top", "blanching"),
        ("its turning purple", "discoloration"),
        ("the skin looks mottled", "discoloration"),
        ("my lip is kind of blue grey", "discoloration"),
        ("cheek is turning dusky", "discoloration"),
        ("the pain is getting worse", "occlusion_pain"),
        ("hurts way more than yesterday", "occlusion_pain"),
        ("the pain is unbearable", "occlusion_pain"),
        ("severe pain in my lip", "occlusion_pain"),
        ("my lip feels cold", "cold_skin"),
        ("the area is cold to the touch", "cold_skin"),
        ("little blisters on my lip", "blisters_pustules"),
        ("there are pustules where the filler went", "blisters_pustules"),
        # vision and stroke signs
        ("my vision is blurry in my left eye", "vision_change"),
        ("everything is blurry", "vision_change"),
        ("i can't see out of my left eye", "vision_change"),
        ("losing vision in one eye", "vision_change"),
        ("having trouble speaking", "speech"),
        ("my speech is slurred", "speech"),
        ("my face is drooping on one side", "weakness_numbness"),
        ("my arm feels weak and tingly", "weakness_numbness"),
        ("my lips are still numb", "weakness_numbness"),
        ("severe headache since this morning", "severe_headache"),
        ("worst headache of my life", "severe_headache"),
        ("my headache is really bad", "severe_headache"),
        ("i feel confused and dizzy", "confusion"),
        ("she seems disoriented", "confusion"),
        # toxin spread
        ("cant swallow right", "swallowing"),
        ("it's hard to swallow", "swallowing"),
        ("i can hardly swallow", "swallowing"),
        ("trouble breathing", "breathing"),
        ("i can barely breathe", "breathing"),
        ("I can't breathe well since the shot", "breathing"),
        ("my chest feels tight", "breathing"),
        ("i feel weak all over", "generalized_weakness"),
        ("my whole body feels weak", "generalized_weakness"),
        ("seeing double today", "double_vision"),
        ("i have double vision", "double_vision"),
        # anaphylaxis
        ("my lips and tongue are swelling", "airway_swelling"),
        ("swelling of my lips and tongue", "airway_swelling"),
        ("my tongue feels swollen", "airway_swelling"),
        ("throat swelling", "airway_swelling"),
        ("throat is closing", "airway_swelling"),
        ("my throat feels tight", "throat_tightness"),
        ("tightness in my throat", "throat_tightness"),
        ("hives all over my chest", "hives"),
        ("the rash is spreading", "hives"),
        ("i fainted earlier", "fainting"),
        ("i passed out after", "fainting"),
        ("feeling really lightheaded", "fainting"),
        # infection
        ("there's some pus coming out", "pus"),
        ("I think it's infected", "pus"),
        ("I have a fever of 101", "fever"),
        ("chills tonight", "fever"),
        ("the redness is spreading", "spreading_redness"),
        ("it's red and hot", "spreading_redness"),
        ("warm to the touch", "spreading_redness"),
        # burns
        ("I got burned from the laser", "burn"),
        ("my face is burnt", "burn"),
        ("there are burn marks on my cheek", "burn"),
        # Spanish basics
        ("no puedo respirar", "breathing"),
        ("vision borrosa", "vision_change"),
    ],
)
def test_red_flags(text: str, flag: str) -> None:
    result = triage(text, POLICY)
    assert flag in result.red_flags
    assert result.urgent


# ------------------------------------------------------------------------------ expected effects
@pytest.mark.parametrize(
    ("text", "effect"),
    [
        ("a bit swollen still, is that normal?", "swelling"),
        ("my lips are puffy", "swelling"),
        ("some bruising on my cheek", "bruising"),
        ("i have a purple bruise", "bruising"),
        ("it's black and blue", "bruising"),
        ("a little redness", "redness"),
        ("still kinda red", "redness"),
        ("my lip is tender to touch", "tenderness"),
        ("it's sore", "tenderness"),
        ("it burns a little", "tenderness"),
        ("super itchy", "itching"),
        ("small bumps where the needle went in", "bumps"),
        ("i can feel a lump", "bumps"),
        ("i have a little headache", "headache"),
        ("mild headache", "headache"),
        ("it's peeling a lot", "peeling"),
        ("my lips look uneven", "asymmetry"),
        ("one brow is higher than the other", "asymmetry"),
        ("my eyelid is a little droopy", "droopy_eyelid"),
        ("my left eye looks droopy", "droopy_eyelid"),
        ("tengo hinchazon", "swelling"),
        ("se me hincharon los labios", "swelling"),
    ],
)
def test_expected_effects(text: str, effect: str) -> None:
    result = triage(text, POLICY)
    assert effect in result.effects
    assert not result.urgent


# ------------------------------------------------------------------------------ conflicts
@pytest.mark.parametrize(
    ("text", "red", "effects"),
    [
        ("severe headache", ("severe_headache",), ("headache",)),
        ("a little headache", (), ("headache",)),
        ("mild headache today", (), ("headache",)),
        ("my lip is swollen", (), ("swelling",)),
        ("my lips and tongue are swelling", ("airway_swelling",), ("swelling",)),
        ("some redness", (), ("redness",)),
        ("the redness is spreading and it's hot", ("spreading_redness",), ("redness",)),
        ("hurts a bit", (), ("tenderness",)),
        ("the pain is getting worse", ("occlusion_pain",), ("tenderness",)),
        ("i have a purple bruise", (), ("bruising",)),
    ],
)
def test_conflicting_phrasings(text: str, red: tuple[str, ...], effects: tuple[str, ...]) -> None:
    assert triage(text, POLICY) == TriageResult(red_flags=red, effects=effects)


# ------------------------------------------------------------------------------ negation
@pytest.mark.parametrize(
    "text",
    ["no swelling at all, looks amazing", "vision is not blurry", "zero bruising", "without any trouble breathing",
     "haven't had any bruising", "no more swelling", "I'm not having trouble breathing", "the spot is not white",
     "no fever", "sin hinchazon", "barely any bruising", "the swelling went down", "swelling is gone",
     "the bruising is fading", "i can't see any bruising", "i can't talk right now", "can't speak highly enough of you",
     "the numbing cream was great", "i'm confused about my bill", "it's kinda cold outside", "the laser was hot",
     "whitening my teeth next", "I can't stop looking in the mirror", "love it!!", "it doesn't hurt at all"],
)
def test_negated_or_unrelated_text_is_clear(text: str) -> None:
    result = triage(text, POLICY)
    assert (result.red_flags, result.effects) == ((), ())


@pytest.mark.parametrize(
    "text",
    ["not sure if my lip is turning white", "i don't know why the skin went white", "no, my lip went white",
     "not sure but i think i can't breathe", "no bruising but my lip went white", "i can barely breathe",
     "I don't think it's infected?? there's pus", "never had this before, my throat feels tight"],
)
def test_uncertainty_is_not_negation(text: str) -> None:
    assert triage(text, POLICY).urgent


def test_negation_window_is_the_policys() -> None:
    tight = POLICY.model_copy(update={"negation_window": 1})
    assert triage("without any trouble breathing", tight).urgent
    assert not triage("without any trouble breathing", POLICY).urgent


# ------------------------------------------------------------------------------ visit types
def test_visit_type_limits_visit_specific_effects() -> None:
    assert triage("it's peeling a lot", POLICY, VisitType.DERMAL_FILLER).effects == ()
    assert triage("it's peeling a lot", POLICY, VisitType.FACIAL).effects == ("peeling",)
    assert triage("droopy eyelid", POLICY, VisitType.NEUROMODULATOR).effects == ("droopy_eyelid",)
    assert triage("droopy eyelid", POLICY, VisitType.LASER).effects == ()
    assert triage("droopy eyelid", POLICY, None).effects == ("droopy_eyelid",)


def test_red_flags_apply_after_every_visit_type() -> None:
    for visit in VisitType:
        assert triage("my lip went white and I can't breathe", POLICY, visit).red_flags == ("blanching", "breathing")


# ------------------------------------------------------------------------------ the shipped policy
FAMILIES = {
    "vascular occlusion": {"blanching", "discoloration", "occlusion_pain", "cold_skin", "blisters_pustules"},
    "vision": {"vision_change"},
    "stroke signs": {"speech", "weakness_numbness", "severe_headache", "confusion"},
    "toxin spread": {"swallowing", "speech", "breathing", "generalized_weakness", "double_vision"},
    "anaphylaxis": {"airway_swelling", "throat_tightness", "breathing", "hives", "fainting"},
    "infection": {"pus", "fever", "spreading_redness"},
    "burns": {"burn", "blisters_pustules"},
}
EXPECTED = {"swelling", "bruising", "redness", "tenderness", "itching", "bumps", "headache", "peeling",
            "asymmetry", "droopy_eyelid"}


def test_shipped_triage_covers_every_red_flag_family() -> None:
    ids = {s.id for s in POLICY.red_flags}
    for family, members in FAMILIES.items():
        assert members <= ids, family
    # Every family the clinical reference names is mapped here, and nothing else.
    assert set(FAMILIES) == set(yaml.safe_load(RED_FLAG_FAMILIES.read_text())["urgent_families"])
    assert {s.id for s in POLICY.expected_effects} == EXPECTED
    assert POLICY.urgent_reply == "replies/urgent"


def test_symptom_ids_are_unique_and_labelled() -> None:
    symptoms = POLICY.red_flags + POLICY.expected_effects
    assert len({s.id for s in symptoms}) == len(symptoms)
    assert all(s.label and (s.phrases or s.patterns) for s in symptoms)


def test_every_phrase_matches_itself() -> None:
    for symptom in POLICY.red_flags + POLICY.expected_effects:
        for phrase in symptom.phrases:
            result = triage(phrase, POLICY)
            assert symptom.id in result.red_flags + result.effects, (symptom.id, phrase)


def test_custom_policy_is_used() -> None:
    custom = TriagePolicy.model_validate({
        "urgent_reply": "replies/urgent",
        "negations": ["no"],
        "resolved": ["gone"],
        "red_flags": [{"id": "glitter", "label": "glitter", "phrases": ["sparkly skin"]}],
        "expected_effects": [{"id": "shine", "label": "shine", "patterns": [r"\bshiny\b"]}],
    })
    assert triage("my skin went sparkly", custom).red_flags == ()  # no change verb in the phrase
    assert triage("sparkly skins everywhere", custom).red_flags == ("glitter",)
    assert triage("very shiny", custom).effects == ("shine",)
    assert triage("no shiny bits", custom).effects == ()
    assert triage_matcher(custom) is triage_matcher(custom)


# ------------------------------------------------------------------------------ prefilters
@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bcita\b", ("cita",)),
        (r"\b(skin|lips?)\b\s+(white|pale)\b", ("pale", "white")),
        (r"^\W*(?:nah|nope)\b", ("nah", "nope")),
        (r"n(?:(?:x)?ah|ope)", ("ah", "ope")),
        (r"x(?:y|z)+w", None),
        (r"\w+", None),
    ],
)
def test_required_literals(pattern: str, literals: tuple[str, ...] | None) -> None:
    assert required_literals(pattern) == literals


CORPUS = [
    "love it but the skin went white", "not sure if my lip is turning white", "no swelling at all",
    "its turning purple", "the pain is getting worse", "hurts way more than yesterday", "cant swallow right",
    "my throat feels tight", "i can't see out of my left eye", "severe headache", "nah not right now",
    "can i book my next one?", "my sister dana keeps asking where i go", "how much is botox",
    "i'm not loving it", "what about the hydrafacial?", "the redness is spreading and it's hot",
]


def test_prefilters_never_hide_a_match() -> None:
    matcher = triage_matcher(POLICY)
    for _, rule in matcher._rules:  # noqa: SLF001 - white-box check of the prefilter
        for text in map(normalize, CORPUS):
            if rule.regex.search(text) and rule.literals:
                assert any(lit in text for lit in rule.literals), (rule.regex.pattern, text)


def test_prefiltered_behaves_like_the_regex() -> None:
    rule = Prefiltered(r"\b(?:book|schedule) (?:me|my)\b")
    assert rule.search("can you book me in") and not rule.search("love it")
    assert [m.group(0) for m in rule.finditer("book me and schedule my visit")] == ["book me", "schedule my"]
    assert rule.sub("X", "book me now") == "X now" and rule.sub("X", "nothing here") == "nothing here"
    assert rule.pattern == re.compile(r"\b(?:book|schedule) (?:me|my)\b").pattern
