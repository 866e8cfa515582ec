"""Features of one patient text for the statistical reader: the same function at training and at run time.

Over agent.text.normalize (lowercase, accents folded, emoji as words, SMS spellings expanded):
- word unigrams and bigrams ("w:loving", "b:not loving");
- words inside a negation's reach marked as such ("n:thrilled" in "can't say i'm thrilled"), so
  negated praise does not read as praise;
- character 3-5-grams inside each word, padded ("c: hazy", "c:azy "), which carry typos, plurals and
  Spanish/English cognates ("borrosa", "blurry-ish");
- runs of three or more digits folded to 0s, so every phone number looks alike; short numbers stay
  ("5 stars" is praise, "1 star" is not; "10/10", "0/10");
- "w:<cap>" for each word capitalised inside a sentence ("told Hannah and Mike about you"): a name the
  examples never saw still looks like a name, so "told <cap> and <cap> about you" reads as a referral.
FEATURE_VERSION changes whenever this function changes meaning; a model trained on another version
is refused at load.
"""
from __future__ import annotations

import re

from agent.text import normalize

FEATURE_VERSION = 3

_TOKENS = re.compile(r"[a-z0-9']+|[?!]")
# A capitalised word that does not open a sentence (after start, or . ! ? and a space); mixed case only.
_MID_CAPITAL = re.compile(r"(?<![.!?\n]\s)(?<!^)(?<![.!?\n])\b([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)\b")
_LONG_NUMBER = re.compile(r"[0-9]{3,}")
_SCOPE_END = re.compile(r"[.,;:!?]|\bbut\b|\bpero\b")
_NEGATORS = frozenset(
    "no not never don't can't isn't wasn't won't didn't doesn't ain't aren't haven't hasn't couldn't "
    "wouldn't shouldn't nothing nobody hardly barely nunca ni tampoco nada".split()
)
NEGATION_REACH = 3
CHAR_NGRAMS = (3, 4, 5)


def analyze(text: str) -> list[str]:
    """The features of `text`, with repeats (term frequency matters)."""
    norm = _LONG_NUMBER.sub(lambda m: "0" * len(m.group(0)), normalize(text))
    feats: list[str] = []
    words: list[str] = []
    for clause in _SCOPE_END.split(norm):
        reach = 0
        for token in _TOKENS.findall(clause):
            words.append(token)
            if token in _NEGATORS:
                reach = NEGATION_REACH
                continue
            if reach:
                feats.append("n:" + token)
                reach -= 1
    marks = [t for t in _TOKENS.findall(norm) if t in "?!"]
    feats.extend("w:" + m for m in marks)
    feats.extend("w:" + w for w in words)
    feats.extend(f"b:{a} {b}" for a, b in zip(words, words[1:]))
    for word in words:
        if len(word) < 2 or word in "?!":
            continue
        padded = f" {word} "
        for n in CHAR_NGRAMS:
            if len(padded) < n:
                break
            feats.extend(["c:" + padded[i:i + n] for i in range(len(padded) - n + 1)])
    if not words:
        feats.append("w:<empty>")
    if not text.islower():
        feats.extend("w:<cap>" for m in _MID_CAPITAL.finditer(text.strip()) if m.start() > 0)
    return feats
