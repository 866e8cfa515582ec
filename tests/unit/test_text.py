"""agent.text.normalize: the shared SMS normalisation every rule matches against."""
from __future__ import annotations

import pytest

from agent.text import EMOJI_WORDS, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # case, whitespace
        ("  Hello   THERE \n ok ", "hello there ok"),
        ("", ""),
        ("   ", ""),
        # curly quotes and dashes fold to ASCII
        ("I\u2019m \u201cobsessed\u201d", 'i\'m "obsessed"'),
        ("can\u2019t swallow \u2014 help", "can't swallow - help"),
        ("wait\u2026", "wait..."),
        # emoji become words from a small explicit map
        ("luv it \U0001F60D\U0001F60D", "love it love love"),
        ("\u2764\ufe0f", "love"),
        ("\U0001F525\U0001F525", "amazing amazing"),
        ("\U0001F4AF", "amazing"),
        ("\u2728 glowing", "amazing glowing"),
        ("ok \U0001F44D\U0001F3FD", "ok ok"),  # skin tone modifier ignored
        ("\U0001F62D", "crying"),
        ("\U0001F621", "angry"),
        ("\U0001F44E", "bad"),
        ("\U0001F64F", "thanks"),
        ("love\U0001F60D", "love love"),
        # unknown emoji are dropped, not spelled out
        ("\U0001F984 hi", "hi"),
        ("\U0001F9FF", ""),
        # SMS spellings
        ("gr8 thx", "great thanks"),
        ("rly luv u", "really love you"),
        ("ty!", "thanks!"),
        ("ur the best", "your the best"),
        ("my sis and bf", "my sister and boyfriend"),
        ("my gf", "my girlfriend"),
        ("pls", "please"),
        ("plz?", "please?"),
        ("im happy", "i'm happy"),
        ("dont text me", "don't text me"),
        ("cant breathe", "can't breathe"),
        ("i cannot swallow", "i can't swallow"),
        ("omg", "omg"),
        ("idk", "i don't know"),
        ("w/o any swelling", "without any swelling"),
        ("k", "ok"),
        ("Okay", "ok"),
        ("gr8,thx", "great, thanks"),
        # stretched letters squeeze, real double letters survive
        ("soooo good", "so good"),
        ("obsesssed", "obsessed"),
        ("yessss", "yes"),
        ("cool", "cool"),
        ("good", "good"),
        ("sweet", "sweet"),
        ("looooove", "love"),
        ("!!!", "!"),
        ("really???", "really?"),
        # digits are never squeezed
        ("415-555-0000", "415-555-0000"),
        # accents fold (Spanish)
        ("visi\u00f3n borrosa", "vision borrosa"),
        ("\u00bfTengo una pregunta?", "tengo una pregunta?"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["Luv it \U0001F60D", "OBSESSSED!!!", "gr8 thx", "Can\u2019t swallow", "im sooo happy u guys r the best",
     "w/o swelling", "idk tbh", "\U0001F44D", "k.", "visi\u00f3n"],
)
def test_normalize_is_idempotent(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once


def test_emoji_map_uses_plain_words() -> None:
    assert all(word.replace(" ", "").isalpha() or word in "?!" for word in EMOJI_WORDS.values())
    assert EMOJI_WORDS["\U0001F44D"] == "ok"  # a thumbs-up acknowledges; it is not a rave


def test_output_is_lowercase_single_spaced() -> None:
    out = normalize("Hi\tTHERE\n\nMy   Sister  \u00a0 Dana")
    assert out == "hi there my sister dana"
