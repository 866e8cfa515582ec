"""A tapback (the phone's reaction to one of our texts, sent as text) quotes our own words: it
acknowledges, and no keyword, red flag or intent is read in the quote."""
from __future__ import annotations

import pytest

from agent.brains.offline.classify import classify
from agent.brains.offline.safety import screen
from agent.keywords import match_keyword
from agent.policy.loader import default_policies
from agent.types import Intent

P = default_policies()
SAFETY_TEXT = ("Maya, please call us right now at (415) 555-0100 so a clinician can help. If it feels severe or "
               "you have trouble breathing, call 911.")


@pytest.mark.parametrize(("text", "intent"), [
    ("Loved “Hi Maya, it's Glow Aesthetics! It's been about two weeks since your visit. How are you liking "
     "your results?”", Intent.POSITIVE),
    ('Liked "If a friend ever asks where you go, feel free to send them our way or reply with their name."',
     Intent.NEUTRAL),
    ("Reacted 👍 to “Hi Maya, just making sure you saw our last text.”", Intent.NEUTRAL),
    ("Le encantó “¡Qué buena noticia, Lucia! Si alguna amistad tiene curiosidad, con gusto la recibimos”",
     Intent.POSITIVE),
    (f"Emphasized “{SAFETY_TEXT}”", Intent.OTHER),
    ("Liked “Glow Aesthetics: You're subscribed again. Reply STOP to opt out. Msg & data rates may apply.”",
     Intent.NEUTRAL),
])
def test_a_tapback_reads_nothing_in_our_quoted_words(text: str, intent: Intent) -> None:
    found = classify(text, P)
    assert [s.intent for s in found.intents] == [intent]
    assert found.confidence(Intent.POSITIVE) < P.asks.clearly_positive  # a reaction never earns an ask
    assert found.referrals == () and not screen(text, P).urgent
    assert match_keyword(text, P.keywords, opted_out=False) is None


@pytest.mark.parametrize(("text", "intent"), [
    ("Disliked “Hi Maya, just making sure you saw our last text.”", Intent.OTHER),
    ("Reacted 👎 to “Hi Maya, just making sure you saw our last text.”", Intent.OTHER),
    ("Laughed at “Time for a touch-up? It's been 3 months!”", Intent.OTHER),
    ("Questioned “Hi Maya, just making sure you saw our last text.”", Intent.QUESTION),
])
def test_a_tapback_that_laughs_dislikes_or_questions_goes_to_a_person(text: str, intent: Intent) -> None:
    assert classify(text, P).intents[0].intent is intent


@pytest.mark.parametrize("text", [
    "Loved “How are you feeling today?” but my lip is turning white",  # words of their own after the quote
    "Loved it",  # too short to be a quote of ours
])
def test_words_of_the_patients_own_are_read_as_usual(text: str) -> None:
    found = classify(text, P)
    assert found.intents[0].intent is not Intent.NEUTRAL
