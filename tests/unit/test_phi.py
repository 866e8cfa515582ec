"""PHI guard: every category blocks, disguises are caught, ordinary clinic texts pass."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from agent.guards.context import AskFacts, GuardContext
from agent.guards.phi import CLINIC_TERM, PATIENT_TERM, check_phi, find_phi, fold_text, phi_matcher
from agent.policy.loader import load_policies
from agent.policy.schema import ClinicSettings, PhiPolicy
from tests.unit.templates import render_all
from agent.types import GuardPolicy

POLICIES = load_policies()
NOW = datetime(2026, 3, 10, 18, 0)


def ctx(settings: ClinicSettings | None = None, patient_terms: tuple[str, ...] = (),
        review_link: str | None = None) -> GuardContext:
    return GuardContext(policies=POLICIES, settings=settings or ClinicSettings(), facts=AskFacts(now=NOW),
                        patient_terms=patient_terms, review_link=review_link)


def categories(text: str, **kwargs) -> set[str]:  # noqa: ANN003
    return set(find_phi(text, ctx(**kwargs)))


# ------------------------------------------------------------------------------ each category


@pytest.mark.parametrize(("text", "category"), [
    ("Your Botox should settle in about two weeks.", "product"),
    ("How is the Dysport treating you?", "product"),
    ("Loving the Restylane Kysse?", "product"),
    ("Your HydraFacial results look great!", "product"),
    ("How are you feeling after the filler?", "procedure"),
    ("Any questions about your microneedling?", "procedure"),
    ("Hope the chemical peel went well.", "procedure"),
    ("How do your lips feel today?", "area"),
    ("Hope the forehead is settling nicely.", "area"),
    ("The nasolabial folds should soften.", "area"),
    ("How is your acne doing?", "condition"),
    ("Your melasma should fade.", "condition"),
    ("Keep the rosacea routine going.", "condition"),
    ("How is the Ozempic going?", "medication"),
    ("Keep using the tretinoin nightly.", "medication"),
    ("Take the valacyclovir as prescribed.", "medication"),
    ("We used 20 units today.", "dose"),
    ("You had 1.5 ml placed.", "dose"),
    ("That was two syringes.", "dose"),
    ("We gave you 20u.", "dose"),
])
def test_each_category_blocks(text: str, category: str) -> None:
    verdict = check_phi(text, ctx())
    assert verdict.policy == GuardPolicy.PHI
    assert verdict.tripped
    assert category in verdict.detail["categories"]


@pytest.mark.parametrize("category", sorted(POLICIES.phi.categories))
def test_every_lexicon_term_is_caught(category: str) -> None:
    missed = [t for t in POLICIES.phi.categories[category] if not find_phi(f"Checking on your {t} today.", ctx())]
    assert missed == []


def test_lexicon_is_a_real_med_spa_lexicon() -> None:
    cats = POLICIES.phi.categories
    assert {"product", "procedure", "area", "condition", "medication"} <= set(cats)
    assert sum(len(t) for t in cats.values()) > 400
    for brand in ("botox", "dysport", "xeomin", "jeuveau", "daxxify", "letybo", "juvederm", "voluma", "volbella",
                  "vollure", "volux", "restylane", "kysse", "defyne", "refyne", "rha", "belotero", "sculptra",
                  "radiesse", "kybella", "hydrafacial", "morpheus8", "coolsculpting", "emsculpt", "ultherapy",
                  "thermage", "fraxel", "bbl", "halo", "picosure", "ipl", "latisse", "skinmedica", "prp"):
        assert brand in cats["product"], brand
    assert "dose" in POLICIES.phi.patterns


# ------------------------------------------------------------------------------ disguises


@pytest.mark.parametrize("text", [
    "How's the B0tox?", "How's the BOT0X?", "How's the b.o.t.o.x?", "How's the b o t o x?", "How's the B O T O X?",
    "How's the botox™?", "How's the BOTOX®?", "How's the bo-tox?", "How's the bo tox?", "How's the bo_tox?",
    "How's the b*tox?", "How's the b-o-t-o-x?", "How's the Bótóx?", "How's the Воtох?",  # Cyrillic В о т х
    "How's the Ｂｏｔｏｘ?", "How's the bo\u200btox?", "How's the BOTOX\u00ae Cosmetic?",
])
def test_obfuscated_product_is_caught(text: str) -> None:
    assert categories(text) == {"product"}


@pytest.mark.parametrize("text", [
    "Any bruising under eye?", "Any bruising under-eye?", "Any bruising undereye?", "Any bruising under eyes?",
    "Your crows feet look great", "Your crow's feet look great", "Your crow’s feet look great",
    "Your CROWS-FEET look great", "The tear troughs look smooth", "The tear-trough looks smooth",
])
def test_multi_word_terms_flex(text: str) -> None:
    assert categories(text) == {"area"}


@pytest.mark.parametrize(("text", "category"), [
    ("Your Juvéderm is settling", "product"), ("JUVÉDERM VOLUMA", "product"), ("the décolletage", "area"),
    ("Your lip", "area"), ("Your lips", "area"), ("Your LIPS", "area"), ("l1ps", "area"), ("$culptra", "product"),
    ("Retin-A", "medication"), ("GLP-1", "medication"), ("glp1", "medication"), ("Morpheus 8", "product"),
    ("Clear + Brilliant", "product"), ("clear & brilliant", "product"), ("lip-filler", "procedure"),
    ("chemical peels", "procedure"), ("wrinkles", "condition"), ("cold sores", "condition"),
])
def test_case_accents_plurals_and_spellings(text: str, category: str) -> None:
    assert category in categories(text)


# ------------------------------------------------------------------------------ no false alarms

ORDINARY = [
    "That's so good to hear, Maya! Thanks for letting us know.",
    "Thanks, Maya. We're here if anything comes up.",
    "Your skin is going to love the results! Let us know if anything comes up.",
    "Hi Maya, it's Glow Aesthetics. Just checking in after your visit yesterday. How is everything feeling?",
    "Hi Maya, it's Glow Aesthetics! It's been about two weeks since your visit. How are you liking your results?",
    "We've got a great machine for reminders, so no need to flip through emails or slip a note under the door.",
    "Follow us on Facebook for news! Thanks for the appeal, it's appealing.",
    "Keep an eye on it and text us anytime: you're in good hands. We welcome you with open arms!",
    "Grab a Lyft if you need a ride, and vice versa.",
    "Call 911 if it feels severe. Our number is +1 (415) 555-0100. See you at 2 pm in Suite 200.",
    "I'll text 2 u later. No se preocupe, Maya.",
    "Thanks again for coming in! How did you feel about everything we talked about?",
    "Congrats on reaching this milestone with us. How are you feeling about your progress?",
    "Our clinician and the clinical team will follow up; the front desk will book a check-in.",
    "Your results look jaw-dropping! Have a detox weekend and enjoy some lasagna.",
    "We're in Temple, Texas. Come by our chinook-themed lobby, Oscar says hi. It's not scary!",
    "A silk pillowcase and a typeface preface: fun surface facts about our interface.",
    "Philip loved the hipster peeler, eclipse and lipstick too.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_clinic_texts_pass(text: str) -> None:
    assert find_phi(text, ctx()) == []


@pytest.mark.parametrize("word", ["machine", "flip", "slip", "Facebook", "appeal", "skin", "results", "visit",
                                  "treatment", "appointment", "lipstick", "chinese", "detox", "toxic", "scary",
                                  "scarf", "browse", "neckline", "cheeky", "retina", "temple", "hipster"])
def test_innocent_words_pass(word: str) -> None:
    assert find_phi(f"About the {word}.", ctx()) == []


def _render_all() -> list[tuple[str, str]]:
    return render_all()


def test_no_shipped_template_carries_phi() -> None:
    rendered = _render_all()
    assert len(rendered) >= 20
    assert [(name, text) for name, text in rendered if find_phi(text, ctx())] == []


# ------------------------------------------------------------------------------ clinic and patient terms


def test_patient_terms_block_as_phrases() -> None:
    terms = ("Glow Signature Lift", "Juvederm Ultra")
    assert categories("How is your glow signature lift?", patient_terms=terms) == {PATIENT_TERM}
    assert categories("How is your Glow-Signature-Lift?", patient_terms=terms) == {PATIENT_TERM}
    assert PATIENT_TERM not in categories("Glow Aesthetics says hi", patient_terms=terms)
    assert categories("Glow Signature Lift", patient_terms=()) == set()


def test_clinic_extra_terms_block() -> None:
    settings = ClinicSettings(phi_extra_terms=["Aqua Glow Deluxe", "VelvetSkin"])
    assert categories("Your aqua glow deluxe went well", settings=settings) == {CLINIC_TERM}
    assert categories("Your Velvet-Skin went well", settings=settings) == {CLINIC_TERM}
    assert categories("Your aqua glow deluxe went well") == set()


def test_sender_name_and_review_link_are_exempt() -> None:
    settings = ClinicSettings(sender_name="Laser Lounge")
    assert find_phi("Hi Maya, it's Laser Lounge! How are you?", ctx(settings=settings)) == []
    assert find_phi("Hi Maya, it's Laser Lounge! How was the laser?", ctx(settings=settings)) == ["procedure"]
    link = "https://g.page/r/lips-and-co/review"
    assert find_phi(f"Thanks! {link}", ctx(review_link=link)) == []
    assert find_phi(f"Thanks! {link}", ctx()) != []


# ------------------------------------------------------------------------------ verdicts and caching


@pytest.mark.parametrize("text", ["Your Botox and lip filler look great, 20 units well spent!",
                                  "How are the b.o.t.o.x lips?", "Ozempic + tretinoin check-in"])
def test_verdict_names_categories_never_terms(text: str) -> None:
    verdict = check_phi(text, ctx(patient_terms=("Lip filler",)))
    assert verdict.tripped
    record = json.dumps(verdict.as_record()).lower()
    for term in ("botox", "lip", "filler", "20 units", "units", "ozempic", "tretinoin", "b.o.t.o.x"):
        assert term not in record
    assert set(verdict.detail["categories"]) <= {"product", "procedure", "area", "medication", "dose", PATIENT_TERM}


def test_clean_verdict() -> None:
    verdict = check_phi("Thanks, Maya!", ctx())
    assert (verdict.policy, verdict.tripped) == (GuardPolicy.PHI, False)


def test_matcher_is_compiled_once_per_policy_object() -> None:
    assert phi_matcher(POLICIES.phi) is phi_matcher(POLICIES.phi)
    other = PhiPolicy(categories={"product": ["zzwidget"]})
    assert phi_matcher(other) is not phi_matcher(POLICIES.phi)
    assert phi_matcher(other).scan(fold_text("a ZZWidget")) == ["product"]
    assert phi_matcher(other).scan(fold_text("botox")) == []


def test_fold_text() -> None:
    assert fold_text("BOTOX®™ Juvéderm") == "botox juvederm"
    assert fold_text("b o t o x") == "botox"
    assert fold_text("a.m. and p.m.") == "a.m. and p.m."  # two letters are not collapsed
