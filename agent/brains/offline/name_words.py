"""Whether a word is a person's name where it stands, and the name picked out of one or two words.

Split from extract.py, which finds the places a name may be (after "my sister", before "wants in", next
to a number); this module only judges the words there. Case carries signal: a capitalised word is a
name unless it is a common word; a lowercase one only where a name is expected (`anchored`) or allowed
(`lower_ok`), and never a common word.
"""
from __future__ import annotations

import re

from agent.brains.offline.names import (
    COMMON_WORDS,
    NAMES_ENDING_LIKE_WORDS,
    STOP_NAMES,
    WORDS_THAT_ARE_NAMES,
    fold,
)

__all__ = [
    "possessive", "capitalise", "common", "wordlike", "name_word", "clean_name", "pick", "looks_named",
]

_LAUGH = re.compile(r"(?:[jh][aeiou]){2,}[jh]?|(?:js|ks|xd)+", re.IGNORECASE)
_CONTRACTION = re.compile(r"(?:'(?:re|ll|d|ve|m|t)|n't)$", re.IGNORECASE)
_NON_SPACE = re.compile(r"\S+")
_STRETCHED = re.compile(r"(.)\1\1")
_HYPHEN_OR_APOSTROPHE = re.compile(r"([\-'])")


def possessive(word: str) -> str:
    return word[:-2] if word.endswith("'s") else word


def capitalise(word: str) -> str:
    if word[:1].isupper() and not word.isupper():
        return word  # already cased by the patient ("McKenna", "O'Brien", "Ji-woo")
    parts = _HYPHEN_OR_APOSTROPHE.split(word.lower())
    return "".join(p[:1].upper() + p[1:] if len(p) > 1 or i == 0 else p for i, p in enumerate(parts))


def common(low: str) -> bool:
    if low in COMMON_WORDS or (not low.isascii() and fold(low) in COMMON_WORDS):
        return True
    # Verb forms of common words ("swears", "recommended"); stems of four letters or more only, so
    # "Wes" and "Ted" stay names.
    return any(low.endswith(s) and len(low) - len(s) >= 4 and low[: -len(s)] in COMMON_WORDS
               for s in ("s", "es", "d", "ed"))


def wordlike(low: str) -> bool:
    """Adverbs, gerunds and past tenses: "apparently", "planning", "noticed", "agarró" (not "Kimberly")."""
    if low in NAMES_ENDING_LIKE_WORDS or (not low.isascii() and fold(low) in NAMES_ENDING_LIKE_WORDS):
        return False
    if low.endswith(("ó", "aron", "ieron", "ando", "iendo")) and len(low) >= 4:
        return True  # Spanish verbs: "agarró", "dijeron", "preguntando"
    return len(low) >= 6 and low.endswith(("ly", "ing", "ed"))


def name_word(word: str, *, anchored: bool, lower_ok: bool = False) -> bool:
    """Whether one word can be (part of) a person's name here.

    anchored: right after a relationship or a command verb, where a name is expected; lower_ok: a
    lowercase word may be a name here (first in its clause before a referral verb or a number).
    """
    low = word.lower().rstrip("'")
    if anchored and word[0].isupper() and not word.isupper() and fold(low) in WORDS_THAT_ARE_NAMES:
        return True  # "my husband Will", "her name is Hope"
    if len(low) < 2 or low in STOP_NAMES or not low[0].isalpha() or _CONTRACTION.search(low):
        return False
    if not low.isascii() and fold(low) in STOP_NAMES:
        return False
    # "jajaja" is a laugh, but "Jojo" or "Juju" capitalised where a name is expected is a nickname
    if _LAUGH.fullmatch(low) and not (anchored and word[0].isupper() and not word.isupper() and len(low) <= 4):
        return False
    # A capital counts only in mixed case: "MI HERMANA QUIERE" is shouting, not names.
    if word[0].isupper() and not (word.isupper() and len(word) > 1):
        return anchored or (low not in COMMON_WORDS and not wordlike(low))
    if _STRETCHED.search(low):
        return False  # "sooo", "ayyy": a drawn-out word, not a name
    return (anchored or lower_ok) and not common(low) and not wordlike(low) and not low.endswith("ing")


def clean_name(raw: str | None, *, anchored: bool, allow_tail: bool = False) -> str | None:
    """A cleaned, capitalised name from a one- or two-word candidate, or None.

    allow_tail: when the first word is not a name, try the second alone ("so Dana (my sister)").
    """
    picked = pick(raw, 0, anchored=anchored, allow_tail=allow_tail)
    return picked[0] if picked else None


def pick(
    raw: str | None, offset: int, *, anchored: bool, allow_tail: bool = False, lower_ok: bool = False
) -> tuple[str, int, int] | None:
    """(name, start, end) of the name in a one- or two-word candidate found at `offset`, or None."""
    if not raw:
        return None
    words = [(m.group(0), m.start()) for m in _NON_SPACE.finditer(raw)]
    first = possessive(words[0][0])
    if not name_word(first, anchored=anchored, lower_ok=lower_ok):
        if allow_tail and len(words) > 1:
            return pick(words[1][0], offset + words[1][1], anchored=anchored, lower_ok=lower_ok)
        return None
    kept, end = [first], words[0][1] + len(first)
    if len(words) > 1 and words[0][0] == first:
        second = possessive(words[1][0])
        same_case = second[:1].isupper() == first[:1].isupper()
        # "Anh Thu", "Mary Rose": a second given name that is also a word ("thu" is Thursday) is kept
        known = second[:1].isupper() and fold(second) in _SECOND_GIVEN
        if same_case and name_word(second, anchored=True) and (known or not common(second.lower())):
            kept.append(second)
            end = words[1][1] + len(second)
    return " ".join(capitalise(w) for w in kept), offset + words[0][1], offset + end


# ------------------------------------------------------------------------------ second given names
# Many first names are two words ("Mary Ann", "Ana Sofía", Vietnamese "Ngoc Anh", "Anh Thu"); an uncommon
# second word is kept anyway, but these are also words ("Thu" is Thursday) and are kept only capitalised
# after a name ("Anh Thu", "Mary Rose", "María Jesús"). Not "Ella" or "Van": more often "ella quiere", "van a".
_SECOND_GIVEN = frozenset({"thu", "rose", "jesus"})


def looks_named(word: str) -> bool:
    """A capitalised, mixed-case, uncommon word: "Rachel" in "Rachel from work"."""
    return word[:1].isupper() and not word.isupper() and word.lower() not in COMMON_WORDS
